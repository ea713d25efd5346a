using GrpcWorkflows.V1;

namespace GrpcWorkflows.Cli.Watching;

/// <summary>What the progress display knows about one step.</summary>
internal sealed class StepProgress(string stepId, string type)
{
    public string StepId { get; } = stepId;

    public string Type { get; set; } = type;

    public StepState State { get; set; } = StepState.Waiting;

    public int Attempt { get; set; }

    public DateTimeOffset? Started { get; set; }

    public DateTimeOffset? Ended { get; set; }

    public string? Note { get; set; }

    /// <summary>A <c>for_each</c> step's item count (0 for another step) and items done.</summary>
    public int ItemsTotal { get; set; }

    public int ItemsDone { get; set; }

    public TimeSpan? Duration(DateTimeOffset now) => Started is null ? null : (Ended ?? now) - Started.Value;
}
