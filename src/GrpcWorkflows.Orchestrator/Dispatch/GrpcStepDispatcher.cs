using System.Diagnostics.Metrics;
using Grpc.Core;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Engine.Secrets;
using GrpcWorkflows.Orchestrator.Dispatch.Internal;
using GrpcWorkflows.Orchestrator.Internal;
using GrpcWorkflows.Orchestrator.Registry;
using GrpcWorkflows.Orchestrator.Security.Internal;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;

namespace GrpcWorkflows.Orchestrator.Dispatch;

/// <summary>
/// Runs step attempts on registered executors over gRPC: picks the endpoint of the step type
/// with the fewest calls in flight, holds one slot of its in-flight budget for the call, and
/// runs the call through the endpoint's Polly pipeline (circuit breaker). A call
/// that never reaches an executor (refused, reset before any response, circuit open) fails over
/// to another replica; when none is left it comes back as <see cref="StepAttemptResult.Undelivered"/>,
/// which is not an attempt. An endpoint that refused or reset a call is not called again until the
/// dispatcher has connected to it (with a short backoff, at once on a registration of its address).
/// The engine owns the attempt's timeout; the call carries it to the executor as its gRPC deadline.
/// Executors that connected out (<c>Connect</c>) are endpoints too, side by side with pushed ones:
/// an attempt goes on the session with one of its credits, is cancelled on the session, and an
/// attempt lost with its session is sent again (up to <see cref="DispatchOptions.MaxLostDeliveries"/>
/// times) without counting as a failed attempt.
/// </summary>
/// <remarks>
/// Thread-safe. No lock is held across an await; the in-flight budget is an interlocked counter
/// per endpoint. A dispatch that finds every endpoint of its type full waits for a slot to free.
/// </remarks>
internal sealed class GrpcStepDispatcher : IStepDispatcher
{
    private readonly ExecutorRegistry _registry;
    private readonly ChannelPool _channels;
    private readonly DispatchOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<GrpcStepDispatcher> _logger;
    private readonly EndpointPipelines _pipelines;
    private readonly DispatchMetrics _metrics;
    private readonly CallerTokenIssuer? _tokens;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ReconnectProbe> _probes = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _losses = new(StringComparer.Ordinal);
    private TaskCompletionSource _slotFreed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _slotWaiters;
    private int _rotation;

    /// <summary>
    /// Creates the dispatcher; its metrics are recorded when <paramref name="meterFactory"/> is given, and each call
    /// carries a caller token for its executor when <paramref name="tokens"/> is given.
    /// </summary>
    public GrpcStepDispatcher(ExecutorRegistry registry, ChannelPool channels, IOptions<DispatchOptions> options, TimeProvider timeProvider, ILogger<GrpcStepDispatcher> logger, IMeterFactory? meterFactory = null, CallerTokenIssuer? tokens = null)
    {
        _tokens = tokens;
        _registry = registry;
        _channels = channels;
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
        _metrics = new DispatchMetrics(meterFactory, registry);
        _pipelines = new EndpointPipelines(_options, timeProvider, logger, _metrics, OnSlotFreed);
        _registry.Changed += (_, _) => OnRegistryChanged();
        _registry.SessionCapacityChanged += (_, _) => OnSlotFreed();
    }

    /// <inheritdoc />
    public event EventHandler? CapacityAvailable;

    private enum Pick
    {
        Acquired,
        Full,
        NoneCallable,
    }

    /// <inheritdoc />
    public bool HasCapacity(string stepType)
    {
        var endpoints = _registry.EndpointsFor(stepType);
        var now = _timeProvider.GetTimestamp();
        var anyCallable = false;
        foreach (var endpoint in endpoints)
        {
            if (!endpoint.IsCallable(now))
            {
                continue;
            }

            if (endpoint.HasFreeSlot)
            {
                return true;
            }

            anyCallable = true;
        }

        // No callable endpoint at all: let the attempt come, to be answered at once as undelivered (with the reason).
        return !anyCallable;
    }

    /// <summary>
    /// The free slots of <paramref name="stepType"/>'s callable endpoints, whatever namespaces they serve; unbounded
    /// when it has no callable endpoint at all (the attempt then comes back at once, undelivered, with the reason),
    /// or when one serves only some namespaces (a namespace none of them serves must still get its attempt, to be
    /// answered undelivered and wait).
    /// </summary>
    public int AvailableCapacity(string stepType)
    {
        var endpoints = _registry.EndpointsFor(stepType);
        var now = _timeProvider.GetTimestamp();
        var anyCallable = false;
        var free = 0;
        foreach (var endpoint in endpoints)
        {
            if (endpoint.IsCallable(now))
            {
                if (endpoint.Namespaces is not null)
                {
                    return int.MaxValue;
                }

                anyCallable = true;
                free += endpoint.FreeSlots;
            }
        }

        return anyCallable ? free : int.MaxValue;
    }

    /// <summary>
    /// The free slots of <paramref name="stepType"/>'s callable endpoints that serve <paramref name="executionNamespace"/>;
    /// unbounded when none of them is callable (the attempt then comes back at once, undelivered, with the reason).
    /// </summary>
    public int AvailableCapacity(string stepType, string executionNamespace)
    {
        var endpoints = _registry.EndpointsFor(stepType);
        var now = _timeProvider.GetTimestamp();
        var anyCallable = false;
        var free = 0;
        foreach (var endpoint in endpoints)
        {
            if (endpoint.IsCallable(now) && endpoint.Serves(executionNamespace))
            {
                anyCallable = true;
                free += endpoint.FreeSlots;
            }
        }

        return anyCallable ? free : int.MaxValue;
    }

    /// <inheritdoc />
    public bool IsReachable(string stepType)
    {
        var now = _timeProvider.GetTimestamp();
        foreach (var endpoint in _registry.EndpointsFor(stepType))
        {
            if (endpoint.IsCallable(now))
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc />
    public bool IsReachable(string stepType, string executionNamespace)
    {
        var now = _timeProvider.GetTimestamp();
        foreach (var endpoint in _registry.EndpointsFor(stepType))
        {
            if (endpoint.IsCallable(now) && endpoint.Serves(executionNamespace))
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc />
    public async ValueTask<StepAttemptResult> DispatchAsync(StepAttemptRequest request, CancellationToken cancellationToken = default)
    {
        var stepType = request.Request.StepType;
        var executionNamespace = request.Namespace;
        List<ExecutorEndpoint>? tried = null;
        StepAttemptResult? lastUndelivered = null;
        while (true)
        {
            var (pick, endpoint) = TryPick(stepType, executionNamespace, tried);
            while (pick == Pick.Full)
            {
                (pick, endpoint) = await WaitForSlotAsync(stepType, executionNamespace, tried, cancellationToken);
            }

            if (pick == Pick.NoneCallable)
            {
                return lastUndelivered ?? AttemptOutcomes.NoCallableEndpoint(stepType, executionNamespace, _registry.EndpointsFor(stepType));
            }

            var token = _tokens?.Issue(endpoint!.ExecutorId, request.Request);
            StepAttemptResult result;
            bool lost;
            if (endpoint!.Session is { } session)
            {
                result = await CallSessionAsync(endpoint, session, request, token, cancellationToken);
                lost = !result.ReachedExecutor;
            }
            else
            {
                (result, lost) = await CallAsync(endpoint, request, token, cancellationToken);
            }

            if (result.ReachedExecutor)
            {
                if (!_losses.IsEmpty)
                {
                    _losses.TryRemove(LossKey(request.Request), out _);
                }

                return result;
            }

            if (lost && CountLoss(request.Request, endpoint, result) is { } failed)
            {
                return failed;
            }

            lastUndelivered = result;
            tried ??= [];
            tried.Add(endpoint!);
            if (tried.Count > _options.MaxFailovers)
            {
                return result;
            }

            _metrics.Failover(endpoint!.Address);
            Log.FailingOver(_logger, request.Request.ExecutionId, request.Request.StepId, endpoint!.Address, SecretRedaction.Redact(result.Error!.Message, request.SecretValues));
        }
    }

    /// <summary>
    /// Runs an attempt on an executor session: one credit was taken with the slot. Cancellation is sent
    /// on the session; a session that ends first answers undelivered (lost).
    /// </summary>
    private async ValueTask<StepAttemptResult> CallSessionAsync(ExecutorEndpoint endpoint, ExecutorSession session, StepAttemptRequest request, string? callerToken, CancellationToken cancellationToken)
    {
        try
        {
            return await session.RunAsync(request.Request, callerToken, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            endpoint.Release();

            // The credits that came with the result were not announced (the engine finds them when this attempt
            // ends); dispatches waiting in WaitForSlotAsync are told here.
            WakeSlotWaiters();
        }
    }

    /// <summary>
    /// An attempt was lost with its session or its connection. Returns null while it may be sent again (it is not an
    /// attempt), or the failed attempt once it was lost more than <see cref="DispatchOptions.MaxLostDeliveries"/> times.
    /// </summary>
    private StepAttemptResult? CountLoss(ExecuteStepRequest request, ExecutorEndpoint endpoint, StepAttemptResult lost)
    {
        if (_losses.Count >= MaxTrackedLosses)
        {
            // Attempts lost and never sent again (their execution ended meanwhile) are forgotten in bulk.
            _losses.Clear();
        }

        var key = LossKey(request);
        var losses = _losses.AddOrUpdate(key, 1, static (_, n) => n + 1);
        var reason = lost.Error!.Message;
        if (losses <= _options.MaxLostDeliveries)
        {
            Log.AttemptLost(_logger, request.ExecutionId, request.StepId, endpoint.Address, reason, losses);
            return null;
        }

        _losses.TryRemove(key, out _);
        return StepAttemptResult.Failure(
            "UNAVAILABLE",
            $"attempt {request.Attempt} was sent {losses} times and every time the executor's session or connection ended before it answered "
                + $"(Dispatch:MaxLostDeliveries is {_options.MaxLostDeliveries}): the step may be crashing its executors; last: {reason}",
            retryable: true,
            endpoint: endpoint.Address);
    }

    private const int MaxTrackedLosses = 10_000;

    private static string LossKey(ExecuteStepRequest request) => string.Concat(request.IdempotencyKey, "#", request.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private (Pick Pick, ExecutorEndpoint? Endpoint) TryPick(string stepType, string executionNamespace, List<ExecutorEndpoint>? tried)
    {
        while (true)
        {
            var endpoints = _registry.EndpointsFor(stepType);
            var now = _timeProvider.GetTimestamp();
            ExecutorEndpoint? best = null;
            var anyCallable = false;
            var count = endpoints.Length;
            var start = count > 1 ? (int)((uint)Interlocked.Increment(ref _rotation) % (uint)count) : 0;
            for (var i = 0; i < count; i++)
            {
                var endpoint = endpoints[(start + i) % count];
                if (!endpoint.IsCallable(now) || !endpoint.Serves(executionNamespace) || (tried is not null && tried.Contains(endpoint)))
                {
                    continue;
                }

                anyCallable = true;
                if (endpoint.HasFreeSlot && (best is null || endpoint.InFlight < best.InFlight))
                {
                    best = endpoint;
                }
            }

            if (best is null)
            {
                return (anyCallable ? Pick.Full : Pick.NoneCallable, null);
            }

            if (best.TryAcquire())
            {
                return (Pick.Acquired, best);
            }

            // Another dispatch took the last slot between the look and the take: look again.
        }
    }

    private async ValueTask<(Pick Pick, ExecutorEndpoint? Endpoint)> WaitForSlotAsync(string stepType, string executionNamespace, List<ExecutorEndpoint>? tried, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _slotWaiters);
        try
        {
            var freed = Volatile.Read(ref _slotFreed).Task;
            var picked = TryPick(stepType, executionNamespace, tried);
            if (picked.Pick != Pick.Full)
            {
                return picked;
            }

            await freed.WaitAsync(cancellationToken);
            return TryPick(stepType, executionNamespace, tried);
        }
        finally
        {
            Interlocked.Decrement(ref _slotWaiters);
        }
    }

    private void OnRegistryChanged()
    {
        // A registration of an unreachable address (an executor restarted): try to connect at once.
        foreach (var probe in _probes.Values)
        {
            probe.Nudge();
        }

        OnSlotFreed();
    }

    /// <summary>
    /// A call never reached <paramref name="endpoint"/>: no call goes to it until a connection to it
    /// succeeds. Tries with a doubling delay (on the <see cref="TimeProvider"/>) from
    /// <see cref="DispatchOptions.ReconnectBackoff"/> to <see cref="DispatchOptions.MaxReconnectBackoff"/>,
    /// at once when the registry changes; each try makes the channel connect now instead of waiting
    /// out its own backoff. Once connected, the circuit is closed and waiting steps are sent.
    /// </summary>
    private void OnUnreachable(ExecutorEndpoint endpoint, string reason)
    {
        if (!endpoint.MarkUnreachable(reason))
        {
            return;
        }

        Log.ExecutorUnreachable(_logger, endpoint.Address, reason);
        var probe = new ReconnectProbe();
        _probes[endpoint.Address] = probe;
        _ = ReconnectAsync(endpoint, probe);
    }

    private async Task ReconnectAsync(ExecutorEndpoint endpoint, ReconnectProbe probe)
    {
        var delay = _options.ReconnectBackoff;
        try
        {
            while (true)
            {
                await probe.WaitAsync(delay, _timeProvider).ConfigureAwait(false);
                using var tryOnce = new CancellationTokenSource(_options.ConnectTimeout, _timeProvider);
                try
                {
                    await _channels.ConnectAsync(endpoint, tryOnce.Token).ConfigureAwait(false);
                    break;
                }
                catch (OperationCanceledException)
                {
                    // Still down: try again after the next delay.
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxReconnectBackoff.Ticks));
            }
        }
        catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException)
        {
            // The channel was closed (idle, evicted, shutting down): the next call opens a new one.
        }

        _probes.TryRemove(new KeyValuePair<string, ReconnectProbe>(endpoint.Address, probe));
        endpoint.MarkReachable();
        if (endpoint.CircuitState != V1.CircuitState.Closed)
        {
            await endpoint.CircuitControl.CloseAsync().ConfigureAwait(false);
        }

        Log.ExecutorReachable(_logger, endpoint.Address);
        OnSlotFreed();
    }

    private void OnSlotFreed()
    {
        WakeSlotWaiters();
        CapacityAvailable?.Invoke(this, EventArgs.Empty);
    }

    private void WakeSlotWaiters()
    {
        if (Volatile.Read(ref _slotWaiters) > 0)
        {
            Interlocked.Exchange(ref _slotFreed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    /// <summary>
    /// How much later than the attempt's timeout the call's gRPC deadline is. The engine owns the
    /// timeout and cancels the call when it elapses (the executor sees the cancellation); the
    /// deadline only tells the executor when its time is up and ends a call nobody cancelled.
    /// </summary>
    private static readonly TimeSpan DeadlineGrace = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Calls <c>ExecuteStep</c> on a pushed endpoint. <c>Lost</c>: the call did not come back and may have reached
    /// the executor (the connection broke after it was made, as when the executor dies mid-call); such losses
    /// are bounded by <see cref="DispatchOptions.MaxLostDeliveries"/> as a session's are. A refused connection or
    /// an open circuit is undelivered but not lost: the call went nowhere.
    /// </summary>
    private async ValueTask<(StepAttemptResult Result, bool Lost)> CallAsync(ExecutorEndpoint endpoint, StepAttemptRequest request, string? callerToken, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        StepAttemptResult? result = null;
        var lost = false;
        try
        {
            var pipeline = _pipelines.For(endpoint);
            var client = _channels.GetClient(endpoint);
            DateTime? deadline = request.Timeout > TimeSpan.Zero ? _timeProvider.GetUtcNow().UtcDateTime + request.Timeout + DeadlineGrace : null;
            var headers = callerToken is null ? null : new Metadata { { "authorization", "Bearer " + callerToken } };
            var response = await pipeline.ExecuteAsync(
                static (ctx, state) => new ValueTask<ExecuteStepResponse>(
                    state.client.ExecuteStepAsync(state.message, state.headers, deadline: state.deadline, cancellationToken: ctx.CancellationToken).ResponseAsync),
                context,
                (client, message: request.Request, headers, deadline));
            result = AttemptOutcomes.FromResponse(response, endpoint);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (RpcException ex) when (cancellationToken.IsCancellationRequested && ex.StatusCode == StatusCode.Cancelled)
        {
            throw new OperationCanceledException("The attempt was cancelled.", ex, cancellationToken);
        }
        catch (RpcException ex)
        {
            result = AttemptOutcomes.FromRpcException(ex, endpoint);
            lost = !result.ReachedExecutor && !NeverConnected(ex.Status.DebugException);
        }
        catch (OperationCanceledException)
        {
            // The call's gRPC deadline (the engine's attempt timeout, carried to the executor); not the caller.
            result = StepAttemptResult.Failure("DEADLINE_EXCEEDED", $"The attempt did not finish within {request.Timeout}.", retryable: true, endpoint: endpoint.Address);
        }
        catch (BrokenCircuitException)
        {
            // The circuit stops traffic to the endpoint; it never fails a step by itself.
            result = StepAttemptResult.Undelivered($"The circuit of executor {endpoint.Address} is open.", endpoint.Address);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or ObjectDisposedException)
        {
            result = StepAttemptResult.Undelivered($"Executor {endpoint.Address} is unreachable: {ex.Message}", endpoint.Address);
            lost = ex is not ObjectDisposedException && !NeverConnected(ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
            endpoint.Release();
            if (result is { ReachedExecutor: false } && endpoint.CircuitState != V1.CircuitState.Open)
            {
                // Before the slot is announced: whoever looks then must see the endpoint as unreachable.
                OnUnreachable(endpoint, result.Error!.Message);
            }

            OnSlotFreed();
        }

        return (result, lost);
    }

    /// <summary>Whether <paramref name="exception"/> (or an inner one) says the connection was never made: the call reached nobody.</summary>
    private static bool NeverConnected(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError }
                || e is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused or System.Net.Sockets.SocketError.HostNotFound or System.Net.Sockets.SocketError.HostUnreachable or System.Net.Sockets.SocketError.NetworkUnreachable })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The delay of one reconnect try, cut short by a registry change.</summary>
    private sealed class ReconnectProbe
    {
        private TaskCompletionSource _nudged = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Nudge() => _nudged.TrySetResult();

        public async Task WaitAsync(TimeSpan delay, TimeProvider timeProvider)
        {
            var nudged = Volatile.Read(ref _nudged).Task;
            try
            {
                await nudged.WaitAsync(delay, timeProvider).ConfigureAwait(false);
                Interlocked.Exchange(ref _nudged, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            }
            catch (TimeoutException)
            {
                // The delay passed.
            }
        }
    }
}
