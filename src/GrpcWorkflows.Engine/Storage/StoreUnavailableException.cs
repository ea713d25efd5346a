namespace GrpcWorkflows.Engine.Storage;

/// <summary>Why a store cannot take writes (or serve reads) right now.</summary>
public enum StoreFailureReason
{
    /// <summary>An input/output error, a lock held too long, or another cause that may pass.</summary>
    Unavailable,

    /// <summary>The disk (or the file system's quota) is full: writes succeed again once space is freed.</summary>
    DiskFull,

    /// <summary>The file or its file system is read-only: writes succeed once it is writable.</summary>
    ReadOnly,

    /// <summary>The file is damaged: restore a backup (docs/durability.md).</summary>
    Damaged,
}

/// <summary>
/// Thrown by an <see cref="IExecutionStore"/> when the storage under it fails (disk full, read-only,
/// input/output error, damage), as opposed to a refused request. Nothing of the failed write was kept;
/// the same write may succeed later, once the cause is gone.
/// </summary>
public sealed class StoreUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StoreUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public StoreUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public StoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a named cause.</summary>
    /// <param name="reason">Why the store fails.</param>
    /// <param name="message">What failed and what to do, for operators and clients.</param>
    /// <param name="innerException">The storage error.</param>
    public StoreUnavailableException(StoreFailureReason reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    /// <summary>Why the store fails.</summary>
    public StoreFailureReason Reason { get; }
}
