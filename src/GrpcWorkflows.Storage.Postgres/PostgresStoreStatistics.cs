namespace GrpcWorkflows.Storage.Postgres;

/// <summary>The writer's counters since the store opened.</summary>
/// <param name="Batches">Group commits: transactions the writer committed.</param>
/// <param name="Writes">Creates and appends written.</param>
/// <param name="Events">Events written.</param>
/// <param name="RoundTrips">Database round trips the writer made (batches, cache loads, reconnects), reads excluded.</param>
public sealed record PostgresStoreStatistics(long Batches, long Writes, long Events, long RoundTrips);
