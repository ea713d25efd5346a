using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Events;

/// <summary>The fold of <c>for_each</c> steps: the fan-out, each item's attempts, and each item's success.</summary>
public sealed partial class ExecutionStateFold
{
    private ForEachState?[] _forEach = [];

    /// <summary>The items of a <c>for_each</c> step that fanned out, by step index; null before (or for another step).</summary>
    internal ForEachState? ItemsOf(int step) => step < _forEach.Length ? _forEach[step] : null;

    private void ApplyFannedOut(ExecutionEvent e)
    {
        var fannedOut = e.FannedOut;
        var step = _steps[fannedOut.StepId];
        var index = Graph.Index[fannedOut.StepId];
        if (_forEach.Length != Graph.Count)
        {
            Array.Resize(ref _forEach, Graph.Count);
        }

        var items = _forEach[index];
        if (items is not null && items.Count == fannedOut.ItemCount)
        {
            items.Restart();
        }
        else
        {
            items = _forEach[index] = new ForEachState(fannedOut.ItemCount, step.ForEach = new ForEachProgress());
        }

        step.State = StepState.Running;
        step.StartTime ??= e.Time;
    }

    private void ApplyItemStarted(ExecutionEvent e)
    {
        var started = e.AttemptStarted;
        var step = _steps[started.StepId];
        var items = _forEach[Graph.Index[started.StepId]]!;
        items.Attempts[started.Item] = started.Attempt;
        items.Move(started.Item, StepState.Running);
        items.Progress.Attempts++;
        step.Attempts = items.Progress.Attempts;
        step.FlowWait = null;
        items.Relist(started.Item);
    }

    private void ApplyItemFailed(ExecutionEvent e)
    {
        var failed = e.AttemptFailed;
        var items = _forEach[Graph.Index[failed.StepId]]!;
        if (failed.WillRetry)
        {
            var due = e.Time.ToDateTimeOffset() + (failed.RetryDelay?.ToTimeSpan() ?? TimeSpan.Zero);
            items.NextAttemptTimes[failed.Item] = due;
            items.Move(failed.Item, StepState.RetryWait);
            items.List(failed.Item, failed.Error, due);
        }
        else
        {
            items.Move(failed.Item, StepState.Failed);
            items.List(failed.Item, failed.Error, null);
        }
    }

    private void ApplyItemSucceeded(ExecutionEvent e)
    {
        var succeeded = e.ItemSucceeded;
        var items = _forEach[Graph.Index[succeeded.StepId]]!;
        items.Outputs[succeeded.Item] = succeeded.Output;
        items.Move(succeeded.Item, StepState.Succeeded);
        items.Relist(succeeded.Item);
    }

    /// <summary>A <c>for_each</c> step failed or was cancelled: none of its items is in flight or waiting any more (late results are not recorded).</summary>
    private void EndItems(string stepId)
    {
        if (_forEach.Length > 0 && _forEach[Graph.Index[stepId]] is { } items)
        {
            for (var i = 0; i < items.Count; i++)
            {
                if (items.States[i] is StepState.Running or StepState.RetryWait)
                {
                    items.Move(i, StepState.Waiting);
                }
            }
        }
    }
}
