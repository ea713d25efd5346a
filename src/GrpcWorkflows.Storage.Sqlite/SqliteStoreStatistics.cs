namespace GrpcWorkflows.Storage.Sqlite;

/// <summary>Counters of a <see cref="SqliteExecutionStore"/>'s writer since it opened.</summary>
/// <param name="Batches">The transactions committed (group commits).</param>
/// <param name="Writes">The creates, appends and purges written in them.</param>
/// <param name="Events">The events written.</param>
public readonly record struct SqliteStoreStatistics(long Batches, long Writes, long Events)
{
    /// <summary>The mean number of events per committed transaction.</summary>
    public double EventsPerBatch => Batches == 0 ? 0 : (double)Events / Batches;

    /// <summary>The mean number of creates and appends per committed transaction.</summary>
    public double WritesPerBatch => Batches == 0 ? 0 : (double)Writes / Batches;
}
