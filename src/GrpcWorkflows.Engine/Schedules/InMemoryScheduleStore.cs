using GrpcWorkflows.Engine.StoredWorkflows;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Schedules;

/// <summary>Schedules in memory, for tests and the in-memory execution store.</summary>
public sealed class InMemoryScheduleStore : IScheduleStore
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<(string Namespace, string Id), Entry> _schedules = new(Comparer<(string Namespace, string Id)>.Create(
        static (a, b) => string.CompareOrdinal(a.Namespace, b.Namespace) is var byNamespace and not 0 ? byNamespace : string.CompareOrdinal(a.Id, b.Id)));

    /// <inheritdoc />
    public ValueTask<bool> CreateScheduleAsync(Schedule schedule, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(_schedules.TryAdd((schedule.Namespace, schedule.ScheduleId), new Entry { Schedule = schedule.Clone(), Revision = 1 }));
        }
    }

    /// <inheritdoc />
    public ValueTask<StoredSchedule?> GetScheduleAsync(string scheduleNamespace, string scheduleId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(_schedules.TryGetValue((scheduleNamespace, scheduleId), out var entry) ? new StoredSchedule(entry.Schedule.Clone(), entry.Revision) : null);
        }
    }

    /// <inheritdoc />
    public ValueTask<SchedulePage> ListSchedulesAsync(string scheduleNamespace, int pageSize, string? pageToken, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var after = WorkflowPageToken.Decode(scheduleNamespace, pageToken);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var items = _schedules
                .Where(s => s.Key.Namespace == scheduleNamespace && (after is null || string.CompareOrdinal(s.Key.Id, after) > 0))
                .Take(pageSize + 1)
                .Select(s => s.Value.Schedule.Clone())
                .ToList();
            return ValueTask.FromResult(SchedulePage.Of(scheduleNamespace, items, pageSize));
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> UpdateScheduleAsync(Schedule schedule, long revision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_schedules.TryGetValue((schedule.Namespace, schedule.ScheduleId), out var entry) || entry.Revision != revision)
            {
                return ValueTask.FromResult(false);
            }

            entry.Schedule = schedule.Clone();
            entry.Revision = revision + 1;
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteScheduleAsync(string scheduleNamespace, string scheduleId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(_schedules.Remove((scheduleNamespace, scheduleId)));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ScheduleKey>> ClaimSchedulesAsync(string owner, DateTimeOffset now, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var held = new List<ScheduleKey>();
            foreach (var ((scheduleNamespace, id), entry) in _schedules)
            {
                if (entry.Owner is null || entry.Owner == owner || entry.LeaseUntil < now)
                {
                    entry.Owner = owner;
                    entry.LeaseUntil = now + leaseDuration;
                    held.Add(new ScheduleKey(scheduleNamespace, id));
                }
            }

            return ValueTask.FromResult<IReadOnlyList<ScheduleKey>>(held);
        }
    }

    /// <inheritdoc />
    public ValueTask ReleaseSchedulesAsync(string owner, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            foreach (var entry in _schedules.Values.Where(e => e.Owner == owner))
            {
                entry.Owner = null;
            }
        }

        return ValueTask.CompletedTask;
    }

    private sealed class Entry
    {
        public required Schedule Schedule { get; set; }

        public long Revision { get; set; }

        public string? Owner { get; set; }

        public DateTimeOffset LeaseUntil { get; set; }
    }
}
