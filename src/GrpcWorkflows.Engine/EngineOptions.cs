namespace GrpcWorkflows.Engine;

/// <summary>Settings of a <see cref="WorkflowEngine"/>.</summary>
public sealed class EngineOptions
{
    /// <summary>The default of <see cref="MaxParallelSteps"/>: 10, the seed's default.</summary>
    public const int DefaultMaxParallelSteps = 10;

    /// <summary>The default of <see cref="MaxActiveExecutions"/>: 10,000.</summary>
    public const int DefaultMaxActiveExecutions = 10_000;

    /// <summary>The default of <see cref="WatcherBufferSize"/>: 1,024 events.</summary>
    public const int DefaultWatcherBufferSize = 1024;

    /// <summary>The default of <see cref="DefaultStepTimeout"/>: 5 minutes.</summary>
    public static readonly TimeSpan DefaultStepTimeoutValue = TimeSpan.FromMinutes(5);

    /// <summary>The default of <see cref="MaxExecutorWait"/>: 5 minutes.</summary>
    public static readonly TimeSpan DefaultMaxExecutorWaitValue = TimeSpan.FromMinutes(5);

    /// <summary>The default of <see cref="StartRecordDelay"/>: 100 milliseconds.</summary>
    public static readonly TimeSpan DefaultStartRecordDelayValue = TimeSpan.FromMilliseconds(100);

    /// <summary>The default of <see cref="PriorityAgingInterval"/>: 10 seconds.</summary>
    public static readonly TimeSpan DefaultPriorityAgingIntervalValue = TimeSpan.FromSeconds(10);

    /// <summary>The largest number of step attempts in flight at once, over every execution. Default 10.</summary>
    public int MaxParallelSteps { get; set; } = DefaultMaxParallelSteps;

    /// <summary>
    /// The largest number of executions that are not finished. A submission past it is rejected
    /// with <see cref="AdmissionRejectedException"/>. Default 10,000.
    /// </summary>
    public int MaxActiveExecutions { get; set; } = DefaultMaxActiveExecutions;

    /// <summary>The retry policy of steps whose workflow and step set none.</summary>
    public RetryPolicyOptions DefaultRetryPolicy { get; set; } = new();

    /// <summary>The time limit of each attempt of a step whose workflow and step set none. Default 5 minutes.</summary>
    public TimeSpan DefaultStepTimeout { get; set; } = DefaultStepTimeoutValue;

    /// <summary>
    /// How long a step whose attempts never reach an executor (refused, reset before any response,
    /// circuit open, none registered) waits for a callable one before it fails with
    /// <c>UNAVAILABLE</c>. Such calls are not attempts. Default 5 minutes.
    /// </summary>
    public TimeSpan MaxExecutorWait { get; set; } = DefaultMaxExecutorWaitValue;

    /// <summary>
    /// How long the start of an attempt may wait to be stored when it is the only thing its execution
    /// decided (a READY step whose turn came when an executor slot freed up, a retry whose backoff
    /// ended): the attempt goes out at once, and its start is stored with the execution's next events
    /// (usually the attempt's result), or alone once this time has passed. Under a full executor this
    /// halves the writes per step; a watcher sees such a start at most this late. Zero stores every
    /// start before its attempt goes out. With replicas, only while this replica's last lease renewal
    /// is fresh (a replica paused past its leases stores first, and its epoch refuses it). Default 100 ms;
    /// stores whose writes complete at once (in memory) always store first.
    /// </summary>
    public TimeSpan StartRecordDelay { get; set; } = DefaultStartRecordDelayValue;

    /// <summary>
    /// The number of events buffered per watcher. A watcher that falls further behind is served
    /// from the store instead, so it never slows the engine. Default 1,024.
    /// </summary>
    public int WatcherBufferSize { get; set; } = DefaultWatcherBufferSize;

    /// <summary>The bounds every workflow definition must respect.</summary>
    public WorkflowLimits Limits { get; set; } = new();

    /// <summary>
    /// How long a step waits in a flow-control queue for its effective priority to rise by 1: a step
    /// of priority p that has waited w is served as if it had priority p + w / interval, so a step
    /// of lower priority is delayed, never starved. Default 10 seconds.
    /// </summary>
    public TimeSpan PriorityAgingInterval { get; set; } = DefaultPriorityAgingIntervalValue;

    /// <summary>
    /// Rate limits by step type (token buckets, per orchestrator): every attempt of a step of the type
    /// takes a token, and READY steps wait for one. Empty by default.
    /// </summary>
    public Dictionary<string, StepTypeRateLimit> StepTypeRateLimits { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>A step type's rate limit: <see cref="Limit"/> attempts every <see cref="Period"/>.</summary>
public sealed class StepTypeRateLimit
{
    /// <summary>Tokens per period, and the bucket's size.</summary>
    public int Limit { get; set; }

    /// <summary>The refill period.</summary>
    public TimeSpan Period { get; set; } = TimeSpan.FromSeconds(1);
}
