using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Client;

/// <summary>
/// A client of the GrpcWorkflows orchestrator: submits workflow definitions, follows their
/// executions as streams of <see cref="ExecutionEvent"/>s, and inspects, cancels and retries them.
/// </summary>
/// <remarks>
/// <para>
/// Implementations are thread safe; one instance can serve a whole application. Errors from the
/// orchestrator surface as <see cref="Grpc.Core.RpcException"/> with the status the orchestrator
/// chose: <c>INVALID_ARGUMENT</c> for a definition with problems (read them with
/// <see cref="Errors.RpcExceptionExtensions.GetValidationProblems"/>), <c>FAILED_PRECONDITION</c> when
/// no executor serves a step type, <c>NOT_FOUND</c> for an unknown execution id,
/// <c>RESOURCE_EXHAUSTED</c> past the orchestrator's admission limit, and <c>UNAVAILABLE</c> when it
/// cannot be reached.
/// </para>
/// <para>
/// Event streams (<see cref="WatchAsync"/>, <see cref="RunAsync(RunWorkflowRequest, CancellationToken)"/>) survive a broken connection:
/// they reopen the stream from the last sequence delivered plus one, so every event is delivered
/// exactly once and in order (see <see cref="Watching.WatchResumeOptions"/>).
/// </para>
/// </remarks>
public interface IWorkflowClient
{
    /// <summary>
    /// Validates and persists a new execution of <paramref name="definition"/> and returns its id
    /// without waiting for any step to run.
    /// </summary>
    /// <param name="definition">The workflow to run, for example read with the engine's <c>WorkflowDefinitionLoader</c>.</param>
    /// <param name="input">The workflow input, readable by steps as <c>{{ workflow.input.&lt;path&gt; }}</c>; null for none.</param>
    /// <param name="idempotencyKey">
    /// An optional key: a second submission with the same key returns the execution created by the
    /// first (<see cref="SubmitWorkflowResponse.Existing"/> is then true) instead of starting another.
    /// </param>
    /// <param name="cancellationToken">Cancels the call (not the execution).</param>
    /// <returns>The execution id, and whether it already existed.</returns>
    Task<SubmitWorkflowResponse> SubmitAsync(WorkflowDefinition definition, Struct? input = null, string? idempotencyKey = null, CancellationToken cancellationToken = default);

    /// <summary>Submits a request built by the caller (labels included). See <see cref="SubmitAsync(WorkflowDefinition, Struct?, string?, CancellationToken)"/>.</summary>
    /// <param name="request">The submission.</param>
    /// <param name="cancellationToken">Cancels the call (not the execution).</param>
    /// <returns>The execution id, and whether it already existed.</returns>
    Task<SubmitWorkflowResponse> SubmitAsync(SubmitWorkflowRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Submits a workflow and streams its events, from <see cref="ExecutionEvent.Submitted"/> to
    /// <see cref="ExecutionEvent.Finished"/>, as they happen.
    /// </summary>
    /// <remarks>
    /// When the stream breaks after the first event, the rest is read with <see cref="WatchAsync"/>
    /// from the next sequence. When it breaks before the first event and the request carries an
    /// idempotency key, the submission is repeated with that key (returning the same execution)
    /// and watched from the start; without a key the error is thrown, since the execution may or
    /// may not exist. Leaving the enumeration early does not cancel the execution; call
    /// <see cref="CancelAsync"/> for that.
    /// </remarks>
    /// <param name="request">The submission: <see cref="RunWorkflowRequest.Submit"/> (its fields 1 to 4 are deprecated and still read when <c>Submit</c> is not set).</param>
    /// <param name="cancellationToken">Stops the enumeration (not the execution).</param>
    /// <returns>The execution's events, each once and in sequence order, ending with <see cref="ExecutionEvent.Finished"/>.</returns>
    IAsyncEnumerable<ExecutionEvent> RunAsync(RunWorkflowRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Submits a workflow and streams its events; the same as <see cref="RunAsync(RunWorkflowRequest, CancellationToken)"/>
    /// with <see cref="RunWorkflowRequest.Submit"/> set to <paramref name="submission"/>.
    /// </summary>
    /// <param name="submission">The submission, exactly as <see cref="SubmitAsync(SubmitWorkflowRequest, CancellationToken)"/> takes it (definition, input, idempotency key, labels).</param>
    /// <param name="cancellationToken">Stops the enumeration (not the execution).</param>
    /// <returns>The execution's events, each once and in sequence order, ending with <see cref="ExecutionEvent.Finished"/>.</returns>
    IAsyncEnumerable<ExecutionEvent> RunAsync(SubmitWorkflowRequest submission, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams an execution's events: the stored ones from <paramref name="fromSequence"/> on, then
    /// the live ones, until the execution's <see cref="ExecutionEvent.Finished"/> event.
    /// </summary>
    /// <remarks>
    /// A stream that breaks with <c>UNAVAILABLE</c>, <c>INTERNAL</c> or a transport error is reopened
    /// from the last sequence delivered plus one after a bounded backoff
    /// (<see cref="WorkflowClientOptions.WatchResume"/>); events are never repeated or skipped.
    /// Watching an execution that has already finished replays its log and ends.
    /// </remarks>
    /// <param name="executionId">The execution id.</param>
    /// <param name="fromSequence">The first sequence to deliver; 1 (or 0) replays the whole log.</param>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    /// <returns>The events, each once and in sequence order.</returns>
    IAsyncEnumerable<ExecutionEvent> WatchAsync(string executionId, long fromSequence = 1, CancellationToken cancellationToken = default);

    /// <summary>Returns the state of one execution: every step's state, attempts, timings, outputs and errors, and the execution's figures.</summary>
    /// <param name="executionId">The execution id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The execution (<see cref="ExecutionView.Full"/>).</returns>
    Task<Execution> GetAsync(string executionId, CancellationToken cancellationToken = default);

    /// <summary>Returns the state of one execution in the given view.</summary>
    /// <param name="executionId">The execution id.</param>
    /// <param name="view">
    /// <see cref="ExecutionView.Summary"/>: states, times, attempt counts, errors, labels and figures,
    /// without the definition, the workflow input, the result, the steps' outputs and attempt
    /// histories (cheap to poll). <see cref="ExecutionView.Full"/>: everything.
    /// </param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The execution.</returns>
    Task<Execution> GetAsync(string executionId, ExecutionView view, CancellationToken cancellationToken = default);

    /// <summary>Lists one page of executions, newest first.</summary>
    /// <remarks>
    /// Filters, all of which must match: <see cref="ListExecutionsRequest.States"/> (any of them),
    /// <see cref="ListExecutionsRequest.WorkflowId"/>, <see cref="ListExecutionsRequest.Labels"/> (every
    /// <c>key = value</c> pair), <see cref="ListExecutionsRequest.CreatedAfter"/> (inclusive) and
    /// <see cref="ListExecutionsRequest.CreatedBefore"/> (exclusive). A page token only works with the
    /// filters of the request that returned it (<c>INVALID_ARGUMENT</c> otherwise). For example, the
    /// executions labelled <c>team=data</c> of the last day:
    /// <code>
    /// var request = new ListExecutionsRequest { CreatedAfter = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(-1)) };
    /// request.Labels["team"] = "data";
    /// await foreach (var execution in client.ListAllAsync(request)) { ... }
    /// </code>
    /// </remarks>
    /// <param name="request">Filters (states, workflow id, labels, creation time), page size and page token.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The page and the token of the next one (empty on the last page).</returns>
    Task<ListExecutionsResponse> ListAsync(ListExecutionsRequest request, CancellationToken cancellationToken = default);

    /// <summary>Lists every execution matching <paramref name="request"/>, newest first, fetching pages as the enumeration advances.</summary>
    /// <param name="request">Filters and page size; its page token is the starting point.</param>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    /// <returns>The executions.</returns>
    IAsyncEnumerable<ExecutionSummary> ListAllAsync(ListExecutionsRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Cancels an execution: in-flight attempts are cancelled at their executors and every step that
    /// has not finished is marked cancelled.
    /// </summary>
    /// <param name="executionId">The execution id.</param>
    /// <param name="reason">Why, recorded in the event log; null for none.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see cref="ExecutionState.Cancelled"/>, or the terminal state the execution already had.</returns>
    Task<ExecutionState> CancelAsync(string executionId, string? reason = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs a failed or cancelled execution's failed, skipped and cancelled steps again, keeping the
    /// outputs of the steps that succeeded. The execution keeps its id; follow it with
    /// <see cref="WatchAsync"/> from its current last sequence plus one.
    /// </summary>
    /// <param name="executionId">The execution id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The ids of the steps that will run again.</returns>
    Task<IReadOnlyList<string>> RetryAsync(string executionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends a named signal to an execution: every step waiting for it (<c>wait_for_signal</c>)
    /// succeeds with <paramref name="payload"/> as its output. Signals are not kept: a step that
    /// starts waiting later does not see it (FAILED_PRECONDITION says so).
    /// </summary>
    /// <param name="executionId">The execution id.</param>
    /// <param name="name">The signal's name (<c>wait_for_signal.name</c>).</param>
    /// <param name="payload">The payload; it must satisfy the waiting steps' schemas.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The ids of the steps the signal completed.</returns>
    Task<IReadOnlyList<string>> SignalAsync(string executionId, string name, Struct? payload = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes exactly the checks a submission makes (executor registry included) without running
    /// anything: every problem with its field path, or the execution plan (levels, width, critical path).
    /// </summary>
    /// <param name="definition">The workflow to check.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The verdict: <see cref="ValidateWorkflowResponse.Valid"/>, the problems, or the plan.</returns>
    Task<ValidateWorkflowResponse> ValidateAsync(WorkflowDefinition definition, CancellationToken cancellationToken = default);

    /// <summary>Lists the executor endpoints the orchestrator knows, with their step types, health, in-flight calls and circuit state.</summary>
    /// <param name="stepType">Only executors serving this step type; null for all.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The executors.</returns>
    Task<IReadOnlyList<ExecutorInfo>> ListExecutorsAsync(string? stepType = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores <paramref name="definition"/> under its id as a new version (or gets the latest version
    /// back, with <see cref="RegisterWorkflowResponse.Existing"/> set, when it holds an equal definition).
    /// In <see cref="WorkflowClientOptions.Namespace"/> when <paramref name="workflowNamespace"/> is null.
    /// </summary>
    /// <exception cref="Grpc.Core.RpcException"><c>INVALID_ARGUMENT</c> with every problem of the definition.</exception>
    Task<RegisterWorkflowResponse> RegisterWorkflowAsync(WorkflowDefinition definition, string? workflowNamespace = null, CancellationToken cancellationToken = default);

    /// <summary>One version of a stored workflow (the latest when <paramref name="version"/> is 0), with its definition.</summary>
    /// <exception cref="Grpc.Core.RpcException"><c>NOT_FOUND</c> for an unknown or deleted workflow or version.</exception>
    Task<GetWorkflowResponse> GetWorkflowAsync(string workflowId, int version = 0, string? workflowNamespace = null, CancellationToken cancellationToken = default);

    /// <summary>Every stored workflow of a namespace (its latest version, without the definition), by id, reading every page.</summary>
    IAsyncEnumerable<StoredWorkflow> ListWorkflowsAsync(string? workflowNamespace = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a stored workflow (no new runs; its versions and executions stay); returns the number of versions it had.</summary>
    /// <exception cref="Grpc.Core.RpcException"><c>NOT_FOUND</c> for an unknown workflow.</exception>
    Task<int> DeleteWorkflowAsync(string workflowId, string? workflowNamespace = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates a schedule: the stored workflow <see cref="Schedule.WorkflowRef"/> started at the times of
    /// <see cref="Schedule.Cron"/>, each time exactly once. In <see cref="WorkflowClientOptions.Namespace"/>
    /// when <paramref name="scheduleNamespace"/> is null.
    /// </summary>
    /// <exception cref="Grpc.Core.RpcException"><c>INVALID_ARGUMENT</c> with every problem by field path; <c>ALREADY_EXISTS</c> for a taken id.</exception>
    Task<Schedule> CreateScheduleAsync(Schedule schedule, string? scheduleNamespace = null, CancellationToken cancellationToken = default);

    /// <summary>A schedule with its state (next and last times, running executions, counts).</summary>
    /// <exception cref="Grpc.Core.RpcException"><c>NOT_FOUND</c> for an unknown schedule.</exception>
    Task<Schedule> GetScheduleAsync(string scheduleId, string? scheduleNamespace = null, CancellationToken cancellationToken = default);

    /// <summary>Every schedule of a namespace, by id, reading every page.</summary>
    IAsyncEnumerable<Schedule> ListSchedulesAsync(string? scheduleNamespace = null, CancellationToken cancellationToken = default);

    /// <summary>Pauses a schedule (no time fires until it is resumed), with an optional note saying why.</summary>
    /// <exception cref="Grpc.Core.RpcException"><c>NOT_FOUND</c> for an unknown schedule.</exception>
    Task<Schedule> PauseScheduleAsync(string scheduleId, string? note = null, string? scheduleNamespace = null, CancellationToken cancellationToken = default);

    /// <summary>Resumes a paused schedule from the next time after now.</summary>
    /// <exception cref="Grpc.Core.RpcException"><c>NOT_FOUND</c> for an unknown schedule.</exception>
    Task<Schedule> ResumeScheduleAsync(string scheduleId, string? scheduleNamespace = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a schedule; the executions it started stay.</summary>
    /// <exception cref="Grpc.Core.RpcException"><c>NOT_FOUND</c> for an unknown schedule.</exception>
    Task DeleteScheduleAsync(string scheduleId, string? scheduleNamespace = null, CancellationToken cancellationToken = default);

    /// <summary>Starts one execution per scheduled time from <paramref name="from"/> to <paramref name="to"/> (inclusive), each time at most once.</summary>
    /// <exception cref="Grpc.Core.RpcException"><c>NOT_FOUND</c> for an unknown schedule; <c>INVALID_ARGUMENT</c> for a range of more than 1000 times.</exception>
    Task<IReadOnlyList<ScheduledRun>> BackfillScheduleAsync(string scheduleId, DateTimeOffset from, DateTimeOffset to, string? scheduleNamespace = null, CancellationToken cancellationToken = default);
}
