using GrpcWorkflows.Engine.Schedules;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Storage;

/// <summary>The in-memory store also keeps schedules, beside the executions they start.</summary>
public sealed partial class InMemoryExecutionStore : IScheduleStore
{
    private readonly InMemoryScheduleStore _schedules = new();

    /// <inheritdoc />
    public ValueTask<bool> CreateScheduleAsync(Schedule schedule, CancellationToken cancellationToken = default)
        => _schedules.CreateScheduleAsync(schedule, cancellationToken);

    /// <inheritdoc />
    public ValueTask<StoredSchedule?> GetScheduleAsync(string scheduleNamespace, string scheduleId, CancellationToken cancellationToken = default)
        => _schedules.GetScheduleAsync(scheduleNamespace, scheduleId, cancellationToken);

    /// <inheritdoc />
    public ValueTask<SchedulePage> ListSchedulesAsync(string scheduleNamespace, int pageSize, string? pageToken, CancellationToken cancellationToken = default)
        => _schedules.ListSchedulesAsync(scheduleNamespace, pageSize, pageToken, cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> UpdateScheduleAsync(Schedule schedule, long revision, CancellationToken cancellationToken = default)
        => _schedules.UpdateScheduleAsync(schedule, revision, cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> DeleteScheduleAsync(string scheduleNamespace, string scheduleId, CancellationToken cancellationToken = default)
        => _schedules.DeleteScheduleAsync(scheduleNamespace, scheduleId, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ScheduleKey>> ClaimSchedulesAsync(string owner, DateTimeOffset now, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
        => _schedules.ClaimSchedulesAsync(owner, now, leaseDuration, cancellationToken);

    /// <inheritdoc />
    public ValueTask ReleaseSchedulesAsync(string owner, CancellationToken cancellationToken = default)
        => _schedules.ReleaseSchedulesAsync(owner, cancellationToken);
}
