using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Planning;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Events;

/// <summary>Computes an execution's figures (the seed's "performance monitoring") from its folded state.</summary>
internal static class FiguresCalculator
{
    private static readonly string[] StateNames = BuildStateNames();

    public static ExecutionFigures Compute(Execution execution, DateTimeOffset now, CompiledWorkflow? compiled = null)
    {
        var figures = new ExecutionFigures();
        if (execution.CreateTime is not null)
        {
            var end = execution.EndTime?.ToDateTimeOffset() ?? now;
            figures.TotalDuration = Duration.FromTimeSpan(end - execution.CreateTime.ToDateTimeOffset());
        }

        var runSum = TimeSpan.Zero;
        var waitSum = TimeSpan.Zero;
        var counts = new int[StateNames.Length];
        var durations = new Dictionary<string, double>(execution.Steps.Count, StringComparer.Ordinal);
        foreach (var step in execution.Steps)
        {
            counts[(int)step.State]++;
            figures.AttemptCount += step.Attempts;
            figures.RetryCount += Math.Max(0, step.AttemptHistory.Count - 1);
            if (step.StartTime is not null && step.EndTime is not null)
            {
                var run = step.EndTime.ToDateTimeOffset() - step.StartTime.ToDateTimeOffset();
                runSum += run;
                durations[step.StepId] = run.TotalSeconds;
            }

            if (step.ReadyTime is not null && step.AttemptHistory.Count > 0 && step.AttemptHistory[0].StartTime is not null)
            {
                var firstStart = step.AttemptHistory.Where(a => a.StartTime >= step.ReadyTime).Select(a => a.StartTime).FirstOrDefault();
                if (firstStart is not null)
                {
                    waitSum += firstStart.ToDateTimeOffset() - step.ReadyTime.ToDateTimeOffset();
                }
            }
        }

        figures.StepDurationSum = Duration.FromTimeSpan(runSum);
        figures.QueueWaitSum = Duration.FromTimeSpan(waitSum);
        for (var s = 1; s < counts.Length; s++)
        {
            if (counts[s] > 0)
            {
                figures.StepCounts[StateNames[s]] = counts[s];
            }
        }

        if (execution.Definition is { } definition && definition.Steps.Count > 0)
        {
            var graph = compiled?.Graph ?? WorkflowGraph.Build(definition);
            var order = compiled?.Order ?? WorkflowPlanner.TopologicalOrder(graph, out _);
            if (order is not null)
            {
                var weights = new double[graph.Count];
                for (var i = 0; i < graph.Count; i++)
                {
                    weights[i] = durations.GetValueOrDefault(graph.Ids[i]);
                }

                var (path, weight) = WorkflowPlanner.CriticalPathByWeight(graph, order, weights);
                figures.CriticalPath.AddRange(path.Select(i => graph.Ids[i]));
                figures.CriticalPathDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(weight));
            }
        }

        return figures;
    }

    private static string[] BuildStateNames()
    {
        var descriptor = WorkflowReflection.Descriptor.EnumTypes.FirstOrDefault(e => e.ClrType == typeof(StepState));
        var values = System.Enum.GetValues<StepState>();
        var names = new string[values.Max(v => (int)v) + 1];
        foreach (var value in values)
        {
            names[(int)value] = descriptor?.FindValueByNumber((int)value)?.Name ?? value.ToString();
        }

        return names;
    }
}
