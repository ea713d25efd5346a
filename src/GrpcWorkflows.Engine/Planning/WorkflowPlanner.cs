using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Planning;

/// <summary>
/// Plans a workflow graph: Kahn's algorithm with ties broken by step id (a min-heap over
/// indices in id order), topological levels, maximum width, and critical paths; and, when
/// the graph has cycles, names each one.
/// </summary>
internal static class WorkflowPlanner
{
    /// <summary>Topologically orders the graph; returns null when some steps are on or behind a cycle.</summary>
    public static int[]? TopologicalOrder(WorkflowGraph graph, out int[] levels)
    {
        var count = graph.Count;
        var remaining = new int[count];
        levels = new int[count];
        var ready = new PriorityQueue<int, int>(Math.Min(count, 1024));
        for (var i = 0; i < count; i++)
        {
            remaining[i] = graph.Dependencies[i].Length;
            if (remaining[i] == 0)
            {
                ready.Enqueue(i, i);
            }
        }

        var order = new int[count];
        var placed = 0;
        while (ready.TryDequeue(out var step, out _))
        {
            order[placed++] = step;
            var level = levels[step] + 1;
            foreach (var dependent in graph.Dependents[step])
            {
                if (levels[dependent] < level)
                {
                    levels[dependent] = level;
                }

                if (--remaining[dependent] == 0)
                {
                    ready.Enqueue(dependent, dependent);
                }
            }
        }

        return placed == count ? order : null;
    }

    /// <summary>Builds the plan message from a topological order and the levels.</summary>
    public static ExecutionPlan BuildPlan(WorkflowGraph graph, int[] order, int[] levels)
    {
        var plan = new ExecutionPlan { StepCount = graph.Count, EdgeCount = graph.EdgeCount };
        var ids = graph.Ids;
        var topological = new string[order.Length];
        for (var i = 0; i < order.Length; i++)
        {
            topological[i] = ids[order[i]];
        }

        plan.TopologicalOrder.AddRange(topological);

        var depth = 0;
        for (var i = 0; i < levels.Length; i++)
        {
            depth = Math.Max(depth, levels[i] + 1);
        }

        var sizes = new int[depth];
        foreach (var level in levels)
        {
            sizes[level]++;
        }

        var perLevel = new string[depth][];
        for (var l = 0; l < depth; l++)
        {
            perLevel[l] = new string[sizes[l]];
            sizes[l] = 0;
        }

        // Indices ascend with ids, so filling in index order leaves every level sorted.
        for (var i = 0; i < levels.Length; i++)
        {
            perLevel[levels[i]][sizes[levels[i]]++] = ids[i];
        }

        var width = 0;
        foreach (var members in perLevel)
        {
            var level = new PlanLevel();
            level.StepIds.AddRange(members);
            plan.Levels.Add(level);
            width = Math.Max(width, members.Length);
        }

        plan.MaxWidth = width;
        plan.CriticalPath.AddRange(CriticalPathByCount(graph, order, levels));
        return plan;
    }

    /// <summary>The longest chain by step count, root to leaf; ties go to the smallest ids.</summary>
    public static IEnumerable<string> CriticalPathByCount(WorkflowGraph graph, int[] order, int[] levels)
    {
        if (order.Length == 0)
        {
            return [];
        }

        var end = 0;
        for (var i = 1; i < levels.Length; i++)
        {
            if (levels[i] > levels[end])
            {
                end = i;
            }
        }

        var path = new List<string>(levels[end] + 1);
        var step = end;
        while (true)
        {
            path.Add(graph.Ids[step]);
            if (levels[step] == 0)
            {
                break;
            }

            var previous = -1;
            foreach (var dependency in graph.Dependencies[step])
            {
                if (levels[dependency] == levels[step] - 1 && (previous < 0 || dependency < previous))
                {
                    previous = dependency;
                }
            }

            step = previous;
        }

        path.Reverse();
        return path;
    }

    /// <summary>
    /// The longest chain weighted by <paramref name="weights"/> (for example measured durations),
    /// with its total weight. Ties go to the smallest ids.
    /// </summary>
    public static (List<int> Path, double Weight) CriticalPathByWeight(WorkflowGraph graph, int[] order, double[] weights)
    {
        var best = new double[graph.Count];
        var previous = new int[graph.Count];
        var end = -1;
        foreach (var step in order)
        {
            var from = -1;
            var before = 0.0;
            foreach (var dependency in graph.Dependencies[step])
            {
                if (from < 0 || best[dependency] > before || (best[dependency] == before && dependency < from))
                {
                    from = dependency;
                    before = best[dependency];
                }
            }

            best[step] = before + weights[step];
            previous[step] = from;
            if (end < 0 || best[step] > best[end] || (best[step] == best[end] && step < end))
            {
                end = step;
            }
        }

        var path = new List<int>();
        for (var step = end; step >= 0; step = previous[step])
        {
            path.Add(step);
        }

        path.Reverse();
        return (path, end < 0 ? 0 : best[end]);
    }

    /// <summary>Names every cycle among the steps a topological sort could not place: one cycle per strongly connected component.</summary>
    public static List<List<int>> FindCycles(WorkflowGraph graph)
    {
        var count = graph.Count;
        var index = new int[count];
        var low = new int[count];
        var onStack = new bool[count];
        var component = new int[count];
        Array.Fill(index, -1);
        Array.Fill(component, -1);
        var stack = new Stack<int>();
        var calls = new Stack<(int Step, int Edge)>();
        var next = 0;
        var components = 0;
        var cycles = new List<List<int>>();

        for (var root = 0; root < count; root++)
        {
            if (index[root] >= 0)
            {
                continue;
            }

            calls.Push((root, 0));
            index[root] = low[root] = next++;
            stack.Push(root);
            onStack[root] = true;
            while (calls.Count > 0)
            {
                var (step, edge) = calls.Pop();
                var edges = graph.Dependents[step];
                if (edge < edges.Length)
                {
                    calls.Push((step, edge + 1));
                    var target = edges[edge];
                    if (index[target] < 0)
                    {
                        index[target] = low[target] = next++;
                        stack.Push(target);
                        onStack[target] = true;
                        calls.Push((target, 0));
                    }
                    else if (onStack[target])
                    {
                        low[step] = Math.Min(low[step], index[target]);
                    }

                    continue;
                }

                if (calls.Count > 0)
                {
                    var parent = calls.Peek().Step;
                    low[parent] = Math.Min(low[parent], low[step]);
                }

                if (low[step] == index[step])
                {
                    var members = new List<int>();
                    int member;
                    do
                    {
                        member = stack.Pop();
                        onStack[member] = false;
                        component[member] = components;
                        members.Add(member);
                    }
                    while (member != step);

                    if (members.Count > 1)
                    {
                        cycles.Add(ShortestCycle(graph, members.Min(), component, components));
                    }

                    components++;
                }
            }
        }

        cycles.Sort((a, b) => a[0].CompareTo(b[0]));
        return cycles;
    }

    private static List<int> ShortestCycle(WorkflowGraph graph, int start, int[] component, int id)
    {
        var parent = new Dictionary<int, int> { [start] = -1 };
        var queue = new Queue<int>();
        queue.Enqueue(start);
        while (queue.Count > 0)
        {
            var step = queue.Dequeue();
            foreach (var next in graph.Dependents[step])
            {
                if (component[next] != id)
                {
                    continue;
                }

                if (next == start)
                {
                    var path = new List<int>();
                    for (var s = step; s >= 0; s = parent[s])
                    {
                        path.Add(s);
                    }

                    path.Reverse();
                    path.Add(start);
                    return path;
                }

                if (parent.TryAdd(next, step))
                {
                    queue.Enqueue(next);
                }
            }
        }

        return [start, start];
    }
}
