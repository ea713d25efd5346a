using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Events;

/// <summary>
/// The items of one <c>for_each</c> step as the fold knows them: each item's state, attempts and
/// output, plus the summary <see cref="ForEachProgress"/> shown in <c>GetExecution</c>.
/// </summary>
/// <remarks>Arrays of the item count, no per-item objects: 10,000 items cost a few hundred kilobytes.</remarks>
internal sealed class ForEachState
{
    /// <summary>The most items listed in <see cref="ForEachProgress.Items"/>.</summary>
    public const int MaxListedItems = 100;

    public ForEachState(int count, ForEachProgress progress)
    {
        Count = count;
        States = new StepState[count];
        Attempts = new int[count];
        AttemptBase = new int[count];
        Outputs = new Struct?[count];
        NextAttemptTimes = new DateTimeOffset[count];
        Progress = progress;
        Progress.Total = count;
        Array.Fill(States, StepState.Waiting);
    }

    /// <summary>How many items the step runs.</summary>
    public int Count { get; }

    /// <summary>Each item's state: WAITING (not started), RUNNING, RETRY_WAIT, SUCCEEDED or FAILED.</summary>
    public StepState[] States { get; }

    /// <summary>Each item's attempts so far (over every run of the execution).</summary>
    public int[] Attempts { get; }

    /// <summary>Each item's attempts before the latest fan-out (a retried execution's items count their retry budget from there).</summary>
    public int[] AttemptBase { get; }

    /// <summary>Each succeeded item's output.</summary>
    public Struct?[] Outputs { get; }

    /// <summary>When each item in RETRY_WAIT may start its next attempt.</summary>
    public DateTimeOffset[] NextAttemptTimes { get; }

    /// <summary>The summary in the step's <see cref="StepExecution.ForEach"/>.</summary>
    public ForEachProgress Progress { get; }

    /// <summary>A new fan-out of the same step (the execution was retried): succeeded items keep their output, the others start over with their attempts counted from here.</summary>
    public void Restart()
    {
        Progress.Running = 0;
        Progress.Retrying = 0;
        Progress.Failed = 0;
        for (var i = 0; i < Count; i++)
        {
            AttemptBase[i] = Attempts[i];
            if (States[i] != StepState.Succeeded)
            {
                States[i] = StepState.Waiting;
            }
        }

        Progress.Items.Clear();
    }

    /// <summary>Moves an item to <paramref name="state"/>, keeping the counts.</summary>
    public void Move(int item, StepState state)
    {
        Tally(States[item], -1);
        States[item] = state;
        Tally(state, 1);
    }

    /// <summary>Lists (or updates) an item that failed or waits to be retried; only the first <see cref="MaxListedItems"/> are listed.</summary>
    public void List(int item, StepError? error, DateTimeOffset? next)
    {
        var entry = Find(item);
        if (entry is null)
        {
            if (Progress.Items.Count >= MaxListedItems)
            {
                return;
            }

            entry = new ForEachItem { Index = item };
            Progress.Items.Add(entry);
        }

        entry.State = States[item];
        entry.Attempts = Attempts[item];
        entry.Error = error ?? entry.Error;
        entry.NextAttemptTime = next is { } at ? Timestamp.FromDateTimeOffset(at) : null;
    }

    /// <summary>Updates a listed item's state (a retried item that succeeded).</summary>
    public void Relist(int item)
    {
        if (Find(item) is { } entry)
        {
            entry.State = States[item];
            entry.Attempts = Attempts[item];
            entry.NextAttemptTime = null;
        }
    }

    private ForEachItem? Find(int item)
    {
        foreach (var entry in Progress.Items)
        {
            if (entry.Index == item)
            {
                return entry;
            }
        }

        return null;
    }

    private void Tally(StepState state, int delta)
    {
        switch (state)
        {
            case StepState.Running:
                Progress.Running += delta;
                break;
            case StepState.RetryWait:
                Progress.Retrying += delta;
                break;
            case StepState.Succeeded:
                Progress.Succeeded += delta;
                break;
            case StepState.Failed:
                Progress.Failed += delta;
                break;
        }
    }
}
