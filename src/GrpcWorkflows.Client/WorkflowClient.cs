using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using GrpcWorkflows.Client.Errors;
using GrpcWorkflows.Client.Internal;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrpcWorkflows.Client;

/// <summary>
/// The gRPC implementation of <see cref="IWorkflowClient"/>: wraps the generated
/// <see cref="WorkflowService.WorkflowServiceClient"/> and
/// <see cref="ExecutorRegistryService.ExecutorRegistryServiceClient"/> and adds resuming event
/// streams.
/// </summary>
/// <remarks>
/// Create one with <see cref="Create(Uri, WorkflowClientOptions?, ILoggerFactory?)"/> (it owns its
/// channel and disposes it), from an existing <see cref="CallInvoker"/>, or through dependency
/// injection with <c>services.AddGrpcWorkflowsClient(...)</c>. The instance is thread safe.
/// </remarks>
public sealed partial class WorkflowClient : IWorkflowClient, IDisposable
{
    private readonly WorkflowService.WorkflowServiceClient _workflows;
    private readonly ExecutorRegistryService.ExecutorRegistryServiceClient _registry;
    private readonly WorkflowClientOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly GrpcChannel? _ownedChannel;

    /// <summary>Creates a client over the two generated clients (the way dependency injection builds it).</summary>
    /// <param name="workflows">The <c>WorkflowService</c> client.</param>
    /// <param name="registry">The <c>ExecutorRegistryService</c> client.</param>
    /// <param name="options">Resume behaviour; null for the defaults.</param>
    /// <param name="timeProvider">The clock of the resume backoff; null for <see cref="TimeProvider.System"/>.</param>
    /// <param name="loggerFactory">Where resume attempts are logged; null for none.</param>
    public WorkflowClient(
        WorkflowService.WorkflowServiceClient workflows,
        ExecutorRegistryService.ExecutorRegistryServiceClient registry,
        WorkflowClientOptions? options = null,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(workflows);
        ArgumentNullException.ThrowIfNull(registry);
        _workflows = workflows;
        _registry = registry;
        _options = options ?? new WorkflowClientOptions();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<WorkflowClient>();
    }

    /// <summary>Creates a client over a call invoker, for example a <see cref="GrpcChannel"/>'s (the caller keeps owning the channel).</summary>
    /// <param name="callInvoker">The invoker every call goes through.</param>
    /// <param name="options">Resume behaviour; null for the defaults.</param>
    /// <param name="timeProvider">The clock of the resume backoff; null for <see cref="TimeProvider.System"/>.</param>
    /// <param name="loggerFactory">Where resume attempts are logged; null for none.</param>
    public WorkflowClient(CallInvoker callInvoker, WorkflowClientOptions? options = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
        : this(new WorkflowService.WorkflowServiceClient(callInvoker), new ExecutorRegistryService.ExecutorRegistryServiceClient(callInvoker), options, timeProvider, loggerFactory)
    {
    }

    private WorkflowClient(GrpcChannel channel, WorkflowClientOptions options, ILoggerFactory? loggerFactory)
        : this(channel.Intercept(new CredentialsInterceptor(options)), options, timeProvider: null, loggerFactory)
    {
        _ownedChannel = channel;
    }

    /// <summary>
    /// Creates a client with its own <see cref="GrpcChannel"/> to <paramref name="address"/>; dispose
    /// the client to close the channel.
    /// </summary>
    /// <param name="address">The orchestrator address, for example <c>http://127.0.0.1:5100</c>.</param>
    /// <param name="options">Credentials and resume behaviour; null for the defaults (its address is ignored).</param>
    /// <param name="loggerFactory">Where resume attempts are logged; null for none.</param>
    /// <returns>The client.</returns>
    public static WorkflowClient Create(Uri address, WorkflowClientOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { LoggerFactory = loggerFactory });
        return new WorkflowClient(channel, options ?? new WorkflowClientOptions { Address = address }, loggerFactory);
    }

    /// <inheritdoc />
    public Task<SubmitWorkflowResponse> SubmitAsync(WorkflowDefinition definition, Struct? input = null, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var request = new SubmitWorkflowRequest { Definition = definition, Input = input, IdempotencyKey = idempotencyKey ?? string.Empty };
        return SubmitAsync(request, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<SubmitWorkflowResponse> SubmitAsync(SubmitWorkflowRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return await _workflows.SubmitWorkflowAsync(InNamespace(request), cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ExecutionEvent> RunAsync(RunWorkflowRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!string.IsNullOrEmpty(_options.Namespace) && Submission(request).Namespace.Length == 0)
        {
            request = new RunWorkflowRequest { Submit = InNamespace(Submission(request)) };
        }

        var stream = new EventStream(1);
        using (var call = _workflows.RunWorkflow(request, cancellationToken: cancellationToken))
        {
            await foreach (var item in stream.ReadAsync(call.ResponseStream, r => r.Event, _options.WatchResume.MaxAttempts > 0, cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }

        if (stream.Finished)
        {
            yield break;
        }

        var executionId = stream.ExecutionId;
        var next = stream.Next;
        var broken = stream.Broken;
        if (executionId is null)
        {
            var submission = Submission(request);
            if (broken is null || submission.IdempotencyKey.Length == 0)
            {
                throw broken ?? new RpcException(new Status(StatusCode.Unavailable, "The run stream ended before the execution was submitted."));
            }

            executionId = await ResubmitAsync(submission, broken, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            Log.RunStreamBroken(_logger, executionId, next, broken?.Status.Detail ?? "the stream ended early");
        }

        await foreach (var item in WatchAsync(executionId, next, cancellationToken).ConfigureAwait(false))
        {
            yield return item;
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<ExecutionEvent> RunAsync(SubmitWorkflowRequest submission, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(submission);
        return RunAsync(new RunWorkflowRequest { Submit = submission }, cancellationToken);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ExecutionEvent> WatchAsync(string executionId, long fromSequence = 1, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(executionId);
        var stream = new EventStream(fromSequence);
        var failedAttempts = 0;
        while (true)
        {
            using (var call = _workflows.WatchExecution(new WatchExecutionRequest { ExecutionId = executionId, FromSequence = stream.Next }, cancellationToken: cancellationToken))
            {
                await foreach (var item in stream.ReadAsync(call.ResponseStream, r => r.Event, catchTransportFailure: true, cancellationToken).ConfigureAwait(false))
                {
                    failedAttempts = 0;
                    yield return item;
                }
            }

            if (stream.Finished)
            {
                yield break;
            }

            var broken = stream.Broken;
            if (broken is null)
            {
                // The server closed the stream cleanly without a terminal event: either the execution
                // finished before `next` (nothing left to replay) or the server is shutting down.
                if (await HasNothingAfterAsync(executionId, stream.Next, cancellationToken).ConfigureAwait(false))
                {
                    yield break;
                }

                broken = new RpcException(new Status(StatusCode.Unavailable, "The event stream ended before the execution finished."));
            }

            failedAttempts++;
            if (failedAttempts > _options.WatchResume.MaxAttempts)
            {
                ExceptionDispatchInfo.Throw(broken);
            }

            var delay = _options.WatchResume.DelayBefore(failedAttempts);
            Log.WatchResuming(_logger, executionId, stream.Next, failedAttempts, delay, broken.Status.Detail);
            await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public Task<Execution> GetAsync(string executionId, CancellationToken cancellationToken = default)
        => GetAsync(executionId, ExecutionView.Full, cancellationToken);

    /// <inheritdoc />
    public async Task<Execution> GetAsync(string executionId, ExecutionView view, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(executionId);
        var request = new GetExecutionRequest { ExecutionId = executionId, View = view };
        var response = await _workflows.GetExecutionAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.Execution;
    }

    /// <inheritdoc />
    public async Task<ListExecutionsResponse> ListAsync(ListExecutionsRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!string.IsNullOrEmpty(_options.Namespace) && request.Namespace.Length == 0)
        {
            request = request.Clone();
            request.Namespace = _options.Namespace;
        }

        return await _workflows.ListExecutionsAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ExecutionSummary> ListAllAsync(ListExecutionsRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var page = request.Clone();
        while (true)
        {
            var response = await ListAsync(page, cancellationToken).ConfigureAwait(false);
            foreach (var summary in response.Executions)
            {
                yield return summary;
            }

            if (response.NextPageToken.Length == 0)
            {
                yield break;
            }

            page.PageToken = response.NextPageToken;
        }
    }

    /// <inheritdoc />
    public async Task<ExecutionState> CancelAsync(string executionId, string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(executionId);
        var response = await _workflows.CancelExecutionAsync(new CancelExecutionRequest { ExecutionId = executionId, Reason = reason ?? string.Empty }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.State;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> RetryAsync(string executionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(executionId);
        var response = await _workflows.RetryExecutionAsync(new RetryExecutionRequest { ExecutionId = executionId }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return [.. response.StepIds];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> SignalAsync(string executionId, string name, Struct? payload = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(executionId);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var response = await _workflows.SignalExecutionAsync(new SignalExecutionRequest { ExecutionId = executionId, Name = name, Payload = payload ?? new Struct() }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return [.. response.StepIds];
    }

    /// <inheritdoc />
    public async Task<ValidateWorkflowResponse> ValidateAsync(WorkflowDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return await _workflows.ValidateWorkflowAsync(new ValidateWorkflowRequest { Definition = definition }, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ExecutorInfo>> ListExecutorsAsync(string? stepType = null, CancellationToken cancellationToken = default)
    {
        var response = await _registry.ListExecutorsAsync(new ListExecutorsRequest { StepType = stepType ?? string.Empty }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return [.. response.Executors];
    }

    /// <summary>Closes the channel when the client was created with <see cref="Create(Uri, WorkflowClientOptions?, ILoggerFactory?)"/>.</summary>
    public void Dispose() => _ownedChannel?.Dispose();

    private async Task<bool> HasNothingAfterAsync(string executionId, long next, CancellationToken cancellationToken)
    {
        try
        {
            var execution = await GetAsync(executionId, ExecutionView.Summary, cancellationToken).ConfigureAwait(false);
            return execution.State is ExecutionState.Succeeded or ExecutionState.Failed or ExecutionState.Cancelled
                && execution.LastSequence < next;
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested && e.IsTransportFailure())
        {
            return false;
        }
    }

    /// <summary><paramref name="request"/>, or a copy in <see cref="WorkflowClientOptions.Namespace"/> when it names no namespace and the options do.</summary>
    private SubmitWorkflowRequest InNamespace(SubmitWorkflowRequest request)
    {
        if (string.IsNullOrEmpty(_options.Namespace) || request.Namespace.Length > 0)
        {
            return request;
        }

        var copy = request.Clone();
        copy.Namespace = _options.Namespace;
        return copy;
    }

    /// <summary>The submission a run request carries: its <c>submit</c> field, or the deprecated fields 1 to 4.</summary>
    private static SubmitWorkflowRequest Submission(RunWorkflowRequest request)
    {
        if (request.Submit is not null)
        {
            return request.Submit;
        }

#pragma warning disable CS0612 // Requests built before `submit` existed still carry the deprecated fields.
        var submit = new SubmitWorkflowRequest { Definition = request.Definition, Input = request.Input, IdempotencyKey = request.IdempotencyKey };
        submit.Labels.Add(request.Labels);
#pragma warning restore CS0612
        return submit;
    }

    private async Task<string> ResubmitAsync(SubmitWorkflowRequest submit, RpcException broken, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var delay = _options.WatchResume.DelayBefore(attempt);
            Log.RunResubmitting(_logger, submit.IdempotencyKey, attempt, delay, broken.Status.Detail);
            await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
            try
            {
                var response = await SubmitAsync(submit, cancellationToken).ConfigureAwait(false);
                return response.ExecutionId;
            }
            catch (RpcException e) when (!cancellationToken.IsCancellationRequested && e.IsTransportFailure() && attempt < _options.WatchResume.MaxAttempts)
            {
                broken = e;
            }
        }
    }
}
