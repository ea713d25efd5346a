using Grpc.Core;
using GrpcWorkflows.Orchestrator.Internal;
using GrpcWorkflows.Orchestrator.Registry;
using GrpcWorkflows.V1;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace GrpcWorkflows.Orchestrator.Dispatch.Internal;

/// <summary>
/// Builds one Polly pipeline per endpoint: a circuit breaker (mirrored onto the
/// <see cref="ExecutorEndpoint"/> for listings and endpoint choice) around the attempt timeout.
/// </summary>
/// <remarks>
/// Typed by the call's response: a non-generic pipeline run with a typed callback wraps every
/// strategy in bridge components, two more async state machines per call.
/// </remarks>
/// <param name="options">The dispatch options (circuit settings).</param>
/// <param name="timeProvider">The clock of the circuit breaker and of its break timer.</param>
/// <param name="logger">Where circuit changes are logged.</param>
/// <param name="metrics">Where circuit openings are counted.</param>
/// <param name="breakEnded">Called when an open circuit's break has elapsed or the circuit closed: the endpoint may be tried again.</param>
internal sealed class EndpointPipelines(DispatchOptions options, TimeProvider timeProvider, ILogger logger, DispatchMetrics metrics, Action breakEnded)
{
    /// <summary>The context property that carries an attempt's timeout to the timeout strategy.</summary>
    public static readonly ResiliencePropertyKey<TimeSpan> AttemptTimeoutKey = new("grpcworkflows.attempt-timeout");

    private readonly Lock _gate = new();

    /// <summary>Returns the endpoint's pipeline, building it on first use.</summary>
    public ResiliencePipeline<ExecuteStepResponse> For(ExecutorEndpoint endpoint)
    {
        return endpoint.Pipeline ?? Create(endpoint);
    }

    private ResiliencePipeline<ExecuteStepResponse> Create(ExecutorEndpoint endpoint)
    {
        lock (_gate)
        {
            if (endpoint.Pipeline is { } existing)
            {
                return existing;
            }

            var pipeline = new ResiliencePipelineBuilder<ExecuteStepResponse> { TimeProvider = timeProvider }
                .AddCircuitBreaker(new CircuitBreakerStrategyOptions<ExecuteStepResponse>
                {
                    Name = "executor-circuit",
                    FailureRatio = options.CircuitFailureRatio,
                    MinimumThroughput = options.CircuitMinimumThroughput,
                    SamplingDuration = options.CircuitSamplingDuration,
                    BreakDuration = options.CircuitBreakDuration,
                    ManualControl = endpoint.CircuitControl,
                    ShouldHandle = static args => new ValueTask<bool>(IsEndpointFailure(args.Outcome.Exception)),
                    OnOpened = args =>
                    {
                        // Isolated by hand: open until closed by hand (when the executor is reached again).
                        endpoint.MarkCircuitOpen(args.IsManual ? long.MaxValue : timeProvider.GetTimestamp() + (long)(args.BreakDuration.TotalSeconds * timeProvider.TimestampFrequency));

                        // The circuit stops traffic; it never fails steps. Steps parked meanwhile are sent again when the break ends.
                        endpoint.BreakTimer?.Dispose();
                        endpoint.BreakTimer = args.IsManual ? null : timeProvider.CreateTimer(static state => ((Action)state!)(), breakEnded, args.BreakDuration, Timeout.InfiniteTimeSpan);
                        metrics.CircuitOpened(endpoint.Address);
                        Log.CircuitOpened(logger, endpoint.Address, args.BreakDuration);
                        return default;
                    },
                    OnHalfOpened = _ =>
                    {
                        endpoint.MarkCircuit(V1.CircuitState.HalfOpen);
                        return default;
                    },
                    OnClosed = _ =>
                    {
                        endpoint.MarkCircuit(V1.CircuitState.Closed);
                        Log.CircuitClosed(logger, endpoint.Address);
                        breakEnded();
                        return default;
                    },
                })
                .AddTimeout(new TimeoutStrategyOptions
                {
                    Name = "attempt-timeout",
                    TimeoutGenerator = static args => new ValueTask<TimeSpan>(args.Context.Properties.GetValue(AttemptTimeoutKey, Timeout.InfiniteTimeSpan)),
                })
                .Build();
            endpoint.Pipeline = pipeline;
            return pipeline;
        }
    }

    /// <summary>
    /// What counts against an endpoint's circuit: failures of the connection itself (refused, reset,
    /// broken mid-call). A status the executor chose to return, or a step that ran past its timeout,
    /// says nothing about the endpoint's health and never opens the circuit.
    /// </summary>
    private static bool IsEndpointFailure(Exception? exception) => exception switch
    {
        null => false,
        RpcException rpc => rpc.Status.DebugException is not null && rpc.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown,
        HttpRequestException or IOException => true,
        _ => false,
    };
}
