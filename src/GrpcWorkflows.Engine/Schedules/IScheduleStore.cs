using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Schedules;

/// <summary>
/// Durable home of schedules: per namespace and schedule id, the schedule (its settings and its
/// <see cref="ScheduleState"/>) with a revision that every change moves on, and a lease that says which
/// orchestrator fires it. Implemented by every execution store (memory, SQLite, PostgreSQL).
/// </summary>
/// <remarks>
/// Thread-safe. Changes are compare-and-set on the revision (<see cref="UpdateScheduleAsync"/>): the
/// scheduler records each scheduled time it handled only if nobody changed the schedule meanwhile, and
/// starts over from the stored schedule otherwise.
/// </remarks>
public interface IScheduleStore
{
    /// <summary>Stores a new schedule at revision 1; false (and nothing written) when its id is taken in its namespace.</summary>
    ValueTask<bool> CreateScheduleAsync(Schedule schedule, CancellationToken cancellationToken = default);

    /// <summary>The schedule with its revision, or null when unknown (or deleted).</summary>
    ValueTask<StoredSchedule?> GetScheduleAsync(string scheduleNamespace, string scheduleId, CancellationToken cancellationToken = default);

    /// <summary>The schedules of a namespace, by id (ordinal), in pages.</summary>
    /// <exception cref="ArgumentException">The page token was not made by a listing of this namespace.</exception>
    ValueTask<SchedulePage> ListSchedulesAsync(string scheduleNamespace, int pageSize, string? pageToken, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the schedule (found by its namespace and id) when its stored revision is still
    /// <paramref name="revision"/>, moving it to the next revision; false (nothing written) when it
    /// changed meanwhile or is deleted.
    /// </summary>
    ValueTask<bool> UpdateScheduleAsync(Schedule schedule, long revision, CancellationToken cancellationToken = default);

    /// <summary>Deletes a schedule; false when it is unknown.</summary>
    ValueTask<bool> DeleteScheduleAsync(string scheduleNamespace, string scheduleId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes or renews the lease of every schedule that nobody holds, whose lease expired before
    /// <paramref name="now"/>, or that <paramref name="owner"/> holds already, until
    /// <paramref name="now"/> + <paramref name="leaseDuration"/>; returns the keys of the schedules
    /// <paramref name="owner"/> holds now, in every namespace. One orchestrator fires a schedule at a time.
    /// </summary>
    ValueTask<IReadOnlyList<ScheduleKey>> ClaimSchedulesAsync(string owner, DateTimeOffset now, TimeSpan leaseDuration, CancellationToken cancellationToken = default);

    /// <summary>Gives up the leases <paramref name="owner"/> holds (at a graceful stop), so that another orchestrator fires them at once.</summary>
    ValueTask ReleaseSchedulesAsync(string owner, CancellationToken cancellationToken = default);
}

/// <summary>A schedule as stored, with the revision its next change must name.</summary>
/// <param name="Schedule">The schedule; callers own this copy.</param>
/// <param name="Revision">The stored revision, from 1.</param>
public sealed record StoredSchedule(Schedule Schedule, long Revision);

/// <summary>A schedule's namespace and id.</summary>
/// <param name="Namespace">The namespace.</param>
/// <param name="ScheduleId">The schedule's id.</param>
public sealed record ScheduleKey(string Namespace, string ScheduleId);

/// <summary>A page of <see cref="IScheduleStore.ListSchedulesAsync"/>.</summary>
/// <param name="Items">The schedules, by id.</param>
/// <param name="NextPageToken">The token of the next page, or null on the last page.</param>
public sealed record SchedulePage(IReadOnlyList<Schedule> Items, string? NextPageToken)
{
    /// <summary>
    /// The page of <paramref name="pageSize"/> schedules from <paramref name="items"/>, read with one
    /// more than the page holds: when that extra one is there, it is dropped and the page gets a next token.
    /// </summary>
    public static SchedulePage Of(string scheduleNamespace, List<Schedule> items, int pageSize)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count <= pageSize)
        {
            return new SchedulePage(items, null);
        }

        items.RemoveRange(pageSize, items.Count - pageSize);
        return new SchedulePage(items, StoredWorkflows.WorkflowPageToken.Encode(scheduleNamespace, items[^1].ScheduleId));
    }
}
