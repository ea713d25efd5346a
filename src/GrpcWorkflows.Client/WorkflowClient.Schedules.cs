using System.Runtime.CompilerServices;
using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Client;

/// <summary>Schedules: create, get, list, pause, resume, delete, backfill.</summary>
public sealed partial class WorkflowClient
{
    /// <inheritdoc />
    public async Task<Schedule> CreateScheduleAsync(Schedule schedule, string? scheduleNamespace = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var request = new CreateScheduleRequest { Schedule = schedule, Namespace = NamespaceOf(scheduleNamespace) };
        return (await _workflows.CreateScheduleAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false)).Schedule;
    }

    /// <inheritdoc />
    public async Task<Schedule> GetScheduleAsync(string scheduleId, string? scheduleNamespace = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(scheduleId);
        var request = new GetScheduleRequest { ScheduleId = scheduleId, Namespace = NamespaceOf(scheduleNamespace) };
        return (await _workflows.GetScheduleAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false)).Schedule;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<Schedule> ListSchedulesAsync(string? scheduleNamespace = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = new ListSchedulesRequest { Namespace = NamespaceOf(scheduleNamespace) };
        do
        {
            var page = await _workflows.ListSchedulesAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var schedule in page.Schedules)
            {
                yield return schedule;
            }

            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);
    }

    /// <inheritdoc />
    public async Task<Schedule> PauseScheduleAsync(string scheduleId, string? note = null, string? scheduleNamespace = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(scheduleId);
        var request = new PauseScheduleRequest { ScheduleId = scheduleId, Note = note ?? string.Empty, Namespace = NamespaceOf(scheduleNamespace) };
        return (await _workflows.PauseScheduleAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false)).Schedule;
    }

    /// <inheritdoc />
    public async Task<Schedule> ResumeScheduleAsync(string scheduleId, string? scheduleNamespace = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(scheduleId);
        var request = new ResumeScheduleRequest { ScheduleId = scheduleId, Namespace = NamespaceOf(scheduleNamespace) };
        return (await _workflows.ResumeScheduleAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false)).Schedule;
    }

    /// <inheritdoc />
    public async Task DeleteScheduleAsync(string scheduleId, string? scheduleNamespace = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(scheduleId);
        var request = new DeleteScheduleRequest { ScheduleId = scheduleId, Namespace = NamespaceOf(scheduleNamespace) };
        await _workflows.DeleteScheduleAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ScheduledRun>> BackfillScheduleAsync(string scheduleId, DateTimeOffset from, DateTimeOffset to, string? scheduleNamespace = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(scheduleId);
        var request = new BackfillScheduleRequest
        {
            ScheduleId = scheduleId,
            StartTime = Timestamp.FromDateTimeOffset(from),
            EndTime = Timestamp.FromDateTimeOffset(to),
            Namespace = NamespaceOf(scheduleNamespace),
        };
        return (await _workflows.BackfillScheduleAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false)).Runs;
    }
}
