using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Schedules;

/// <summary>
/// The scheduler's loop: at each pass (at the next due time, at least every <see cref="PollInterval"/>,
/// and at once after a change) it takes the lease of the schedules nobody fires, and for each one handles
/// its due times one by one, oldest first, recording each in the store before the next.
/// </summary>
public sealed partial class Scheduler
{
    /// <summary>The longest wait between two passes (running executions are checked, leases renewed).</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long the lease of a schedule lasts unless renewed: how long the schedules of a dead replica wait for another.</summary>
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(15);

    /// <summary>The most times one schedule handles in one pass, so that a long catch-up does not hold the others.</summary>
    private const int MaxStepsPerPass = 1000;

    private readonly Lock _gate = new();
    private readonly List<(DateTimeOffset After, TaskCompletionSource Done)> _passWaiters = [];
    private CancellationTokenSource? _stop;
    private Task? _loop;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private enum StepKind
    {
        Fire,
        StartBuffered,
        Miss,
    }

    /// <summary>Starts the loop (after the engine has started): missed times since each schedule's recorded progress are handled first.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_loop is null)
            {
                _stop = new CancellationTokenSource();
                var token = _stop.Token;
                _loop = Task.Run(() => RunAsync(token), CancellationToken.None);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Stops the loop and hands the schedules' leases over; times not handled yet are handled at the next start.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        Task? loop;
        lock (_gate)
        {
            loop = _loop;
            _stop?.Cancel();
        }

        if (loop is null)
        {
            return;
        }

        await loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _store.ReleaseSchedulesAsync(_owner, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.SchedulerPassFailed(_logger, e);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop?.Dispose();
    }

    /// <summary>Completes when a pass that started at <paramref name="after"/> or later has ended (for tests on a fake clock, and for callers that must see a change applied).</summary>
    public Task PassAsync(DateTimeOffset after)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _passWaiters.Add((after, done));
        }

        Wake();
        return done.Task;
    }

    /// <summary>Runs a pass soon (a schedule was created, resumed or backfilled).</summary>
    private void Wake()
    {
        lock (_gate)
        {
            _wake.TrySetResult();
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Task woken;
            lock (_gate)
            {
                if (_wake.Task.IsCompleted)
                {
                    _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                woken = _wake.Task;
            }

            var now = _time.GetUtcNow();
            var wait = PollInterval;
            try
            {
                var keys = await _store.ClaimSchedulesAsync(_owner, now, LeaseDuration, cancellationToken).ConfigureAwait(false);
                foreach (var key in keys)
                {
                    try
                    {
                        if (await ProcessAsync(key, now, cancellationToken).ConfigureAwait(false) is { } due && due - now < wait)
                        {
                            wait = due - now;
                        }
                    }
                    catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                    {
                        Log.ScheduleFailed(_logger, key.Namespace, key.ScheduleId, e);
                    }
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                Log.SchedulerPassFailed(_logger, e);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            PassEnded(now);
            try
            {
                await Task.WhenAny(Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, _time, cancellationToken), woken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        PassEnded(DateTimeOffset.MaxValue);
    }

    private void PassEnded(DateTimeOffset started)
    {
        lock (_gate)
        {
            for (var i = _passWaiters.Count - 1; i >= 0; i--)
            {
                if (_passWaiters[i].After <= started)
                {
                    _passWaiters[i].Done.TrySetResult();
                    _passWaiters.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>Handles the due times of one schedule, each recorded before the next; returns when its next time is due (with jitter), or null.</summary>
    private async Task<DateTimeOffset?> ProcessAsync(ScheduleKey key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        for (var steps = 0; steps < MaxStepsPerPass; steps++)
        {
            var stored = await _store.GetScheduleAsync(key.Namespace, key.ScheduleId, cancellationToken).ConfigureAwait(false);
            if (stored is null || stored.Schedule.Paused)
            {
                return null;
            }

            var schedule = stored.Schedule;
            var state = schedule.State ??= new ScheduleState();
            var times = ScheduleTimes.Of(schedule);
            var changed = await ForgetFinishedAsync(state, cancellationToken).ConfigureAwait(false);
            var step = NextStep(schedule, times, now);
            string? started = null;
            if (step is { } due)
            {
                started = await HandleAsync(schedule, times, due.Kind, due.Time, cancellationToken).ConfigureAwait(false);
                changed = true;
            }

            var before = state.NextFireTime;
            SetNextFireTime(schedule, times);
            changed |= !Equals(before, state.NextFireTime);
            if (changed && !await _store.UpdateScheduleAsync(schedule, stored.Revision, cancellationToken).ConfigureAwait(false))
            {
                // Changed meanwhile (paused, backfilled, or another replica): an execution started is recorded on
                // what is stored now, then the schedule starts over from there.
                if (started is not null)
                {
                    await RecordStartedAsync(key, step!.Value.Kind, step.Value.Time, started, cancellationToken).ConfigureAwait(false);
                }

                continue;
            }

            if (step is null)
            {
                return state.NextFireTime?.ToDateTimeOffset() is { } next ? next + times.JitterOf(next) : null;
            }
        }

        return now;
    }

    /// <summary>What the schedule does next at <paramref name="now"/>: start its buffered time, or handle its oldest due time; null when nothing is due.</summary>
    private static (StepKind Kind, DateTimeOffset Time)? NextStep(Schedule schedule, ScheduleTimes times, DateTimeOffset now)
    {
        var state = schedule.State;
        if (state.BufferedTime is { } buffered && state.RunningExecutionIds.Count == 0)
        {
            return (StepKind.StartBuffered, buffered.ToDateTimeOffset());
        }

        if (times.NextAfter(Cursor(schedule)) is not { } time || time + times.JitterOf(time) > now)
        {
            return null;
        }

        if (now - time > times.CatchUpWindow)
        {
            return (StepKind.Miss, time);
        }

        if (schedule.CatchUp == ScheduleCatchUp.Last && times.NextAfter(time) is { } following && following + times.JitterOf(following) <= now)
        {
            // Only the latest due time fires; this one is left out.
            return (StepKind.Miss, time);
        }

        return (StepKind.Fire, time);
    }

    /// <summary>
    /// Handles one time: fires it under the overlap policy, starts the buffered one, or counts it missed.
    /// Mutates the schedule's state; returns the id of the execution it started, if it started one.
    /// </summary>
    private async Task<string?> HandleAsync(Schedule schedule, ScheduleTimes times, StepKind kind, DateTimeOffset time, CancellationToken cancellationToken)
    {
        var state = schedule.State;
        switch (kind)
        {
            case StepKind.Miss:
                state.MissedCount++;
                state.LastFireTime = Timestamp.FromDateTimeOffset(time);
                Log.ScheduleTimeMissed(_logger, schedule.Namespace, schedule.ScheduleId, time, times.CatchUpWindow);
                return null;
            case StepKind.StartBuffered:
                state.BufferedTime = null;
                return await StartTimeAsync(schedule, time, cancellationToken).ConfigureAwait(false);
        }

        state.LastFireTime = Timestamp.FromDateTimeOffset(time);
        if (state.RunningExecutionIds.Count > 0)
        {
            switch (schedule.OverlapPolicy)
            {
                case ScheduleOverlapPolicy.AllowAll:
                    break;
                case ScheduleOverlapPolicy.BufferOne when state.BufferedTime is null:
                    state.BufferedTime = Timestamp.FromDateTimeOffset(time);
                    return null;
                case ScheduleOverlapPolicy.CancelRunning:
                    foreach (var running in state.RunningExecutionIds)
                    {
                        await _engine.CancelAsync(running, $"cancelled by the schedule '{schedule.ScheduleId}' (overlap policy CANCEL_RUNNING) for its time {TimeText(time)}", cancellationToken).ConfigureAwait(false);
                    }

                    state.RunningExecutionIds.Clear();
                    break;
                default:
                    state.SkippedCount++;
                    Log.ScheduleTimeSkipped(_logger, schedule.Namespace, schedule.ScheduleId, time, state.RunningExecutionIds.Count);
                    return null;
            }
        }

        return await StartTimeAsync(schedule, time, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Records an execution started for <paramref name="time"/> on the schedule as stored now (after a
    /// change made meanwhile, a pause for one), unless the stored schedule has handled that time already.
    /// </summary>
    private async Task RecordStartedAsync(ScheduleKey key, StepKind kind, DateTimeOffset time, string executionId, CancellationToken cancellationToken)
    {
        while (await _store.GetScheduleAsync(key.Namespace, key.ScheduleId, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            var state = stored.Schedule.State ??= new ScheduleState();
            if (kind == StepKind.StartBuffered ? state.BufferedTime?.ToDateTimeOffset() != time : state.LastFireTime?.ToDateTimeOffset() >= time)
            {
                return;
            }

            if (kind == StepKind.StartBuffered)
            {
                state.BufferedTime = null;
            }
            else
            {
                state.LastFireTime = Timestamp.FromDateTimeOffset(time);
            }

            if (!state.RunningExecutionIds.Contains(executionId))
            {
                state.RunningExecutionIds.Add(executionId);
            }

            state.FiredCount++;
            state.LastExecutionId = executionId;
            if (await _store.UpdateScheduleAsync(stored.Schedule, stored.Revision, cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    /// <summary>Starts the execution of one time (returns its id); a refusal (workflow deleted, input refused) is recorded as the schedule's last error.</summary>
    private async Task<string?> StartTimeAsync(Schedule schedule, DateTimeOffset time, CancellationToken cancellationToken)
    {
        var state = schedule.State;
        try
        {
            var created = await SubmitAsync(schedule, time, cancellationToken).ConfigureAwait(false);
            if (!state.RunningExecutionIds.Contains(created.ExecutionId))
            {
                state.RunningExecutionIds.Add(created.ExecutionId);
            }

            state.FiredCount++;
            state.LastExecutionId = created.ExecutionId;
            state.LastError = string.Empty;
            Log.ScheduleFired(_logger, schedule.Namespace, schedule.ScheduleId, time, created.ExecutionId, created.Existing);
            return created.ExecutionId;
        }
        catch (WorkflowValidationException e)
        {
            state.MissedCount++;
            state.LastError = $"{TimeText(time)}: {e.Result.Describe()}";
            Log.ScheduleTimeRefused(_logger, schedule.Namespace, schedule.ScheduleId, time, state.LastError);
            return null;
        }
    }

    /// <summary>Drops the executions that ended from the running list; true when one did.</summary>
    private async Task<bool> ForgetFinishedAsync(ScheduleState state, CancellationToken cancellationToken)
    {
        var changed = false;
        for (var i = state.RunningExecutionIds.Count - 1; i >= 0; i--)
        {
            var execution = await _engine.GetExecutionAsync(state.RunningExecutionIds[i], ExecutionView.Summary, cancellationToken).ConfigureAwait(false);
            if (execution is null || execution.State is ExecutionState.Succeeded or ExecutionState.Failed or ExecutionState.Cancelled)
            {
                state.RunningExecutionIds.RemoveAt(i);
                changed = true;
            }
        }

        return changed;
    }
}
