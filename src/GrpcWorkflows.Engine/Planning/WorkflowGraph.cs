using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Planning;

/// <summary>
/// A workflow's steps as integer-indexed adjacency lists. Indices follow the ordinal order of
/// step ids, so "smallest index" is "smallest id" and every tie-break is deterministic.
/// </summary>
internal sealed class WorkflowGraph
{
    public WorkflowGraph(string[] ids, Dictionary<string, int> index, StepDefinition[] steps, int[][] dependencies, int[][] dependents, int edgeCount)
    {
        Ids = ids;
        Index = index;
        Steps = steps;
        Dependencies = dependencies;
        Dependents = dependents;
        EdgeCount = edgeCount;
    }

    /// <summary>Step ids, sorted ordinally.</summary>
    public string[] Ids { get; }

    /// <summary>Step id to index.</summary>
    public Dictionary<string, int> Index { get; }

    /// <summary>Step definitions by index.</summary>
    public StepDefinition[] Steps { get; }

    /// <summary>For each step, its distinct known dependencies (self-dependencies dropped), in declaration order.</summary>
    public int[][] Dependencies { get; }

    /// <summary>For each step, the steps that depend on it, ascending.</summary>
    public int[][] Dependents { get; }

    /// <summary>The number of distinct dependency edges.</summary>
    public int EdgeCount { get; }

    /// <summary>The number of steps.</summary>
    public int Count => Ids.Length;

    /// <summary>Builds the graph of a definition, ignoring unknown, duplicate and self dependencies (validation reports them).</summary>
    public static WorkflowGraph Build(WorkflowDefinition definition)
    {
        var ids = new string[definition.Steps.Count];
        definition.Steps.Keys.CopyTo(ids, 0);
        Array.Sort(ids, StringComparer.Ordinal);
        var index = new Dictionary<string, int>(ids.Length, StringComparer.Ordinal);
        for (var i = 0; i < ids.Length; i++)
        {
            index[ids[i]] = i;
        }

        var steps = new StepDefinition[ids.Length];
        var dependencies = new int[ids.Length][];
        var dependentCounts = new int[ids.Length];
        var edgeCount = 0;
        var seen = new HashSet<int>();
        for (var i = 0; i < ids.Length; i++)
        {
            var step = definition.Steps[ids[i]];
            steps[i] = step;
            var declared = step.DependsOn;
            if (declared.Count == 0)
            {
                dependencies[i] = [];
                continue;
            }

            var list = new List<int>(declared.Count);
            seen.Clear();
            foreach (var name in declared)
            {
                if (index.TryGetValue(name, out var dependency) && dependency != i && seen.Add(dependency))
                {
                    list.Add(dependency);
                    dependentCounts[dependency]++;
                }
            }

            dependencies[i] = [.. list];
            edgeCount += list.Count;
        }

        var dependents = new int[ids.Length][];
        for (var i = 0; i < ids.Length; i++)
        {
            dependents[i] = dependentCounts[i] == 0 ? [] : new int[dependentCounts[i]];
            dependentCounts[i] = 0;
        }

        for (var i = 0; i < ids.Length; i++)
        {
            foreach (var dependency in dependencies[i])
            {
                dependents[dependency][dependentCounts[dependency]++] = i;
            }
        }

        return new WorkflowGraph(ids, index, steps, dependencies, dependents, edgeCount);
    }
}
