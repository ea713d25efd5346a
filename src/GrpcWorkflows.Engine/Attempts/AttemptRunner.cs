using System.Diagnostics;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Engine.Scheduling;
using GrpcWorkflows.Engine.Secrets;
using GrpcWorkflows.Engine.StateMachine;
using GrpcWorkflows.Engine.Tracing;
using Microsoft.Extensions.Logging;

namespace GrpcWorkflows.Engine.Attempts;

/// <summary>Receives the end of an attempt run by <see cref="AttemptRunner"/>.</summary>
internal delegate void AttemptCompletedHandler(ExecutionRuntime runtime, int step, int attempt, StepAttemptResult? result, AttemptOutcome outcome, TimeSpan elapsed);

/// <summary>
/// Runs one attempt through the <see cref="IStepDispatcher"/> and owns its timeout: the attempt's
/// token fires when <see cref="StepAttemptRequest.Timeout"/> elapses on the engine's clock, when
/// the execution is cancelled, or when the engine stops. The dispatcher derives the executor's
/// deadline from the same timeout and enforces none of its own.
/// </summary>
internal sealed class AttemptRunner
{
    private const int MaxInlineDepth = 4;

    [ThreadStatic]
    private static int t_depth;

    private readonly IStepDispatcher _dispatcher;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationToken _stopping;
    private readonly AttemptCompletedHandler _completed;

    public AttemptRunner(IStepDispatcher dispatcher, TimeProvider time, ILogger logger, AttemptCompletedHandler completed, CancellationToken stopping)
    {
        _dispatcher = dispatcher;
        _time = time;
        _logger = logger;
        _stopping = stopping;
        _completed = completed;
    }

    /// <summary>Starts the attempt: inline while the call stack is shallow, else on the thread pool. Outside the lock.</summary>
    public void Start(ExecutionRuntime runtime, int step, int attempt, StepAttemptRequest request)
    {
        if (t_depth >= MaxInlineDepth)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Runner.RunDetached(s.Runtime, s.Step, s.Attempt, s.Request), (Runner: this, Runtime: runtime, Step: step, Attempt: attempt, Request: request), preferLocal: true);
            return;
        }

        t_depth++;
        try
        {
            _ = RunAsync(runtime, step, attempt, request);
        }
        finally
        {
            t_depth--;
        }
    }

    private void RunDetached(ExecutionRuntime runtime, int step, int attempt, StepAttemptRequest request)
        => _ = RunAsync(runtime, step, attempt, request);

    private async Task RunAsync(ExecutionRuntime runtime, int step, int attempt, StepAttemptRequest request)
    {
        var started = _time.GetTimestamp();
        StepAttemptResult? result = null;
        var outcome = AttemptOutcome.Completed;
        using (var activity = ExecutionTracing.StartAttempt(runtime, step, request.Request))
        {
            if (activity is null)
            {
                // Not traced: drop the ambient activity this continuation inherited (the request that
                // submitted the execution), or every executor call starts gRPC and HTTP client
                // activities under it and sends its trace context.
                Activity.Current = null;
            }

            using var timeout = new CancellationTokenSource(request.Timeout, _time);
            CancellationTokenRegistration link = default;
            try
            {
                link = runtime.Dispatch.Token.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), timeout);
                result = await _dispatcher.DispatchAsync(request, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                outcome = OutcomeOfCancellation(runtime);
            }
            catch (ObjectDisposedException)
            {
                outcome = OutcomeOfCancellation(runtime);
            }
            catch (Exception e)
            {
                Log.DispatcherThrew(_logger, runtime.Id, request.Request.StepId, e);
                result = StepAttemptResult.Failure("INTERNAL", $"the dispatcher failed: {e.Message}", retryable: true);
            }
            finally
            {
                await link.DisposeAsync().ConfigureAwait(false);
            }

            if (result is not null && request.SecretValues.Count > 0)
            {
                // An executor that echoes a secret must not get it into the event log.
                result = SecretRedaction.Redact(result, request.SecretValues);
            }

            if (result is { Succeeded: false } && runtime.Cancellation.IsCancellationRequested)
            {
                outcome = AttemptOutcome.Cancelled;
            }

            activity?.SetStatus(result is { Succeeded: true } ? ActivityStatusCode.Ok : ActivityStatusCode.Error, result?.Error?.Code ?? outcome.ToString());
        }

        _completed(runtime, step, attempt, result, outcome, _time.GetElapsedTime(started));
    }

    private AttemptOutcome OutcomeOfCancellation(ExecutionRuntime runtime)
        => runtime.Cancellation.IsCancellationRequested ? AttemptOutcome.Cancelled
            : _stopping.IsCancellationRequested ? AttemptOutcome.Stopped
            : AttemptOutcome.TimedOut;
}
