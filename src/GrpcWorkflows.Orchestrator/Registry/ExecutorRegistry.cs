using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Namespaces;
using GrpcWorkflows.Engine;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Engine.Validation;
using GrpcWorkflows.Orchestrator.Internal;
using GrpcWorkflows.Orchestrator.Registry.Internal;
using GrpcWorkflows.Orchestrator.Security;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Orchestrator.Registry;

/// <summary>
/// The executors the orchestrator knows: static ones from configuration, registered ones
/// with leases, and connected ones (executor sessions) for as long as their session lasts. Answers "which endpoints serve step type X" without a lock, from a snapshot that
/// is rebuilt on every change (registration, deregistration, lease expiry).
/// </summary>
/// <remarks>Thread-safe. Writers serialize on one lock; readers never take it.</remarks>
internal sealed class ExecutorRegistry : IStepTypeCatalog
{
    /// <summary>The owner of the executors listed in configuration: no credential acts on them but an <c>admin</c>.</summary>
    public const string StaticOwner = "(configuration)";

    private static readonly ExecutorEndpoint[] NoEndpoints = [];

    private readonly ExecutorRegistryOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ExecutorRegistry> _logger;
    private readonly ExecutorEndpointPolicy _endpointPolicy;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ExecutorEntry> _entriesById = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ExecutorEndpoint> _endpointsByAddress = new(StringComparer.Ordinal);
    private readonly long _startTimestamp;
    private volatile Dictionary<string, ExecutorEndpoint[]> _byStepType = new(StringComparer.Ordinal);
    private ReplicaShare _share = ReplicaShare.Whole;

    /// <summary>Creates the registry and loads the static executors of <paramref name="options"/>.</summary>
    /// <param name="options">The registry's settings and limits.</param>
    /// <param name="timeProvider">The clock of leases and sessions.</param>
    /// <param name="logger">Where registrations are logged.</param>
    /// <param name="endpointPolicy">Which addresses may be registered; by default the policy of <paramref name="options"/> alone.</param>
    public ExecutorRegistry(IOptions<ExecutorRegistryOptions> options, TimeProvider timeProvider, ILogger<ExecutorRegistry> logger, ExecutorEndpointPolicy? endpointPolicy = null)
    {
        _options = options.Value;
        _endpointPolicy = endpointPolicy ?? new ExecutorEndpointPolicy(options, () => []);
        _timeProvider = timeProvider;
        _logger = logger;
        _startTimestamp = timeProvider.GetTimestamp();
        lock (_gate)
        {
            var index = 0;
            foreach (var entry in _options.Static)
            {
                if (!ExecutorAddress.TryNormalize(entry.Endpoint, out var address))
                {
                    continue; // The options validator reports it at start.
                }

                var capacity = entry.MaxConcurrency > 0 ? entry.MaxConcurrency : _options.DefaultMaxConcurrency;
                var id = $"static-{index++}";
                var added = new ExecutorEntry(
                    id, EndpointFor(address, capacity), [.. entry.StepTypes.Where(t => !string.IsNullOrWhiteSpace(t)).Distinct(StringComparer.Ordinal)],
                    capacity, entry.Name ?? address, "", new Dictionary<string, string>(), ExecutorSource.Static, _timeProvider.GetUtcNow(), StaticOwner)
                {
                    LeaseExpires = DateTimeOffset.MaxValue,
                };
                added.Endpoint.ExecutorId = id;
                _entriesById[id] = added;
            }

            RebuildSnapshot();
        }
    }

    /// <summary>Raised (on any thread) after the set of endpoints changed.</summary>
    public event EventHandler? Changed;

    /// <summary>Raised (on any thread) when an executor session granted credits or began draining.</summary>
    public event EventHandler? SessionCapacityChanged;

    /// <summary>The lease duration granted to registered executors.</summary>
    public TimeSpan LeaseDuration => _options.LeaseDuration;

    /// <summary>The heartbeat interval asked of registered executors.</summary>
    public TimeSpan HeartbeatInterval => _options.HeartbeatInterval;

    /// <summary>
    /// How much longer executors that were registered before an orchestrator restart may still be
    /// re-registering: one lease from the registry's start (each live executor heartbeats within its
    /// lease, gets NOT_FOUND and registers again). Zero once that time has passed.
    /// </summary>
    public TimeSpan WarmUpRemaining
    {
        get
        {
            var remaining = _options.LeaseDuration - _timeProvider.GetElapsedTime(_startTimestamp);
            return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
        }
    }

    /// <summary>The endpoints that serve <paramref name="stepType"/> now (a snapshot; never null, empty when none).</summary>
    public ExecutorEndpoint[] EndpointsFor(string stepType)
        => _byStepType.TryGetValue(stepType, out var endpoints) ? endpoints : NoEndpoints;

    /// <inheritdoc />
    public bool IsServed(string stepType) => _byStepType.ContainsKey(stepType);

    /// <inheritdoc />
    /// <remarks>
    /// A step type some executor serves in every namespace is one entry; one served only by executors whose
    /// credentials cover some namespaces is an entry per namespace (<see cref="ServedStepTypes.InNamespace"/>), so
    /// that another replica hands this one only the executions it can run.
    /// </remarks>
    public IReadOnlyCollection<string> ServedTypes
    {
        get
        {
            var served = new List<string>();
            foreach (var (stepType, endpoints) in _byStepType)
            {
                if (endpoints.Any(e => e.Namespaces is null))
                {
                    served.Add(stepType);
                    continue;
                }

                served.AddRange(endpoints.SelectMany(e => e.Namespaces!).Distinct(StringComparer.Ordinal).Select(ns => ServedStepTypes.InNamespace(ns, stepType)));
            }

            return served;
        }
    }

    /// <summary>
    /// The one entry point of every registration, <c>RegisterExecutor</c> and <c>Connect</c> alike: checks
    /// the request against the limits (<see cref="ExecutorRegistryOptions"/>) and, for an address, against
    /// the <see cref="ExecutorEndpointPolicy"/>; then registers the executor. With an address it grants a
    /// lease, and a registration of an address already registered replaces the earlier one (whose id
    /// stops working; the response names the ids replaced). With a <paramref name="sessionFactory"/> (no address)
    /// the executor is known for as long as the session is open.
    /// </summary>
    /// <param name="request">What the executor registers; <c>endpoint</c> is ignored with a session.</param>
    /// <param name="caller">Who registers: its step types must cover the request's, and it owns the registration (heartbeats and deregistration by other credentials are refused); <see cref="CallerPrincipal.Unrestricted"/> when authentication is off.</param>
    /// <param name="sessionFactory">For a connected executor: makes its session from the executor id and the capacity granted.</param>
    /// <param name="cancellationToken">Cancels the address checks (name resolution).</param>
    /// <returns>The registration's outcome, and the session made for a connected executor.</returns>
    /// <exception cref="RegistrationRejectedException">The request breaks a rule; every problem is listed.</exception>
    /// <exception cref="ExecutorRegistrationDeniedException">The credential is not scoped to a requested step type, or another credential registered the endpoint.</exception>
    /// <exception cref="RegistryFullException">There are <see cref="ExecutorRegistryOptions.MaxRegistrations"/> registrations, or the credential holds <see cref="ExecutorRegistryOptions.MaxRegistrationsPerCredential"/>, and this address has none.</exception>
    public async ValueTask<(RegisterExecutorResponse Response, ExecutorSession? Session)> RegisterAsync(
        RegisterExecutorRequest request, CallerPrincipal caller, Func<string, int, ExecutorSession>? sessionFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(caller);
        var problems = new List<ValidationProblem>();
        string? address = null;
        if (sessionFactory is null)
        {
            if (await _endpointPolicy.CheckAsync(request.Endpoint, cancellationToken).ConfigureAwait(false) is { } endpointProblem)
            {
                problems.Add(new ValidationProblem { Field = "endpoint", Description = $"'{Truncate(request.Endpoint)}' {endpointProblem}" });
            }
            else if (!ExecutorAddress.TryNormalize(request.Endpoint, out address))
            {
                problems.Add(new ValidationProblem { Field = "endpoint", Description = $"'{Truncate(request.Endpoint)}' is not an absolute http:// or https:// address." });
            }
        }

        RegistrationChecks.Check(request, _options, problems);
        if (problems.Count > 0)
        {
            throw new RegistrationRejectedException(problems);
        }

        var refused = request.StepTypes.Where(type => !caller.MayServe(type)).Distinct(StringComparer.Ordinal).ToList();
        if (refused.Count > 0)
        {
            var allowed = caller.StepTypes.Count == 0 ? "none" : string.Join(", ", caller.StepTypes.Order(StringComparer.Ordinal));
            throw new ExecutorRegistrationDeniedException(
                $"The credential '{Truncate(caller.Name)}' may not register the step type(s) {Truncate(string.Join(", ", refused.Select(t => $"'{t}'")))}; it may register: {Truncate(allowed)}. "
                + "Add them to the key's StepTypes (Auth:ApiKeys:N:StepTypes) or the token's step types claim.");
        }

        var capacity = request.MaxConcurrency > 0 ? request.MaxConcurrency : _options.DefaultMaxConcurrency;
        var now = _timeProvider.GetUtcNow();
        var id = "ex-" + Guid.NewGuid().ToString("N")[..16];
        var session = sessionFactory?.Invoke(id, capacity);
        var replaced = new List<string>();
        lock (_gate)
        {
            var previous = session is null
                ? _entriesById.Values.Where(e => e.Endpoint.Address == address && e.Source == ExecutorSource.Registered).ToList()
                : [];
            if (!caller.AdministersRegistry && previous.Any(e => e.Owner != caller.Owner))
            {
                throw new ExecutorRegistrationDeniedException(
                    $"The endpoint '{address}' is registered by another credential; only it (or an admin) can replace that registration. Register another address.");
            }

            if (previous.Count == 0 && _entriesById.Values.Count(e => e.Source != ExecutorSource.Static) >= _options.MaxRegistrations)
            {
                throw new RegistryFullException(_options.MaxRegistrations);
            }

            if (previous.Count == 0 && !ReferenceEquals(caller, CallerPrincipal.Unrestricted)
                && _entriesById.Values.Count(e => e.Owner == caller.Owner) >= _options.MaxRegistrationsPerCredential)
            {
                throw new RegistryFullException(
                    $"The credential '{Truncate(caller.Name)}' holds {_options.MaxRegistrationsPerCredential} registrations, the limit (Executors:MaxRegistrationsPerCredential); deregister one or raise the limit.");
            }

            foreach (var existing in previous)
            {
                _entriesById.Remove(existing.Id);
                replaced.Add(existing.Id);
            }

            var entry = new ExecutorEntry(
                id, session is null ? EndpointFor(address!, capacity) : new ExecutorEndpoint(session), [.. request.StepTypes.Where(t => !string.IsNullOrWhiteSpace(t)).Distinct(StringComparer.Ordinal)],
                capacity, request.Name, request.Version, new Dictionary<string, string>(request.Labels), session is null ? ExecutorSource.Registered : ExecutorSource.Connected, now, caller.Owner)
            {
                LeaseExpires = session is null ? now + _options.LeaseDuration : DateTimeOffset.MaxValue,
            };
            _entriesById[id] = entry;
            entry.Endpoint.ExecutorId = id;
            entry.Endpoint.Namespaces = caller.Covers(ExecutionNamespace.All) ? null : caller.Namespaces;
            RebuildSnapshot();
        }

        var stepTypes = string.Join(",", request.StepTypes);
        Log.ExecutorRegistered(_logger, id, session?.Address ?? address!, stepTypes, capacity);
        Changed?.Invoke(this, EventArgs.Empty);
        var response = new RegisterExecutorResponse
        {
            ExecutorId = id,
            LeaseDuration = Duration.FromTimeSpan(_options.LeaseDuration),
            HeartbeatInterval = Duration.FromTimeSpan(_options.HeartbeatInterval),
            ReplacedExecutorIds = { replaced },
        };
        return (response, session);
    }

    /// <summary>
    /// With replicas: gives every push endpoint (static or registered) this replica's share of its
    /// <c>max_concurrency</c>, so that the replicas together never send an executor more calls at once than it
    /// takes. Executor sessions are left alone: their credits are granted by the executor on one session.
    /// </summary>
    public void ApplyReplicaShare(ReplicaShare share)
    {
        ArgumentNullException.ThrowIfNull(share);
        lock (_gate)
        {
            _share = share;
            foreach (var entry in _entriesById.Values.Where(e => e.Endpoint.Session is null))
            {
                entry.Endpoint.SetCapacity(share.Of(entry.MaxConcurrency));
            }
        }

        Changed?.Invoke(this, EventArgs.Empty);
    }

    /// <summary>The push registrations this replica holds (received here or adopted from other replicas), as replicas share them.</summary>
    internal IReadOnlyList<StoredExecutorRegistration> Registrations()
    {
        lock (_gate)
        {
            return [.. _entriesById.Values.Where(e => e.Source == ExecutorSource.Registered).Select(e => new StoredExecutorRegistration(
                e.Id, e.Endpoint.Address, e.StepTypes, e.MaxConcurrency, e.Name, e.Version, e.Labels, e.Owner, e.RegisterTime, e.LeaseExpires, e.Endpoint.Namespaces))];
        }
    }

    /// <summary>
    /// Takes in the push registrations every replica holds (<paramref name="live"/>): adopts those registered
    /// elsewhere, keeps the later lease of those known here, and removes those of <paramref name="sent"/> (the
    /// ones this replica sent with the exchange) that are no longer live: deregistered, replaced or expired at
    /// another replica. A registration elsewhere for an address registered here under another id waits until
    /// one of the two is removed.
    /// </summary>
    internal void Reconcile(IReadOnlyList<StoredExecutorRegistration> live, IReadOnlySet<string> sent)
    {
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(sent);
        var liveById = live.ToDictionary(r => r.ExecutorId, StringComparer.Ordinal);
        var adopted = new List<ExecutorEntry>();
        var gone = new List<ExecutorEntry>();
        lock (_gate)
        {
            foreach (var entry in _entriesById.Values.Where(e => e.Source == ExecutorSource.Registered))
            {
                if (liveById.TryGetValue(entry.Id, out var stored))
                {
                    entry.LeaseExpires = stored.LeaseExpires > entry.LeaseExpires ? stored.LeaseExpires : entry.LeaseExpires;
                }
                else if (sent.Contains(entry.Id))
                {
                    gone.Add(entry);
                }
            }

            foreach (var entry in gone)
            {
                _entriesById.Remove(entry.Id);
            }

            foreach (var stored in live)
            {
                if (_entriesById.ContainsKey(stored.ExecutorId) || !ExecutorAddress.TryNormalize(stored.Endpoint, out var address)
                    || _entriesById.Values.Any(e => e.Source == ExecutorSource.Registered && e.Endpoint.Address == address))
                {
                    continue;
                }

                var entry = new ExecutorEntry(
                    stored.ExecutorId, EndpointFor(address, stored.MaxConcurrency), [.. stored.StepTypes], stored.MaxConcurrency, stored.Name, stored.Version,
                    stored.Labels, ExecutorSource.Registered, stored.RegisterTime, stored.Owner)
                {
                    LeaseExpires = stored.LeaseExpires,
                };
                entry.Endpoint.ExecutorId = entry.Id;
                entry.Endpoint.Namespaces = stored.Namespaces is null ? null : stored.Namespaces.ToHashSet(StringComparer.Ordinal);
                _entriesById[entry.Id] = entry;
                adopted.Add(entry);
            }

            if (adopted.Count == 0 && gone.Count == 0)
            {
                return;
            }

            RebuildSnapshot();
        }

        foreach (var entry in adopted)
        {
            Log.ExecutorAdopted(_logger, entry.Id, entry.Endpoint.Address, entry.StepTypes);
        }

        foreach (var entry in gone)
        {
            Log.ExecutorGoneElsewhere(_logger, entry.Id, entry.Endpoint.Address);
        }

        Changed?.Invoke(this, EventArgs.Empty);
    }

    /// <summary>Tells the dispatcher that a session's credits or state changed: waiting steps may go.</summary>
    internal void OnSessionCapacityChanged() => SessionCapacityChanged?.Invoke(this, EventArgs.Empty);

    private static string Truncate(string text) => text.Length <= 200 ? text : string.Concat(text.AsSpan(0, 200), $"… ({text.Length} characters)");

    /// <summary>
    /// Renews a registered executor's lease; returns the new expiry, or null when the id is unknown
    /// (expired) or registered by another credential than <paramref name="caller"/> (an <c>admin</c> renews any).
    /// </summary>
    public DateTimeOffset? Heartbeat(string executorId, CallerPrincipal caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        lock (_gate)
        {
            if (!_entriesById.TryGetValue(executorId, out var entry) || entry.Source != ExecutorSource.Registered
                || (entry.Owner != caller.Owner && !caller.AdministersRegistry))
            {
                return null;
            }

            var expires = _timeProvider.GetUtcNow() + _options.LeaseDuration;
            entry.LeaseExpires = expires;
            return expires;
        }
    }

    /// <summary>Removes the entry of an executor session that ended; returns false when it was already removed.</summary>
    public bool RemoveSession(ExecutorSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return Remove(session.ExecutorId, caller: null) == DeregisterOutcome.Removed;
    }

    /// <summary>
    /// Removes an executor registered by <paramref name="caller"/> (an <c>admin</c> removes any, static
    /// ones included); calls in flight finish, no new call is sent to it.
    /// </summary>
    public DeregisterOutcome Deregister(string executorId, CallerPrincipal caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return Remove(executorId, caller);
    }

    private DeregisterOutcome Remove(string executorId, CallerPrincipal? caller)
    {
        ExecutorEntry? removed;
        lock (_gate)
        {
            if (!_entriesById.TryGetValue(executorId, out removed))
            {
                return DeregisterOutcome.Unknown;
            }

            if (caller is not null && removed.Owner != caller.Owner && !caller.AdministersRegistry)
            {
                return DeregisterOutcome.NotOwned;
            }

            _entriesById.Remove(executorId);
            RebuildSnapshot();
        }

        Log.ExecutorDeregistered(_logger, executorId, removed.Endpoint.Address);
        Changed?.Invoke(this, EventArgs.Empty);
        return DeregisterOutcome.Removed;
    }

    /// <summary>
    /// Removes every registered executor whose lease has expired, and every executor session silent for
    /// longer than <see cref="ExecutorRegistryOptions.LeaseDuration"/> (the session is closed); returns how many.
    /// </summary>
    public int RemoveExpired()
    {
        var now = _timeProvider.GetUtcNow();
        List<ExecutorEntry>? expired = null;
        lock (_gate)
        {
            foreach (var entry in _entriesById.Values)
            {
                if ((entry.Source == ExecutorSource.Registered && entry.LeaseExpires <= now)
                    || (entry.Endpoint.Session is { } session && session.SilentFor > _options.LeaseDuration))
                {
                    (expired ??= []).Add(entry);
                }
            }

            if (expired is null)
            {
                return 0;
            }

            foreach (var entry in expired)
            {
                _entriesById.Remove(entry.Id);
            }

            RebuildSnapshot();
        }

        foreach (var entry in expired)
        {
            Log.LeaseExpired(_logger, entry.Id, entry.Endpoint.Address);
            entry.Endpoint.Session?.Close($"the executor was silent for longer than {_options.LeaseDuration} (Executors:LeaseDuration)");
        }

        Changed?.Invoke(this, EventArgs.Empty);
        return expired.Count;
    }

    /// <summary>Lists the known executors (optionally only those serving <paramref name="stepType"/>) with health, in-flight calls and circuit state.</summary>
    public IReadOnlyList<ExecutorInfo> List(string? stepType = null)
    {
        ExecutorEntry[] entries;
        lock (_gate)
        {
            entries = [.. _entriesById.Values];
        }

        var now = _timeProvider.GetUtcNow();
        var nowTimestamp = _timeProvider.GetTimestamp();
        var result = new List<ExecutorInfo>(entries.Length);
        foreach (var entry in entries.OrderBy(e => e.RegisterTime).ThenBy(e => e.Id, StringComparer.Ordinal))
        {
            if (!string.IsNullOrEmpty(stepType) && !entry.StepTypes.Contains(stepType, StringComparer.Ordinal))
            {
                continue;
            }

            var leaseValid = entry.LeaseExpires > now;
            var endpoint = entry.Endpoint;
            var info = new ExecutorInfo
            {
                ExecutorId = entry.Id,
                Name = entry.Name,
                Endpoint = endpoint.Address,
                MaxConcurrency = entry.MaxConcurrency,
                Version = entry.Version,
                Health = leaseValid && endpoint.IsCallable(nowTimestamp) ? ExecutorHealth.Serving : ExecutorHealth.NotServing,
                InFlight = endpoint.InFlight,
                CircuitState = endpoint.CircuitState,
                Source = entry.Source,
                RegisterTime = Timestamp.FromDateTimeOffset(entry.RegisterTime),
            };
            info.StepTypes.Add(entry.StepTypes);
            foreach (var (key, value) in entry.Labels)
            {
                info.Labels[key] = value;
            }
            if (entry.Source == ExecutorSource.Registered)
            {
                info.LeaseExpireTime = Timestamp.FromDateTimeOffset(entry.LeaseExpires);
            }
            else if (endpoint.Session is { } session)
            {
                info.LeaseExpireTime = Timestamp.FromDateTimeOffset(now - session.SilentFor + _options.LeaseDuration);
            }

            result.Add(info);
        }

        return result;
    }

    private ExecutorEndpoint EndpointFor(string address, int capacity)
    {
        // This replica's part of the executor's capacity (the whole of it for one orchestrator).
        capacity = _share.Of(capacity);
        if (_endpointsByAddress.TryGetValue(address, out var endpoint))
        {
            endpoint.SetCapacity(capacity);
            return endpoint;
        }

        endpoint = new ExecutorEndpoint(address, capacity);
        _endpointsByAddress[address] = endpoint;
        return endpoint;
    }

    private void RebuildSnapshot()
    {
        var byType = new Dictionary<string, List<ExecutorEndpoint>>(StringComparer.Ordinal);
        foreach (var entry in _entriesById.Values)
        {
            foreach (var type in entry.StepTypes)
            {
                if (!byType.TryGetValue(type, out var list))
                {
                    byType[type] = list = [];
                }

                if (!list.Contains(entry.Endpoint))
                {
                    list.Add(entry.Endpoint);
                }
            }
        }

        _byStepType = byType.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
    }
}
