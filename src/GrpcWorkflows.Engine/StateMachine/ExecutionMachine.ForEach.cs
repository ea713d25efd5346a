using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Attempts;
using GrpcWorkflows.Engine.DataFlow;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Engine.Events;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.StateMachine;

/// <summary>
/// Fan-out over data (<c>for_each</c>): the step resolves its array when it may run, records the
/// item count, and its items run as units of their own (attempts, retries, state), at most
/// <c>max_parallel</c> at once; the step succeeds with the items' outputs in item order, and fails
/// when one item fails terminally.
/// </summary>
/// <remarks>
/// The host's READY queue holds at most one entry per <c>for_each</c> step: each
/// <see cref="StartAttempt"/> starts the next item due and asks to be queued again while more could
/// start, so a step of 10,000 items never materializes 10,000 queue entries. An item's attempt
/// travels through the host as a negative "attempt" ticket (<c>-(item + 1)</c>); the item's real
/// attempt number is in its request and its events.
/// </remarks>
internal sealed partial class ExecutionMachine
{
    private Dictionary<int, ItemRun>? _itemRuns;

    /// <summary>The item an attempt ticket of a <c>for_each</c> step stands for.</summary>
    private static int ItemOfTicket(int ticket) => -ticket - 1;

    private static int TicketOf(int item) => -(item + 1);

    /// <summary>The step may run: its array is resolved and its items are recorded, or the step fails with the reason.</summary>
    private void FanOut(int step, DateTimeOffset now)
    {
        var array = ResolveItems(step, now);
        if (array is null)
        {
            return;
        }

        Emit(new ExecutionEvent { FannedOut = new StepFannedOut { StepId = Graph.Ids[step], ItemCount = array.Values.Count } }, now);
        var run = new ItemRun(array, Fold.ItemsOf(step)!);
        (_itemRuns ??= [])[step] = run;
        Continue(step, run, now);
    }

    /// <summary>A recovered <c>for_each</c> step: items in flight are delivered again (same attempt, same key), retry waits resume, the rest start in order.</summary>
    private void ResumeItems(int step, DateTimeOffset now)
    {
        if (Fold.ItemsOf(step) is not { } items || Steps[step].State == StepState.Ready)
        {
            FanOut(step, now);
            return;
        }

        var array = ResolveItems(step, now);
        if (array is null)
        {
            return;
        }

        var run = new ItemRun(array, items);
        (_itemRuns ??= [])[step] = run;
        for (var i = 0; i < items.Count; i++)
        {
            switch (items.States[i])
            {
                case StepState.Running:
                    run.Due.Enqueue(i);
                    break;
                case StepState.RetryWait:
                    run.Waiting.Enqueue(i, items.NextAttemptTimes[i]);
                    break;
            }
        }

        if (run.Waiting.TryPeek(out _, out var due))
        {
            ArmItemRetry(step, run, due, now);
        }

        Continue(step, run, now);
    }

    /// <summary>The host has capacity for the step: its next item due starts (or is delivered again). False when none can start now.</summary>
    private bool StartItem(int step, DateTimeOffset now)
    {
        if (IsFinished || Fold.CancelRequested || Steps[step].State != StepState.Running || _itemRuns?.GetValueOrDefault(step) is not { } run)
        {
            return false;
        }

        run.Queued = false;
        if (run.InFlight >= Compiled.ForEach[step]!.MaxParallel || !run.TryTake(out var item))
        {
            return false;
        }

        var items = run.Items;
        var redeliver = items.States[item] == StepState.Running;
        var attempt = redeliver ? items.Attempts[item] : items.Attempts[item] + 1;
        var request = AttemptRequestFactory.Create(Fold, Compiled, step, attempt, Limits, Secrets, out var error, new InputResolver.ItemScope(run.Array.Values[item], item));
        if (request is null)
        {
            FailItem(step, item, attempt, error!, emitAttemptFailed: false, now);
            CheckFinished(now);
            return true;
        }

        run.InFlight++;
        run.Attempt[item] = attempt;
        _inFlight[step]++;
        Running++;
        if (!redeliver)
        {
            Emit(new ExecutionEvent { AttemptStarted = new StepAttemptStarted { StepId = Graph.Ids[step], Attempt = attempt, IdempotencyKey = request.Request.IdempotencyKey, Item = item } }, now);
        }

        Actions.Add(new MachineAction(MachineActionKind.Dispatch, step, TicketOf(item), request));
        RequeueItems(step, run);
        return true;
    }

    /// <summary>An item's attempt ended: the item succeeds, waits for a retry, or fails (and the step with it); the step succeeds once every item has.</summary>
    private bool CompleteItem(int step, int item, StepAttemptResult? result, AttemptOutcome outcome, double jitter, DateTimeOffset now)
    {
        if (_itemRuns?.GetValueOrDefault(step) is not { } run || run.Attempt[item] == 0)
        {
            return false;
        }

        var attempt = run.Attempt[item];
        run.Attempt[item] = 0;
        run.InFlight--;
        _inFlight[step]--;
        Running--;
        var items = run.Items;
        if (IsFinished || Steps[step].State != StepState.Running || items.States[item] != StepState.Running || outcome == AttemptOutcome.Stopped)
        {
            return false;
        }

        var stepId = Graph.Ids[step];
        var endpoint = result?.Endpoint ?? string.Empty;
        var output = result is { Succeeded: true } ? result.Output ?? new Struct() : null;
        if (output is not null && Oversized(output, "the output") is { } oversized)
        {
            FailItem(step, item, attempt, oversized, emitAttemptFailed: true, now, endpoint);
        }
        else if (output is not null)
        {
            Emit(new ExecutionEvent { ItemSucceeded = new StepItemSucceeded { StepId = stepId, Item = item, Attempt = attempt, Output = output, Endpoint = endpoint } }, now);
            if (items.Progress.Succeeded == items.Count)
            {
                SucceedItems(step, run, now);
            }
        }
        else if (outcome != AttemptOutcome.Cancelled && !Fold.CancelRequested)
        {
            var error = result?.Error ?? new StepError
            {
                Code = "DEADLINE_EXCEEDED",
                Message = $"attempt {attempt} did not finish within its timeout of {Compiled.Timeouts[step]}",
                Retryable = true,
            };
            if (result is { ReachedExecutor: false })
            {
                // Unlike a plain step, an item does not wait for a reachable executor: the call counts as a failed, retryable attempt.
                error = new StepError { Code = "UNAVAILABLE", Message = error.Message, Retryable = true };
            }

            var plan = Compiled.RetryPlans[step];
            var attemptsThisRun = attempt - items.AttemptBase[item];
            if (plan.IsRetryable(error) && attemptsThisRun < plan.MaxAttempts)
            {
                var delay = plan.Delay(attemptsThisRun, jitter, result?.RetryAfter);
                Emit(new ExecutionEvent
                {
                    AttemptFailed = new StepAttemptFailed { StepId = stepId, Attempt = attempt, Error = error, WillRetry = true, RetryDelay = Duration.FromTimeSpan(delay), Endpoint = endpoint, Item = item },
                }, now);
                run.Waiting.Enqueue(item, now + delay);
                ArmItemRetry(step, run, now + delay, now);
            }
            else
            {
                FailItem(step, item, attempt, error, emitAttemptFailed: true, now, endpoint);
            }
        }

        if (Fold.CancelRequested && Steps[step].State == StepState.Running && run.InFlight == 0)
        {
            Emit(new ExecutionEvent { StepCancelled = new StepCancelled { StepId = stepId, Reason = StopReason } }, now);
        }

        RequeueItems(step, run);
        CheckFinished(now);
        return true;
    }

    /// <summary>The step's item retry timer is due: the items whose delay has passed may start again.</summary>
    private void ItemRetriesDue(int step, DateTimeOffset now)
    {
        if (_itemRuns?.GetValueOrDefault(step) is not { } run || Steps[step].State != StepState.Running)
        {
            return;
        }

        run.Armed = null;
        while (run.Waiting.TryPeek(out var item, out var due) && due <= now)
        {
            run.Waiting.Dequeue();
            if (run.Items.States[item] == StepState.RetryWait)
            {
                run.Due.Enqueue(item);
            }
        }

        if (run.Waiting.TryPeek(out _, out var next))
        {
            ArmItemRetry(step, run, next, now);
        }

        RequeueItems(step, run);
    }

    /// <summary>One timer per step for its items' retries, at the earliest due one.</summary>
    private void ArmItemRetry(int step, ItemRun run, DateTimeOffset due, DateTimeOffset now)
    {
        if (run.Armed is { } armed && armed <= due)
        {
            return;
        }

        run.Armed = due;
        Actions.Add(new MachineAction(MachineActionKind.StartTimer, step, Due: due > now ? due : now, Timer: TimerPurpose.Retry));
    }

    /// <summary>After the fan-out (or a recovery): every item succeeded already (an empty array, a retried execution), or the first items may start.</summary>
    private void Continue(int step, ItemRun run, DateTimeOffset now)
    {
        if (run.Items.Progress.Succeeded == run.Items.Count)
        {
            SucceedItems(step, run, now);
            return;
        }

        RequeueItems(step, run);
    }

    /// <summary>Asks the host to queue the step again while one more of its items could start.</summary>
    private void RequeueItems(int step, ItemRun run)
    {
        if (!run.Queued && !Fold.CancelRequested && Steps[step].State == StepState.Running
            && run.InFlight < Compiled.ForEach[step]!.MaxParallel && run.HasMore)
        {
            run.Queued = true;
            Actions.Add(new MachineAction(MachineActionKind.Enqueue, step));
        }
    }

    /// <summary>Every item succeeded: the step succeeds with <c>{"items": [...]}</c>, the outputs in item order.</summary>
    private void SucceedItems(int step, ItemRun run, DateTimeOffset now)
    {
        var list = new ListValue();
        foreach (var output in run.Items.Outputs)
        {
            list.Values.Add(Value.ForStruct(output ?? new Struct()));
        }

        var result = new Struct();
        result.Fields["items"] = new Value { ListValue = list };
        if (Oversized(result, "the items' outputs together") is { } oversized)
        {
            FailStep(step, run.Items.Progress.Attempts, oversized, now);
            return;
        }

        Emit(new ExecutionEvent { StepSucceeded = new StepSucceeded { StepId = Graph.Ids[step], Output = result } }, now);
        _itemRuns!.Remove(step);
        Settle(step, now);
    }

    /// <summary>An item failed terminally: recorded on the item, then the step fails naming it.</summary>
    private void FailItem(int step, int item, int attempt, StepError error, bool emitAttemptFailed, DateTimeOffset now, string endpoint = "")
    {
        if (emitAttemptFailed)
        {
            Emit(new ExecutionEvent { AttemptFailed = new StepAttemptFailed { StepId = Graph.Ids[step], Attempt = attempt, Error = error, Endpoint = endpoint, Item = item } }, now);
        }

        var stepError = new StepError { Code = error.Code, Message = $"item {item} failed: {error.Message}", Details = error.Details, Retryable = false };
        FailStep(step, Fold.ItemsOf(step)!.Progress.Attempts, stepError, now);
    }

    /// <summary>Resolves the step's <c>for_each.items</c> to an array, or fails the step with the reason.</summary>
    private ListValue? ResolveItems(int step, DateTimeOffset now)
    {
        var plan = Compiled.ForEach[step]!;
        var template = new Struct { Fields = { ["items"] = Value.ForString(plan.Source.Text) } };
        var resolved = InputResolver.Resolve(template, id => Graph.Index.TryGetValue(id, out var s) ? Steps[s].Output : null, Graph.Index.ContainsKey, Fold.Execution.Input, out var message, root: "for_each");
        string? problem = null;
        var code = "INVALID_ARGUMENT";
        ListValue? array = null;
        if (resolved is null)
        {
            problem = message;
        }
        else if (resolved.Fields["items"] is not { KindCase: Value.KindOneofCase.ListValue } value)
        {
            problem = $"for_each.items: '{plan.Source.Text}' is {Describe(resolved.Fields["items"])}, not an array";
        }
        else if (value.ListValue.Values.Count > Limits.MaxForEachItems)
        {
            code = "RESOURCE_EXHAUSTED";
            problem = $"for_each.items: '{plan.Source.Text}' has {value.ListValue.Values.Count} items; the limit is {Limits.MaxForEachItems} (WorkflowLimits.MaxForEachItems)";
        }
        else
        {
            array = value.ListValue;
        }

        if (problem is not null)
        {
            FailStep(step, 0, new StepError { Code = code, Message = problem, Retryable = false }, now);
        }

        return array;

        static string Describe(Value value) => value.KindCase switch
        {
            Value.KindOneofCase.StructValue => "an object",
            Value.KindOneofCase.StringValue => "a string",
            Value.KindOneofCase.NumberValue => "a number",
            Value.KindOneofCase.BoolValue => "a boolean",
            _ => "null",
        };
    }

    /// <summary>What the machine keeps beside the fold for one fanned-out step (rebuilt from the fold on recovery).</summary>
    private sealed class ItemRun(ListValue array, ForEachState items)
    {
        /// <summary>The resolved array (resolved once per fan-out or recovery).</summary>
        public ListValue Array { get; } = array;

        /// <summary>The items' state in the fold.</summary>
        public ForEachState Items { get; } = items;

        /// <summary>The attempt in flight of each item, 0 for none.</summary>
        public int[] Attempt { get; } = new int[items.Count];

        /// <summary>Items to start before new ones: retries whose delay passed, recovered in-flight attempts.</summary>
        public Queue<int> Due { get; } = new();

        /// <summary>Items waiting for their retry delay, by due time.</summary>
        public PriorityQueue<int, DateTimeOffset> Waiting { get; } = new();

        /// <summary>The next item never started in this fan-out (items start in index order).</summary>
        public int Next { get; set; }

        public int InFlight { get; set; }

        /// <summary>The machine asked the host to queue the step and the host has not called back yet.</summary>
        public bool Queued { get; set; }

        /// <summary>When the step's item retry timer fires, if one is armed.</summary>
        public DateTimeOffset? Armed { get; set; }

        /// <summary>Whether some item could start now.</summary>
        public bool HasMore
        {
            get
            {
                SkipStarted();
                return Due.Count > 0 || Next < Items.Count;
            }
        }

        /// <summary>Takes the next item to start: one due first, else the next never started.</summary>
        public bool TryTake(out int item)
        {
            while (Due.TryDequeue(out item))
            {
                if (Items.States[item] is StepState.RetryWait or StepState.Running && Attempt[item] == 0)
                {
                    return true;
                }
            }

            SkipStarted();
            if (Next < Items.Count)
            {
                item = Next++;
                return true;
            }

            item = -1;
            return false;
        }

        private void SkipStarted()
        {
            while (Next < Items.Count && Items.States[Next] != StepState.Waiting)
            {
                Next++;
            }
        }
    }
}
