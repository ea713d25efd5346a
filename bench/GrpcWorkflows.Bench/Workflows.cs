using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Bench;

/// <summary>The workflow shapes of the scenarios, every step of the no-op type.</summary>
internal static class Workflows
{
    public static WorkflowDefinition Chain(string id, int length)
    {
        var definition = new WorkflowDefinition { Id = id };
        for (var i = 0; i < length; i++)
        {
            var step = Step();
            if (i > 0)
            {
                step.DependsOn.Add(Name(i - 1));
            }

            definition.Steps[Name(i)] = step;
        }

        return definition;
    }

    public static WorkflowDefinition FanOutFanIn(string id, int width)
    {
        var definition = new WorkflowDefinition { Id = id };
        definition.Steps["source"] = Step();
        var sink = Step();
        for (var i = 0; i < width; i++)
        {
            var branch = Step();
            branch.DependsOn.Add("source");
            definition.Steps[Name(i)] = branch;
            sink.DependsOn.Add(Name(i));
        }

        definition.Steps["sink"] = sink;
        return definition;
    }

    /// <summary>A random DAG: each step depends on about <paramref name="edgesPerStep"/> distinct earlier steps.</summary>
    public static WorkflowDefinition RandomDag(string id, int steps, double edgesPerStep, int seed)
    {
        var random = new Random(seed);
        var definition = new WorkflowDefinition { Id = id };
        for (var i = 0; i < steps; i++)
        {
            var step = Step();
            var edges = Math.Min(i, (int)Math.Round(edgesPerStep * (0.5 + random.NextDouble())));
            var picked = new HashSet<int>();
            while (picked.Count < edges)
            {
                picked.Add(random.Next(i));
            }

            foreach (var dependency in picked.Order())
            {
                step.DependsOn.Add(Name(dependency));
            }

            definition.Steps[Name(i)] = step;
        }

        return definition;
    }

    private static StepDefinition Step() => new() { Type = NoopExecutor.StepType, Input = new Struct() };

    private static string Name(int i) => "s" + i.ToString("D5", CultureInfo.InvariantCulture);
}
