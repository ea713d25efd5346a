namespace GrpcWorkflows.Storage.Sqlite;

/// <summary>
/// SQLite's <c>PRAGMA synchronous</c> setting for the store's writer, which decides what a
/// committed append survives. The store always runs in WAL mode; see docs/durability.md.
/// </summary>
public enum SqliteSynchronous
{
    /// <summary>
    /// No fsync at all. A committed append survives a crash of the process, but an operating
    /// system crash or power loss may lose recent commits or corrupt the database. Not recommended.
    /// </summary>
    Off = 0,

    /// <summary>
    /// The default. In WAL mode the log is fsynced at checkpoints, not at each commit: a committed
    /// append survives a crash (even SIGKILL) of the process; an operating system crash or power loss
    /// may roll back the most recent commits but leaves the database consistent.
    /// </summary>
    Normal = 1,

    /// <summary>
    /// The WAL is fsynced at every commit (so once per group-commit batch): a committed append
    /// also survives an operating system crash or power loss.
    /// </summary>
    Full = 2,

    /// <summary>Like <see cref="Full"/>, and also fsyncs the directory after a WAL reset.</summary>
    Extra = 3,
}
