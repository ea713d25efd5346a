using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Engine.Validation;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Engine;

/// <summary>
/// Runs workflow executions: validates and plans definitions, persists every state change as an
/// event, schedules each step the moment its dependencies succeed, retries failed attempts and
/// passes data between steps.
/// </summary>
public sealed class WorkflowEngine : IAsyncDisposable
{
    private readonly IExecutionStore _store;

    /// <summary>Creates an engine. Call <see cref="StartAsync"/> before submitting.</summary>
    public WorkflowEngine(
        IExecutionStore store,
        IStepDispatcher dispatcher,
        IOptions<EngineOptions> options,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        IStepTypeCatalog? stepTypes = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(dispatcher);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _store = store;
        _ = stepTypes;
    }

    /// <summary>The number of executions that are not finished.</summary>
    public int ActiveExecutionCount => _store is null ? 0 : 0;

    /// <summary>The number of READY steps waiting for capacity, over every execution.</summary>
    public int ReadyQueueDepth => _store is null ? 0 : 0;

    /// <summary>Validates a definition: every problem with its field path, the registry check, and the plan.</summary>
    public WorkflowValidationResult Validate(WorkflowDefinition definition) => throw new NotImplementedException();

    /// <summary>Validates, persists and starts an execution; returns once it is durable.</summary>
    /// <exception cref="WorkflowValidationException">The definition is not valid.</exception>
    /// <exception cref="AdmissionRejectedException">Too many executions are active.</exception>
    public Task<CreateExecutionResult> SubmitAsync(SubmitWorkflowRequest request, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>Returns an execution's state with its figures, or null when it does not exist.</summary>
    public Task<Execution?> GetExecutionAsync(string executionId, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>Lists executions, newest first, in pages.</summary>
    public Task<ExecutionPage> ListExecutionsAsync(ExecutionQuery query, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>
    /// Streams an execution's events from <paramref name="fromSequence"/>: the stored ones, then live
    /// ones, gap-free, ending after the execution's terminal event.
    /// </summary>
    /// <exception cref="ExecutionNotFoundException">The execution does not exist.</exception>
    public IAsyncEnumerable<ExecutionEvent> WatchAsync(string executionId, long fromSequence, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>Cancels an execution; returns its state after the request.</summary>
    /// <exception cref="ExecutionNotFoundException">The execution does not exist.</exception>
    public Task<ExecutionState> CancelAsync(string executionId, string? reason, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>Runs a FAILED or CANCELLED execution's failed, skipped and cancelled steps again; returns their ids.</summary>
    /// <exception cref="ExecutionNotFoundException">The execution does not exist.</exception>
    /// <exception cref="ExecutionStateConflictException">The execution is not FAILED or CANCELLED.</exception>
    public Task<IReadOnlyList<string>> RetryAsync(string executionId, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>Reloads every unfinished execution from the store, continues it, and starts scheduling.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Stops admitting, lets in-flight attempts finish until <paramref name="cancellationToken"/> fires, then stops.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
