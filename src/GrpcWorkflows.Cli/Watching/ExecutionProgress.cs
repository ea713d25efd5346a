using GrpcWorkflows.V1;

namespace GrpcWorkflows.Cli.Watching;

/// <summary>The state of an execution as the events arrive: one row per step, and the final event.</summary>
internal sealed class ExecutionProgress
{
    private readonly Dictionary<string, StepProgress> _steps = new(StringComparer.Ordinal);
    private readonly List<StepProgress> _order = [];

    public string? ExecutionId { get; private set; }

    public string? WorkflowId { get; private set; }

    public DateTimeOffset? Created { get; private set; }

    public ExecutionFinished? Finished { get; private set; }

    public long LastSequence { get; private set; }

    public IReadOnlyList<StepProgress> Steps => _order;

    /// <summary>Seeds the rows from a definition, in dependency order (depth, then id).</summary>
    public void Seed(WorkflowDefinition definition)
    {
        WorkflowId ??= definition.Id;
        foreach (var (id, step) in StepOrder.Of(definition))
        {
            Row(id, step.Type);
        }
    }

    /// <summary>Seeds the rows from an execution fetched with GetExecution (for watching from a later sequence).</summary>
    public void Seed(Execution execution)
    {
        ExecutionId = execution.ExecutionId;
        WorkflowId = execution.WorkflowId;
        Created = execution.CreateTime?.ToDateTimeOffset();
        LastSequence = execution.LastSequence;
        foreach (var step in execution.Steps)
        {
            var row = Row(step.StepId, step.Type);
            row.State = step.State;
            row.Attempt = step.Attempts;
            row.Started = step.StartTime?.ToDateTimeOffset();
            row.Ended = step.EndTime?.ToDateTimeOffset();
            row.Note = step.Error?.Message is { Length: > 0 } message ? message
                : step.ExecutorWait is { } wait ? AwaitingText(wait)
                : step.FlowWait is { } flowWait ? HeldText(flowWait)
                : step.Reason is { Length: > 0 } reason ? reason
                : null;
            if (step.ForEach is { } items)
            {
                row.ItemsTotal = items.Total;
                row.ItemsDone = items.Succeeded;
                row.Note = row.Note is null ? ForEachText.Of(items) : $"{ForEachText.Of(items)}; {row.Note}";
            }
        }
    }

    /// <summary>
    /// Applies one event; returns its plain-output line: the sequence (what <c>--from-sequence</c> takes),
    /// the event's time since the execution was created (the orchestrator's clock, not when the line
    /// arrived), and what happened.
    /// </summary>
    public string Line(ExecutionEvent e)
    {
        var text = Apply(e);
        var time = e.Time?.ToDateTimeOffset();
        var since = time is null || Created is null ? TimeSpan.Zero : time.Value - Created.Value;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"#{e.Sequence,-4} [{Math.Max(since.TotalSeconds, 0),7:0.00}s] {text}");
    }

    /// <summary>Applies one event; returns a one-line description of it for plain output.</summary>
    public string Apply(ExecutionEvent e)
    {
        ExecutionId ??= e.ExecutionId;
        LastSequence = e.Sequence;
        var time = e.Time?.ToDateTimeOffset() ?? DateTimeOffset.UtcNow;
        switch (e.KindCase)
        {
            case ExecutionEvent.KindOneofCase.Submitted:
                Created = time;
                Seed(e.Submitted.Definition);
                return $"submitted {e.Submitted.Definition.Id} ({e.Submitted.Definition.Steps.Count} steps)";
            case ExecutionEvent.KindOneofCase.Started:
                return "started";
            case ExecutionEvent.KindOneofCase.ExecutionQueued:
                return $"queued: {e.ExecutionQueued.Wait?.Reason}";
            case ExecutionEvent.KindOneofCase.StepThrottled:
            {
                var row = Row(e.StepThrottled.StepId);
                row.Note = HeldText(e.StepThrottled.Wait);
                return $"{row.StepId}: {row.Note}";
            }

            case ExecutionEvent.KindOneofCase.StepReady:
                Row(e.StepReady.StepId).State = StepState.Ready;
                return $"{e.StepReady.StepId}: ready";
            case ExecutionEvent.KindOneofCase.FannedOut:
            {
                var row = Row(e.FannedOut.StepId);
                row.State = StepState.Running;
                row.Started ??= time;
                row.ItemsTotal = e.FannedOut.ItemCount;
                row.ItemsDone = 0;
                row.Note = ForEachText.Of(0, row.ItemsTotal);
                return $"{row.StepId}: fans out over {row.ItemsTotal} items";
            }

            case ExecutionEvent.KindOneofCase.ItemSucceeded:
            {
                var row = Row(e.ItemSucceeded.StepId);
                row.ItemsDone++;
                row.Note = ForEachText.Of(row.ItemsDone, row.ItemsTotal);
                return $"{row.StepId}[{e.ItemSucceeded.Item}]: succeeded ({row.Note})";
            }

            case ExecutionEvent.KindOneofCase.AttemptStarted when e.AttemptStarted.HasItem:
            {
                var row = Row(e.AttemptStarted.StepId);
                row.Attempt++;
                return $"{row.StepId}[{e.AttemptStarted.Item}]: running (attempt {e.AttemptStarted.Attempt})";
            }

            case ExecutionEvent.KindOneofCase.AttemptFailed when e.AttemptFailed.HasItem:
            {
                var failed = e.AttemptFailed;
                var what = $"{failed.StepId}[{failed.Item}]: attempt {failed.Attempt} failed ({failed.Error?.Code}: {failed.Error?.Message})";
                return failed.WillRetry ? $"{what}; retrying in {Output.Names.Of(failed.RetryDelay?.ToTimeSpan() ?? TimeSpan.Zero)}" : what;
            }

            case ExecutionEvent.KindOneofCase.AttemptStarted:
            {
                var row = Row(e.AttemptStarted.StepId);
                row.State = StepState.Running;
                row.Attempt = e.AttemptStarted.Attempt;
                row.Started ??= time;
                row.Ended = null;
                row.Note = null;
                var on = e.AttemptStarted.Endpoint is { Length: > 0 } endpoint ? $" on {endpoint}" : string.Empty;
                return $"{row.StepId}: running (attempt {row.Attempt}{on})";
            }

            case ExecutionEvent.KindOneofCase.AwaitingExecutor:
            {
                var row = Row(e.AwaitingExecutor.StepId);
                row.State = StepState.Ready;
                row.Note = AwaitingText(e.AwaitingExecutor.Wait);
                return $"{row.StepId}: attempt {e.AwaitingExecutor.Attempt} not delivered, {row.Note}";
            }

            case ExecutionEvent.KindOneofCase.AttemptFailed:
            {
                var failed = e.AttemptFailed;
                var row = Row(failed.StepId);
                row.Note = $"{failed.Error?.Code}: {failed.Error?.Message}";
                if (failed.WillRetry)
                {
                    row.State = StepState.RetryWait;
                    return $"{row.StepId}: attempt {failed.Attempt} failed ({row.Note}); retrying in {Output.Names.Of(failed.RetryDelay?.ToTimeSpan() ?? TimeSpan.Zero)}";
                }

                return $"{row.StepId}: attempt {failed.Attempt} failed ({row.Note})";
            }

            case ExecutionEvent.KindOneofCase.StepSucceeded:
            {
                var row = Row(e.StepSucceeded.StepId);
                row.State = StepState.Succeeded;
                row.Attempt = Math.Max(row.Attempt, e.StepSucceeded.Attempt);
                row.Ended = time;
                row.Note = WrittenFile(e.StepSucceeded.Output) is { } file ? $"wrote {file}" : row.ItemsTotal > 0 ? ForEachText.Of(row.ItemsDone, row.ItemsTotal) : null;
                return $"{row.StepId}: succeeded{DurationText(row, time)}{(row.Note is null ? string.Empty : $", {row.Note}")}";
            }

            case ExecutionEvent.KindOneofCase.StepFailed:
            {
                var row = Row(e.StepFailed.StepId);
                row.State = StepState.Failed;
                row.Ended = time;
                row.Note = $"{e.StepFailed.Error?.Code}: {e.StepFailed.Error?.Message}";
                return $"{row.StepId}: failed after {e.StepFailed.Attempts} attempt(s): {row.Note}{(e.StepFailed.Continued ? " (continue_on_failure)" : string.Empty)}";
            }

            case ExecutionEvent.KindOneofCase.StepSkipped:
            {
                var row = Row(e.StepSkipped.StepId);
                row.State = StepState.Skipped;
                row.Note = e.StepSkipped.Reason;
                return $"{row.StepId}: skipped ({e.StepSkipped.Reason})";
            }

            case ExecutionEvent.KindOneofCase.StepCancelled:
            {
                var row = Row(e.StepCancelled.StepId);
                row.State = StepState.Cancelled;
                row.Ended ??= row.Started is null ? null : time;
                row.Note = e.StepCancelled.Reason;
                return $"{row.StepId}: cancelled ({e.StepCancelled.Reason})";
            }

            case ExecutionEvent.KindOneofCase.StepSuspended:
            {
                var suspended = e.StepSuspended;
                var row = Row(suspended.StepId);
                row.State = StepState.Suspended;
                row.Started ??= time;
                var until = suspended.WakeTime is { } wake ? wake.ToDateTimeOffset().ToString("u", System.Globalization.CultureInfo.InvariantCulture) : null;
                row.Note = suspended.Signal.Length > 0
                    ? $"waits for signal '{suspended.Signal}'{(until is null ? string.Empty : $" until {until}")} (gwf signal {e.ExecutionId} {suspended.Signal} --data ...)"
                    : $"sleeps until {until}";
                return $"{row.StepId}: {row.Note}";
            }

            case ExecutionEvent.KindOneofCase.TimedOut:
                return $"timed out after {Output.Names.Of(e.TimedOut.Timeout?.ToTimeSpan() ?? TimeSpan.Zero)}";
            case ExecutionEvent.KindOneofCase.CancelRequested:
                return $"cancel requested{(e.CancelRequested.Reason.Length > 0 ? ": " + e.CancelRequested.Reason : string.Empty)}";
            case ExecutionEvent.KindOneofCase.Retried:
                foreach (var id in e.Retried.StepIds)
                {
                    var row = Row(id);
                    row.State = StepState.Waiting;
                    row.Started = row.Ended = null;
                    row.Note = null;
                }

                Finished = null;
                return $"retrying {string.Join(", ", e.Retried.StepIds)}";
            case ExecutionEvent.KindOneofCase.Finished:
                Finished = e.Finished;
                return $"finished: {Output.Names.Of(e.Finished.State)}";
            default:
                return $"event {e.KindCase}";
        }
    }

    /// <summary>The file an <c>output</c> step wrote (<c>delivered.file.full_path</c> of its output), to show where it went.</summary>
    private static string? WrittenFile(Google.Protobuf.WellKnownTypes.Struct? output) =>
        output?.Fields.TryGetValue("delivered", out var delivered) == true
        && delivered.StructValue?.Fields.TryGetValue("file", out var file) == true
        && file.StructValue?.Fields.TryGetValue("full_path", out var path) == true
        && path.StringValue is { Length: > 0 } text
            ? text
            : null;

    /// <summary>"waiting for an executor (reason); gives up at 10:32:05Z": why a READY step is not running.</summary>
    private static string AwaitingText(ExecutorWait? wait)
    {
        var reason = wait?.Reason is { Length: > 0 } r ? $" ({r})" : string.Empty;
        var deadline = wait?.Deadline?.ToDateTimeOffset() is { } d
            ? $"; gives up at {d.ToString("HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)}"
            : string.Empty;
        return $"waiting for an executor{reason}{deadline}";
    }

    /// <summary>"held back: concurrency key 'db' is full (2 of 2 running)": why flow control holds a READY step.</summary>
    private static string HeldText(FlowWait? wait) => $"held back: {wait?.Reason}";

    private static string DurationText(StepProgress row, DateTimeOffset now) => row.Duration(now) is { } d ? $" in {Output.Names.Of(d)}" : string.Empty;

    private StepProgress Row(string stepId, string type = "")
    {
        if (!_steps.TryGetValue(stepId, out var row))
        {
            row = new StepProgress(stepId, type);
            _steps.Add(stepId, row);
            _order.Add(row);
        }
        else if (type.Length > 0)
        {
            row.Type = type;
        }

        return row;
    }
}
