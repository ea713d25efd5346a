namespace GrpcWorkflows.Orchestrator.Security;

/// <summary>
/// The roles a client credential can carry. <c>viewer</c> ⊂ <c>operator</c> ⊂ <c>admin</c>;
/// <c>executor</c> is apart (it may only register, heartbeat and deregister) and <c>admin</c> holds it too.
/// </summary>
public static class Roles
{
    /// <summary>Reads: get, list, watch and validate executions; list executors.</summary>
    public const string Viewer = "viewer";

    /// <summary>A viewer that also submits, runs, cancels and retries executions.</summary>
    public const string Operator = "operator";

    /// <summary>An operator that also administers the executor registry (and holds <see cref="Executor"/>).</summary>
    public const string Admin = "admin";

    /// <summary>An executor process: registers, heartbeats and deregisters. Scoped executor credentials come with executor sessions.</summary>
    public const string Executor = "executor";

    /// <summary>Every role, in the order a policy table lists them.</summary>
    public static IReadOnlyList<string> All { get; } = [Viewer, Operator, Admin, Executor];

    /// <summary>Whether a caller holding <paramref name="held"/> may call a method that requires <paramref name="required"/>.</summary>
    public static bool Grants(string held, string required) => required switch
    {
        Viewer => held is Viewer or Operator or Admin,
        Operator => held is Operator or Admin,
        Admin => held is Admin,
        Executor => held is Executor or Admin,
        _ => false,
    };

    /// <summary>Whether <paramref name="role"/> is one of <see cref="All"/> (case-sensitive, lower case).</summary>
    public static bool IsKnown(string? role) => role is Viewer or Operator or Admin or Executor;
}
