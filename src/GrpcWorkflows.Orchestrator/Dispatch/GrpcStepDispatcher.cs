using System.Diagnostics.Metrics;
using Grpc.Core;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Orchestrator.Dispatch.Internal;
using GrpcWorkflows.Orchestrator.Internal;
using GrpcWorkflows.Orchestrator.Registry;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace GrpcWorkflows.Orchestrator.Dispatch;

/// <summary>
/// Runs step attempts on registered executors over gRPC: picks the endpoint of the step type
/// with the fewest calls in flight, holds one slot of its in-flight budget for the call, and
/// runs the call through the endpoint's Polly pipeline (attempt timeout, circuit breaker). A call
/// that fails on the transport before reaching an executor fails over to another replica
/// without counting as an attempt.
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
    private TaskCompletionSource _slotFreed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _slotWaiters;
    private int _rotation;

    /// <summary>Creates the dispatcher; its metrics are recorded when <paramref name="meterFactory"/> is given.</summary>
    public GrpcStepDispatcher(ExecutorRegistry registry, ChannelPool channels, IOptions<DispatchOptions> options, TimeProvider timeProvider, ILogger<GrpcStepDispatcher> logger, IMeterFactory? meterFactory = null)
    {
        _registry = registry;
        _channels = channels;
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
        _metrics = new DispatchMetrics(meterFactory, registry);
        _pipelines = new EndpointPipelines(_options, timeProvider, logger, _metrics);
        _registry.Changed += (_, _) => OnSlotFreed();
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

        // No callable endpoint at all: let the attempt run and fail fast with UNAVAILABLE.
        return !anyCallable;
    }

    /// <summary>
    /// The free slots of <paramref name="stepType"/>'s callable endpoints; unbounded when it has no
    /// callable endpoint at all (the attempt then fails fast with <c>UNAVAILABLE</c>).
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
                anyCallable = true;
                free += Math.Max(0, endpoint.Capacity - endpoint.InFlight);
            }
        }

        return anyCallable ? free : int.MaxValue;
    }

    /// <inheritdoc />
    public async ValueTask<StepAttemptResult> DispatchAsync(StepAttemptRequest request, CancellationToken cancellationToken = default)
    {
        var stepType = request.Request.StepType;
        List<ExecutorEndpoint>? tried = null;
        StepAttemptResult? lastTransportFailure = null;
        while (true)
        {
            var (pick, endpoint) = TryPick(stepType, tried);
            if (pick == Pick.NoneCallable && tried is null && _registry.EndpointsFor(stepType).Length == 0 && _registry.WarmUpRemaining > TimeSpan.Zero)
            {
                // Just after a restart, executors are still re-registering: wait for one rather than fail.
                (pick, endpoint) = await WaitForRegistrationAsync(stepType, cancellationToken);
            }

            while (pick == Pick.Full)
            {
                (pick, endpoint) = await WaitForSlotAsync(stepType, tried, cancellationToken);
            }

            if (pick == Pick.NoneCallable)
            {
                return lastTransportFailure ?? AttemptOutcomes.NoEndpoint(stepType);
            }

            var (result, transportFailure) = await CallAsync(endpoint!, request, cancellationToken);
            if (!transportFailure)
            {
                return result;
            }

            lastTransportFailure = result;
            tried ??= [];
            tried.Add(endpoint!);
            if (tried.Count > _options.MaxFailovers)
            {
                return result;
            }

            _metrics.Failover(endpoint!.Address);
            Log.FailingOver(_logger, request.Request.ExecutionId, request.Request.StepId, endpoint!.Address, result.Error!.Message);
        }
    }

    private (Pick Pick, ExecutorEndpoint? Endpoint) TryPick(string stepType, List<ExecutorEndpoint>? tried)
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
                if (!endpoint.IsCallable(now) || (tried is not null && tried.Contains(endpoint)))
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

    private async ValueTask<(Pick Pick, ExecutorEndpoint? Endpoint)> WaitForSlotAsync(string stepType, List<ExecutorEndpoint>? tried, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _slotWaiters);
        try
        {
            var freed = Volatile.Read(ref _slotFreed).Task;
            var picked = TryPick(stepType, tried);
            if (picked.Pick != Pick.Full)
            {
                return picked;
            }

            await freed.WaitAsync(cancellationToken);
            return TryPick(stepType, tried);
        }
        finally
        {
            Interlocked.Decrement(ref _slotWaiters);
        }
    }

    private async ValueTask<(Pick Pick, ExecutorEndpoint? Endpoint)> WaitForRegistrationAsync(string stepType, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _slotWaiters);
        try
        {
            while (true)
            {
                var changed = Volatile.Read(ref _slotFreed).Task;
                var picked = TryPick(stepType, null);
                var remaining = _registry.WarmUpRemaining;
                if (picked.Pick != Pick.NoneCallable || remaining <= TimeSpan.Zero)
                {
                    return picked;
                }

                try
                {
                    await changed.WaitAsync(remaining, _timeProvider, cancellationToken);
                }
                catch (TimeoutException)
                {
                    // The warm-up is over: look once more, then give up.
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _slotWaiters);
        }
    }

    private void OnSlotFreed()
    {
        if (Volatile.Read(ref _slotWaiters) > 0)
        {
            Interlocked.Exchange(ref _slotFreed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        CapacityAvailable?.Invoke(this, EventArgs.Empty);
    }

    private async ValueTask<(StepAttemptResult Result, bool TransportFailure)> CallAsync(ExecutorEndpoint endpoint, StepAttemptRequest request, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            var pipeline = _pipelines.For(endpoint);
            var client = _channels.GetClient(endpoint);
            DateTime? deadline = request.Timeout > TimeSpan.Zero ? _timeProvider.GetUtcNow().UtcDateTime + request.Timeout : null;
            context.Properties.Set(EndpointPipelines.AttemptTimeoutKey, request.Timeout);
            var response = await pipeline.ExecuteAsync(
                static (ctx, state) => new ValueTask<ExecuteStepResponse>(
                    state.client.ExecuteStepAsync(state.message, deadline: state.deadline, cancellationToken: ctx.CancellationToken).ResponseAsync),
                context,
                (client, message: request.Request, deadline));
            return (AttemptOutcomes.FromResponse(response, endpoint), false);
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
            return AttemptOutcomes.FromRpcException(ex, endpoint);
        }
        catch (TimeoutRejectedException)
        {
            return (StepAttemptResult.Failure("DEADLINE_EXCEEDED", $"The attempt did not finish within {request.Timeout}.", retryable: true, endpoint: endpoint.Address), false);
        }
        catch (BrokenCircuitException)
        {
            return (StepAttemptResult.Failure("UNAVAILABLE", $"The circuit of executor {endpoint.Address} is open.", retryable: true, endpoint: endpoint.Address), true);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or ObjectDisposedException)
        {
            return (StepAttemptResult.Failure("UNAVAILABLE", $"Executor {endpoint.Address} is unreachable: {ex.Message}", retryable: true, endpoint: endpoint.Address), true);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
            endpoint.Release();
            OnSlotFreed();
        }
    }
}
