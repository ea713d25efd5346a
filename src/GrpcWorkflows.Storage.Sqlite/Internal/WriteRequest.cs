namespace GrpcWorkflows.Storage.Sqlite.Internal;

/// <summary>One write queued for the writer; its caller awaits the commit of the batch that carries it.</summary>
internal abstract class WriteRequest
{
    /// <summary>The number of events this request writes.</summary>
    public abstract int EventCount { get; }

    /// <summary>Validates and writes the request inside the writer's open transaction.</summary>
    /// <returns>False when the request was refused: it wrote nothing, and keeps the reason for <see cref="Committed"/>.</returns>
    public abstract bool Write(SqliteWriter writer);

    /// <summary>
    /// Tells the caller that the batch carrying the request committed: its result, or the reason <see cref="Write"/>
    /// refused it. Called off the writer's thread (see <c>SqliteWriter.Settle</c>); the caller's continuation may run inline.
    /// </summary>
    public abstract void Committed();

    /// <summary>Tells the caller that the request failed.</summary>
    public abstract void Fail(Exception exception);
}
