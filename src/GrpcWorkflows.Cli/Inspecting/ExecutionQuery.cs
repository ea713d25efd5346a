using GrpcWorkflows.Client;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Cli.Inspecting;

/// <summary>What <c>gwf list</c> asks for: the server's filters (states, workflow) and those applied here (labels, since).</summary>
/// <param name="Request">The filters the server applies, and the page size.</param>
/// <param name="Labels">Labels every execution must carry with these values.</param>
/// <param name="Since">Only executions created at or after this time; null for all.</param>
/// <param name="Limit">The largest number of executions returned.</param>
internal sealed record ExecutionQuery(ListExecutionsRequest Request, IReadOnlyDictionary<string, string> Labels, DateTimeOffset? Since, int Limit)
{
    /// <summary>
    /// The matching executions, newest first. ListExecutions cannot filter by label or time yet, so
    /// this pages through the server's matches and filters them here, stopping at the first page
    /// entry older than <see cref="Since"/>; when the server learns those filters, only this method changes.
    /// </summary>
    public async Task<IReadOnlyList<ExecutionSummary>> RunAsync(IWorkflowClient client, CancellationToken cancellationToken)
    {
        var found = new List<ExecutionSummary>();
        await foreach (var summary in client.ListAllAsync(Request, cancellationToken))
        {
            if (Since is { } since && summary.CreateTime is { } created && created.ToDateTimeOffset() < since)
            {
                break;
            }

            if (Labels.All(l => summary.Labels.TryGetValue(l.Key, out var value) && value == l.Value))
            {
                found.Add(summary);
                if (found.Count == Limit)
                {
                    break;
                }
            }
        }

        return found;
    }
}
