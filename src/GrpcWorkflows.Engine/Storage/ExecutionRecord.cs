using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Storage;

/// <summary>The indexed facts a store keeps about one execution, derived from its events.</summary>
/// <param name="ExecutionId">The execution id.</param>
/// <param name="WorkflowId">The workflow definition id.</param>
/// <param name="State">The state, as of the last appended event.</param>
/// <param name="CreateTime">When the execution was created (the submitted event's time).</param>
/// <param name="EndTime">When it reached a terminal state, if it has.</param>
/// <param name="LastSequence">The last stored sequence.</param>
/// <param name="IdempotencyKey">The submission's idempotency key, or null.</param>
/// <param name="StepCount">The number of steps in the definition.</param>
/// <param name="SucceededStepCount">The number of steps whose latest terminal event is a success.</param>
/// <param name="Labels">The execution's labels.</param>
public sealed record ExecutionRecord(
    string ExecutionId,
    string WorkflowId,
    ExecutionState State,
    DateTimeOffset CreateTime,
    DateTimeOffset? EndTime,
    long LastSequence,
    string? IdempotencyKey,
    int StepCount,
    int SucceededStepCount,
    IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>The execution's namespace (<see cref="Namespaces.ExecutionNamespace.Default"/> for executions stored before namespaces).</summary>
    public string Namespace { get; init; } = Namespaces.ExecutionNamespace.Default;
    /// <summary>
    /// The record of an execution created from <paramref name="firstEvent"/> (checked with
    /// <see cref="StoreArguments.CheckFirstEvent"/>): PENDING, sequence 1, no step succeeded yet.
    /// </summary>
    /// <param name="firstEvent">The execution's submitted event.</param>
    /// <param name="fallbackCreateTime">The create time when the event carries no time.</param>
    public static ExecutionRecord OfNewExecution(ExecutionEvent firstEvent, DateTimeOffset fallbackCreateTime)
    {
        ArgumentNullException.ThrowIfNull(firstEvent);
        StoreArguments.CheckFirstEvent(firstEvent);
        var submitted = firstEvent.Submitted;
        return new ExecutionRecord(
            firstEvent.ExecutionId,
            submitted.Definition?.Id ?? string.Empty,
            ExecutionState.Pending,
            firstEvent.Time?.ToDateTimeOffset() ?? fallbackCreateTime,
            EndTime: null,
            LastSequence: 1,
            string.IsNullOrEmpty(submitted.IdempotencyKey) ? null : submitted.IdempotencyKey,
            submitted.Definition?.Steps.Count ?? 0,
            SucceededStepCount: 0,
            ExecutionLabels.Of(submitted))
        {
            Namespace = Namespaces.ExecutionNamespace.OrDefault(submitted.Namespace),
        };
    }
}

/// <summary>The result of <see cref="IExecutionStore.CreateAsync"/>.</summary>
/// <param name="ExecutionId">The id of the created execution, or of the existing one with the same idempotency key.</param>
/// <param name="Existing">True when an execution with the same idempotency key already existed.</param>
public sealed record CreateExecutionResult(string ExecutionId, bool Existing);

/// <summary>A page of executions, newest first.</summary>
/// <param name="Items">The records.</param>
/// <param name="NextPageToken">The token of the next page, or null on the last page.</param>
public sealed record ExecutionPage(IReadOnlyList<ExecutionRecord> Items, string? NextPageToken);
