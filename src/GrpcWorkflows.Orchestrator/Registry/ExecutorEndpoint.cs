using GrpcWorkflows.V1;
using Polly;

namespace GrpcWorkflows.Orchestrator.Registry;

/// <summary>
/// One executor address as the dispatcher sees it: its in-flight budget, the calls in flight,
/// and its circuit breaker's state. One instance per address for the life of the process, so
/// that the in-flight count survives a re-registration. An executor session (<c>Connect</c>) is
/// an endpoint too, for its life only: its budget is the credits its executor granted, and it is
/// callable while the session is open.
/// </summary>
/// <remarks>Thread-safe: counters are updated with interlocked operations, never under a lock.</remarks>
internal sealed class ExecutorEndpoint
{
    private int _capacity;
    private int _inFlight;
    private int _circuitState = (int)CircuitState.Closed;
    private long _circuitOpenUntil;
    private int _unreachable;
    private string? _unreachableReason;
    private string? _executorId;
    private IReadOnlySet<string>? _namespaces;

    internal ExecutorEndpoint(string address, int capacity)
    {
        Address = address;
        _capacity = capacity;
        Uri = new Uri(address);
    }

    internal ExecutorEndpoint(ExecutorSession session)
        : this(session.Address, session.MaxCredits)
    {
        Session = session;
        ExecutorId = session.ExecutorId;
    }

    /// <summary>The id of the registration calls to this endpoint go to: the audience of their caller tokens.</summary>
    internal string? ExecutorId
    {
        get => Volatile.Read(ref _executorId);
        set => Volatile.Write(ref _executorId, value);
    }

    /// <summary>
    /// The namespaces whose steps may go to this endpoint: those its registering credential covers; null (the
    /// default, static executors, credentials with <c>*</c>, no authentication) for every namespace.
    /// </summary>
    internal IReadOnlySet<string>? Namespaces
    {
        get => Volatile.Read(ref _namespaces);
        set => Volatile.Write(ref _namespaces, value);
    }

    /// <summary>Whether steps of executions of <paramref name="executionNamespace"/> may go to this endpoint.</summary>
    internal bool Serves(string executionNamespace) => Namespaces is not { } namespaces || namespaces.Contains(executionNamespace);

    /// <summary>The executor session behind this endpoint, for a connected executor; null for an address called with <c>ExecuteStep</c>.</summary>
    internal ExecutorSession? Session { get; }

    /// <summary>How many more attempts could start now: the session's credits, else the free part of the in-flight budget.</summary>
    internal int FreeSlots => Session is { } session ? session.Credits : Math.Max(0, Capacity - InFlight);

    /// <summary>The normalized address (<c>scheme://host:port</c>).</summary>
    public string Address { get; }

    /// <summary>The address as a <see cref="System.Uri"/>.</summary>
    public Uri Uri { get; }

    /// <summary>The largest number of calls in flight the endpoint accepts.</summary>
    public int Capacity => Volatile.Read(ref _capacity);

    /// <summary>The calls in flight now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The circuit breaker's state, as last reported by the dispatcher's pipeline.</summary>
    public CircuitState CircuitState => (CircuitState)Volatile.Read(ref _circuitState);

    /// <summary>The dispatcher's resilience pipeline for this endpoint, created on first use.</summary>
    internal ResiliencePipeline<ExecuteStepResponse>? Pipeline { get; set; }

    /// <summary>Whether the endpoint has a free slot now.</summary>
    internal bool HasFreeSlot => Session is { } session ? session.Credits > 0 : Volatile.Read(ref _inFlight) < Volatile.Read(ref _capacity);

    /// <summary>Takes a slot of the in-flight budget (for a session: one of its credits) if one is free.</summary>
    internal bool TryAcquire()
    {
        if (Session is { } session)
        {
            if (!session.TryTakeCredit())
            {
                return false;
            }

            Interlocked.Increment(ref _inFlight);
            return true;
        }

        while (true)
        {
            var current = Volatile.Read(ref _inFlight);
            if (current >= Volatile.Read(ref _capacity))
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _inFlight, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>Gives a slot back.</summary>
    internal void Release() => Interlocked.Decrement(ref _inFlight);

    /// <summary>Changes the in-flight budget (on re-registration).</summary>
    internal void SetCapacity(int capacity) => Volatile.Write(ref _capacity, capacity);

    /// <summary>Why the last call never reached the executor, while it is unreachable; null otherwise.</summary>
    public string? UnreachableReason => Volatile.Read(ref _unreachable) == 1 ? Volatile.Read(ref _unreachableReason) : null;

    /// <summary>The timer that reports the end of an open circuit's break.</summary>
    internal ITimer? BreakTimer { get; set; }

    /// <summary>The manual control of the endpoint's circuit breaker (closed again when the executor is back).</summary>
    internal Polly.CircuitBreaker.CircuitBreakerManualControl CircuitControl { get; } = new();

    /// <summary>
    /// Whether a call may be sent: the executor is not known to be unreachable, and the circuit is not
    /// open or its break has elapsed (a trial call).
    /// </summary>
    internal bool IsCallable(long nowTimestamp)
        => Volatile.Read(ref _unreachable) == 0
            && (Session is null || Session.IsOpen)
            && (Volatile.Read(ref _circuitState) != (int)CircuitState.Open || nowTimestamp >= Volatile.Read(ref _circuitOpenUntil));

    /// <summary>Records that a call never reached the executor; returns true for the first such call since it was last reachable.</summary>
    internal bool MarkUnreachable(string reason)
    {
        Volatile.Write(ref _unreachableReason, reason);
        return Interlocked.Exchange(ref _unreachable, 1) == 0;
    }

    /// <summary>Records that the executor can be connected to again.</summary>
    internal void MarkReachable() => Volatile.Write(ref _unreachable, 0);

    /// <summary>Records that the circuit opened until <paramref name="untilTimestamp"/> (a <see cref="TimeProvider"/> timestamp).</summary>
    internal void MarkCircuitOpen(long untilTimestamp)
    {
        Volatile.Write(ref _circuitOpenUntil, untilTimestamp);
        Volatile.Write(ref _circuitState, (int)CircuitState.Open);
    }

    /// <summary>Records a circuit state other than open.</summary>
    internal void MarkCircuit(CircuitState state) => Volatile.Write(ref _circuitState, (int)state);
}
