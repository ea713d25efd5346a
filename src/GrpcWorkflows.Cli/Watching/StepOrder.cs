using GrpcWorkflows.V1;

namespace GrpcWorkflows.Cli.Watching;

/// <summary>Orders a definition's steps for display: by depth in the graph, then by id (cycles and unknown dependencies tolerated).</summary>
internal static class StepOrder
{
    public static IReadOnlyList<(string Id, StepDefinition Step)> Of(WorkflowDefinition definition)
    {
        var depth = new Dictionary<string, int>(StringComparer.Ordinal);
        int Depth(string id, int guard)
        {
            if (depth.TryGetValue(id, out var known))
            {
                return known;
            }

            if (guard > definition.Steps.Count || !definition.Steps.TryGetValue(id, out var step))
            {
                return 0;
            }

            var value = step.DependsOn.Count == 0 ? 0 : step.DependsOn.Max(d => Depth(d, guard + 1) + 1);
            depth[id] = value;
            return value;
        }

        return [.. definition.Steps.OrderBy(s => Depth(s.Key, 0)).ThenBy(s => s.Key, StringComparer.Ordinal).Select(s => (s.Key, s.Value))];
    }
}
