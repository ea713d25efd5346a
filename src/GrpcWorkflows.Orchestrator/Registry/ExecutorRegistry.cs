using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Validation;
using GrpcWorkflows.Orchestrator.Internal;
using GrpcWorkflows.Orchestrator.Registry.Internal;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Orchestrator.Registry;

/// <summary>
/// The executors the orchestrator knows: static ones from configuration and registered ones
/// with leases. Answers "which endpoints serve step type X" without a lock, from a snapshot that
/// is rebuilt on every change (registration, deregistration, lease expiry).
/// </summary>
/// <remarks>Thread-safe. Writers serialize on one lock; readers never take it.</remarks>
internal sealed class ExecutorRegistry : IStepTypeCatalog
{
    private static readonly ExecutorEndpoint[] NoEndpoints = [];

    private readonly ExecutorRegistryOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ExecutorRegistry> _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ExecutorEntry> _entriesById = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ExecutorEndpoint> _endpointsByAddress = new(StringComparer.Ordinal);
    private readonly long _startTimestamp;
    private volatile Dictionary<string, ExecutorEndpoint[]> _byStepType = new(StringComparer.Ordinal);

    /// <summary>Creates the registry and loads the static executors of <paramref name="options"/>.</summary>
    public ExecutorRegistry(IOptions<ExecutorRegistryOptions> options, TimeProvider timeProvider, ILogger<ExecutorRegistry> logger)
    {
        _options = options.Value;
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
                    capacity, entry.Name ?? address, "", new Dictionary<string, string>(), ExecutorSource.Static, _timeProvider.GetUtcNow())
                {
                    LeaseExpires = DateTimeOffset.MaxValue,
                };
                _entriesById[id] = added;
            }

            RebuildSnapshot();
        }
    }

    /// <summary>Raised (on any thread) after the set of endpoints changed.</summary>
    public event EventHandler? Changed;

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

    /// <summary>
    /// Registers an executor and grants it a lease. A registration of an endpoint that is already
    /// registered replaces the earlier one (whose id stops working); the response names the ids replaced.
    /// The request must already be valid (absolute address, at least one step type).
    /// </summary>
    /// <exception cref="RegistryFullException">There are <see cref="ExecutorRegistryOptions.MaxRegistrations"/> registrations and this address has none.</exception>
    public RegisterExecutorResponse Register(RegisterExecutorRequest request)
    {
        if (!ExecutorAddress.TryNormalize(request.Endpoint, out var address))
        {
            throw new ArgumentException($"'{request.Endpoint}' is not an absolute http:// or https:// address.", nameof(request));
        }

        var capacity = request.MaxConcurrency > 0 ? request.MaxConcurrency : _options.DefaultMaxConcurrency;
        var now = _timeProvider.GetUtcNow();
        var id = "ex-" + Guid.NewGuid().ToString("N")[..16];
        var replaced = new List<string>();
        lock (_gate)
        {
            var previous = _entriesById.Values.Where(e => e.Endpoint.Address == address && e.Source == ExecutorSource.Registered).ToList();
            if (previous.Count == 0 && _entriesById.Values.Count(e => e.Source == ExecutorSource.Registered) >= _options.MaxRegistrations)
            {
                throw new RegistryFullException(_options.MaxRegistrations);
            }

            foreach (var existing in previous)
            {
                _entriesById.Remove(existing.Id);
                replaced.Add(existing.Id);
            }

            var entry = new ExecutorEntry(
                id, EndpointFor(address, capacity), [.. request.StepTypes.Where(t => !string.IsNullOrWhiteSpace(t)).Distinct(StringComparer.Ordinal)],
                capacity, request.Name, request.Version, new Dictionary<string, string>(request.Labels), ExecutorSource.Registered, now)
            {
                LeaseExpires = now + _options.LeaseDuration,
            };
            _entriesById[id] = entry;
            RebuildSnapshot();
        }

        var stepTypes = string.Join(",", request.StepTypes);
        Log.ExecutorRegistered(_logger, id, address, stepTypes, capacity);
        Changed?.Invoke(this, EventArgs.Empty);
        return new RegisterExecutorResponse
        {
            ExecutorId = id,
            LeaseDuration = Duration.FromTimeSpan(_options.LeaseDuration),
            HeartbeatInterval = Duration.FromTimeSpan(_options.HeartbeatInterval),
            ReplacedExecutorIds = { replaced },
        };
    }

    /// <summary>Renews a registered executor's lease; returns the new expiry, or null when the id is unknown (expired).</summary>
    public DateTimeOffset? Heartbeat(string executorId)
    {
        lock (_gate)
        {
            if (!_entriesById.TryGetValue(executorId, out var entry) || entry.Source != ExecutorSource.Registered)
            {
                return null;
            }

            var expires = _timeProvider.GetUtcNow() + _options.LeaseDuration;
            entry.LeaseExpires = expires;
            return expires;
        }
    }

    /// <summary>Removes a registered executor; calls in flight finish, no new call is sent to it. Returns false when unknown.</summary>
    public bool Deregister(string executorId)
    {
        ExecutorEntry? removed;
        lock (_gate)
        {
            if (!_entriesById.Remove(executorId, out removed))
            {
                return false;
            }

            RebuildSnapshot();
        }

        Log.ExecutorDeregistered(_logger, executorId, removed.Endpoint.Address);
        Changed?.Invoke(this, EventArgs.Empty);
        return true;
    }

    /// <summary>Removes every registered executor whose lease has expired; returns how many.</summary>
    public int RemoveExpired()
    {
        var now = _timeProvider.GetUtcNow();
        List<ExecutorEntry>? expired = null;
        lock (_gate)
        {
            foreach (var entry in _entriesById.Values)
            {
                if (entry.Source == ExecutorSource.Registered && entry.LeaseExpires <= now)
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

            result.Add(info);
        }

        return result;
    }

    private ExecutorEndpoint EndpointFor(string address, int capacity)
    {
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
