namespace GrpcWorkflows.Storage.Postgres.Internal;

/// <summary>One write queued for the writer; its caller awaits the commit of the batch that carries it.</summary>
internal abstract class WriteRequest
{
    /// <summary>Tells the caller that the request failed.</summary>
    public abstract void Fail(Exception exception);
}
