using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.StoredWorkflows;

/// <summary>An <see cref="IWorkflowStore"/> in process memory (the in-memory execution store's), lost when the process ends.</summary>
/// <remarks>Thread-safe: one lock over every workflow (registrations are rare).</remarks>
public sealed class InMemoryWorkflowStore : IWorkflowStore
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<(string Namespace, string Id), Entry> _workflows = new(Comparer<(string Namespace, string Id)>.Create(static (a, b) =>
    {
        var byNamespace = string.CompareOrdinal(a.Namespace, b.Namespace);
        return byNamespace != 0 ? byNamespace : string.CompareOrdinal(a.Id, b.Id);
    }));

    /// <inheritdoc />
    public ValueTask<RegisteredWorkflow> RegisterWorkflowAsync(string workflowNamespace, WorkflowDefinition definition, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflowNamespace);
        ArgumentNullException.ThrowIfNull(definition);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_workflows.TryGetValue((workflowNamespace, definition.Id), out var entry))
            {
                entry = new Entry();
                _workflows.Add((workflowNamespace, definition.Id), entry);
            }

            if (!entry.Deleted && entry.Versions.Count > 0 && entry.Versions[^1].Definition.Equals(definition))
            {
                return ValueTask.FromResult(new RegisteredWorkflow(Latest(entry.Versions[^1], entry), Existing: true));
            }

            entry.Deleted = false;
            var version = new WorkflowVersion(workflowNamespace, definition.Id, entry.Versions.Count + 1, definition.Clone(), now, entry.Versions.Count + 1);
            entry.Versions.Add(version);
            return ValueTask.FromResult(new RegisteredWorkflow(version, Existing: false));
        }
    }

    /// <inheritdoc />
    public ValueTask<WorkflowVersion?> GetWorkflowAsync(string workflowNamespace, string workflowId, int version, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_workflows.TryGetValue((workflowNamespace, workflowId), out var entry) || entry.Deleted || version < 0 || version > entry.Versions.Count)
            {
                return ValueTask.FromResult<WorkflowVersion?>(null);
            }

            return ValueTask.FromResult<WorkflowVersion?>(Latest(entry.Versions[(version == 0 ? entry.Versions.Count : version) - 1], entry));
        }
    }

    /// <inheritdoc />
    public ValueTask<WorkflowVersionPage> ListWorkflowsAsync(string workflowNamespace, int pageSize, string? pageToken, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var after = WorkflowPageToken.Decode(workflowNamespace, pageToken);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var items = _workflows
                .Where(w => w.Key.Namespace == workflowNamespace && !w.Value.Deleted && (after is null || string.CompareOrdinal(w.Key.Id, after) > 0))
                .Take(pageSize + 1)
                .Select(w => Latest(w.Value.Versions[^1], w.Value))
                .ToList();
            return ValueTask.FromResult(WorkflowPageToken.Page(workflowNamespace, items, pageSize));
        }
    }

    /// <inheritdoc />
    public ValueTask<int> DeleteWorkflowAsync(string workflowNamespace, string workflowId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_workflows.TryGetValue((workflowNamespace, workflowId), out var entry) || entry.Deleted)
            {
                return ValueTask.FromResult(0);
            }

            entry.Deleted = true;
            return ValueTask.FromResult(entry.Versions.Count);
        }
    }

    private static WorkflowVersion Latest(WorkflowVersion version, Entry entry) => version with { LatestVersion = entry.Versions.Count };

    private sealed class Entry
    {
        public List<WorkflowVersion> Versions { get; } = [];

        public bool Deleted { get; set; }
    }
}
