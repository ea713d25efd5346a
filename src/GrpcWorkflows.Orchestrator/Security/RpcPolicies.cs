using System.Text;

namespace GrpcWorkflows.Orchestrator.Security;

/// <summary>
/// The one policy table: for every method of the orchestrator's contract, the role a caller needs
/// when authentication is on. A method missing from the table is refused (fail closed); a test
/// checks that every method of every service in the contract is here, and that
/// <c>docs/security.md</c> shows <see cref="ToMarkdown"/>.
/// </summary>
internal static class RpcPolicies
{
    private const string Workflows = "/grpcworkflows.v1.WorkflowService/";
    private const string Registry = "/grpcworkflows.v1.ExecutorRegistryService/";

    /// <summary>The required role per full gRPC method name (<c>/package.Service/Method</c>).</summary>
    public static IReadOnlyDictionary<string, string> RequiredRole { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Workflows + "SubmitWorkflow"] = Roles.Operator,
        [Workflows + "RunWorkflow"] = Roles.Operator,
        [Workflows + "GetExecution"] = Roles.Viewer,
        [Workflows + "ListExecutions"] = Roles.Viewer,
        [Workflows + "WatchExecution"] = Roles.Viewer,
        [Workflows + "CancelExecution"] = Roles.Operator,
        [Workflows + "RetryExecution"] = Roles.Operator,
        [Workflows + "SignalExecution"] = Roles.Operator,
        [Workflows + "ValidateWorkflow"] = Roles.Viewer,
        [Workflows + "RegisterWorkflow"] = Roles.Operator,
        [Workflows + "GetWorkflow"] = Roles.Viewer,
        [Workflows + "ListWorkflows"] = Roles.Viewer,
        [Workflows + "DeleteWorkflow"] = Roles.Operator,
        [Workflows + "CreateSchedule"] = Roles.Operator,
        [Workflows + "GetSchedule"] = Roles.Viewer,
        [Workflows + "ListSchedules"] = Roles.Viewer,
        [Workflows + "PauseSchedule"] = Roles.Operator,
        [Workflows + "ResumeSchedule"] = Roles.Operator,
        [Workflows + "DeleteSchedule"] = Roles.Operator,
        [Workflows + "BackfillSchedule"] = Roles.Operator,
        [Registry + "RegisterExecutor"] = Roles.Executor,
        [Registry + "Heartbeat"] = Roles.Executor,
        [Registry + "DeregisterExecutor"] = Roles.Executor,
        [Registry + "ListExecutors"] = Roles.Viewer,
        [Registry + "Connect"] = Roles.Executor,
    };

    /// <summary>The role <paramref name="method"/> requires, or null when the table does not name it (then it is refused).</summary>
    public static string? For(string method) => RequiredRole.GetValueOrDefault(method);

    /// <summary>The table as Markdown, one row per method, with the roles that may call it.</summary>
    public static string ToMarkdown()
    {
        var text = new StringBuilder();
        text.Append("| Method | Requires | Callable by |\n| --- | --- | --- |\n");
        foreach (var (method, role) in RequiredRole)
        {
            var callers = string.Join(", ", Roles.All.Where(held => Roles.Grants(held, role)).Select(r => $"`{r}`"));
            text.Append($"| `{method.TrimStart('/')}` | `{role}` | {callers} |\n");
        }

        return text.ToString();
    }
}
