namespace GrpcWorkflows.Storage.Sqlite.Internal;

/// <summary>One write queued for the writer; its caller awaits the commit of the batch that carries it.</summary>
internal abstract class WriteRequest
{
    /// <summary>The number of events this request writes.</summary>
    public abstract int EventCount { get; }

    /// <summary>Validates and writes the request inside the writer's open transaction.</summary>
    /// <returns>False when the request was refused: it wrote nothing and its caller already has the reason.</returns>
    public abstract bool Write(SqliteWriter writer);

    /// <summary>Tells the caller that the batch carrying the request committed.</summary>
    public abstract void Committed();

    /// <summary>Tells the caller that the request failed.</summary>
    public abstract void Fail(Exception exception);
}
