using GrpcWorkflows.Engine.Schedules;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Tests.Schedules;

/// <summary>
/// The real schedule store, with a hook that runs just before the next update (to change the schedule
/// meanwhile, as a pause from a client or another replica would) or makes it fail (as a crash between
/// a submission and its recorded progress would).
/// </summary>
internal sealed class InterferingScheduleStore(IScheduleStore inner) : IScheduleStore
{
    /// <summary>Runs once, before the next update reaches the store.</summary>
    public Func<Task>? BeforeNextUpdate { get; set; }

    /// <summary>When set, the next update throws instead of writing.</summary>
    public bool FailNextUpdate { get; set; }

    public ValueTask<bool> CreateScheduleAsync(Schedule schedule, CancellationToken cancellationToken = default) => inner.CreateScheduleAsync(schedule, cancellationToken);

    public ValueTask<StoredSchedule?> GetScheduleAsync(string scheduleNamespace, string scheduleId, CancellationToken cancellationToken = default) => inner.GetScheduleAsync(scheduleNamespace, scheduleId, cancellationToken);

    public ValueTask<SchedulePage> ListSchedulesAsync(string scheduleNamespace, int pageSize, string? pageToken, CancellationToken cancellationToken = default) => inner.ListSchedulesAsync(scheduleNamespace, pageSize, pageToken, cancellationToken);

    public async ValueTask<bool> UpdateScheduleAsync(Schedule schedule, long revision, CancellationToken cancellationToken = default)
    {
        if (FailNextUpdate)
        {
            FailNextUpdate = false;
            throw new IOException("the store went away between the submission and the recorded progress (test)");
        }

        if (BeforeNextUpdate is { } before)
        {
            BeforeNextUpdate = null;
            await before();
        }

        return await inner.UpdateScheduleAsync(schedule, revision, cancellationToken);
    }

    public ValueTask<bool> DeleteScheduleAsync(string scheduleNamespace, string scheduleId, CancellationToken cancellationToken = default) => inner.DeleteScheduleAsync(scheduleNamespace, scheduleId, cancellationToken);

    public ValueTask<IReadOnlyList<ScheduleKey>> ClaimSchedulesAsync(string owner, DateTimeOffset now, TimeSpan leaseDuration, CancellationToken cancellationToken = default) => inner.ClaimSchedulesAsync(owner, now, leaseDuration, cancellationToken);

    public ValueTask ReleaseSchedulesAsync(string owner, CancellationToken cancellationToken = default) => inner.ReleaseSchedulesAsync(owner, cancellationToken);
}
