using System.Buffers.Text;
using System.Text;

namespace GrpcWorkflows.Engine.StoredWorkflows;

/// <summary>
/// The page token of <see cref="IWorkflowStore.ListWorkflowsAsync"/>, shared by the stores: the namespace
/// and the last workflow id of the page, as an opaque string.
/// </summary>
public static class WorkflowPageToken
{
    /// <summary>Makes the token that continues after <paramref name="lastWorkflowId"/>.</summary>
    public static string Encode(string workflowNamespace, string lastWorkflowId)
        => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"wf:{workflowNamespace}:{lastWorkflowId}"));

    /// <summary>
    /// The page of <paramref name="pageSize"/> items from <paramref name="items"/>, read with one more
    /// than the page holds: when that extra one is there, it is dropped and the page gets a next token.
    /// </summary>
    public static WorkflowVersionPage Page(string workflowNamespace, List<WorkflowVersion> items, int pageSize)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count <= pageSize)
        {
            return new WorkflowVersionPage(items, null);
        }

        items.RemoveRange(pageSize, items.Count - pageSize);
        return new WorkflowVersionPage(items, Encode(workflowNamespace, items[^1].WorkflowId));
    }

    /// <summary>The last workflow id of the previous page, or null for the first page.</summary>
    /// <exception cref="ArgumentException">The token was not made by a listing of this namespace.</exception>
    public static string? Decode(string workflowNamespace, string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
            var prefix = $"wf:{workflowNamespace}:";
            if (text.StartsWith(prefix, StringComparison.Ordinal) && text.Length > prefix.Length)
            {
                return text[prefix.Length..];
            }
        }
        catch (FormatException)
        {
        }

        throw new ArgumentException("The page token was not made by a listing of this namespace; start again without one.", nameof(token));
    }
}
