using System.Diagnostics;
using GrpcWorkflows.Engine;
using GrpcWorkflows.Engine.Bench;
using GrpcWorkflows.Engine.Commands;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Engine.Validation;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

// Usage: dotnet run -c Release --project bench/GrpcWorkflows.Engine.Bench [--quick]
var quick = args.Contains("--quick");
Console.WriteLine($"# GrpcWorkflows.Engine bench — {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
Console.WriteLine();

// 1. Validate + plan of random DAGs with ~3 edges per step.
Console.WriteLine("## Validate + plan (random DAG, ~3 edges/step)");
Console.WriteLine();
Console.WriteLine("| steps | edges | median time | allocated | target |");
Console.WriteLine("|---:|---:|---:|---:|---|");
foreach (var (steps, target) in quick ? [(1_000, "-")] : new[] { (10_000, "< 100 ms"), (100_000, "< 1 s") })
{
    var definition = RandomDag.Build(steps, 3, seed: 42);
    var options = new EngineOptions();
    options.Limits.MaxSteps = steps;
    options.Limits.MaxEdges = steps * 4;
    options.Limits.MaxDefinitionBytes = int.MaxValue;
    var validator = new WorkflowDefinitionValidator(options);
    var result = validator.Validate(definition);
    if (!result.IsValid)
    {
        throw new InvalidOperationException(result.Describe());
    }

    var times = new List<double>();
    long allocated = 0;
    for (var run = 0; run < 5; run++)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        result = validator.Validate(definition);
        times.Add(watch.Elapsed.TotalMilliseconds);
        allocated = GC.GetAllocatedBytesForCurrentThread() - before;
    }

    times.Sort();
    Console.WriteLine($"| {steps:N0} | {result.Plan!.EdgeCount:N0} | {times[times.Count / 2]:N1} ms | {allocated / 1024.0 / 1024.0:N1} MiB | {target} |");
}

Console.WriteLine();

// 2. Makespan: one slow branch per level, event-driven against level-by-level batching, on a virtual clock.
const int levels = 10;
const int width = 8;
var fast = TimeSpan.FromMilliseconds(10);
var slow = TimeSpan.FromMilliseconds(100);
var dag = Makespan.Build(levels, width, barrier: false);
var batched = Makespan.Build(levels, width, barrier: true);
var eventDriven = await Makespan.RunAsync(dag, fast, slow, width);
var levelByLevel = await Makespan.RunAsync(batched, fast, slow, width);
Console.WriteLine($"## Makespan ({levels} levels x {width} chains; step (l, j) depends on (l-1, j) and (l-1, j+1 mod width); the slow step of level l is chain l mod {width}: {slow.TotalMilliseconds} ms, others {fast.TotalMilliseconds} ms; virtual clock)");
Console.WriteLine();
Console.WriteLine("| scheduling | makespan | critical path (by measured duration) |");
Console.WriteLine("|---|---:|---:|");
Console.WriteLine($"| event-driven (engine) | {eventDriven.Makespan.TotalMilliseconds:N0} ms | {eventDriven.CriticalPath.TotalMilliseconds:N0} ms |");
Console.WriteLine($"| level-by-level (seed's batches, as barriers) | {levelByLevel.Makespan.TotalMilliseconds:N0} ms | {levelByLevel.CriticalPath.TotalMilliseconds:N0} ms |");
Console.WriteLine();
Console.WriteLine($"Ratio event-driven / level-by-level: {eventDriven.Makespan / levelByLevel.Makespan:N2}; event-driven / critical-path bound: {eventDriven.Makespan / eventDriven.CriticalPath:N2}.");
Console.WriteLine();

// 3. Engine throughput with an instant dispatcher and the in-memory store (the engine's own per-step cost).
var (chains, length) = quick ? (4, 100) : (20, 500);
var throughput = await Throughput.RunAsync(chains, length);
Console.WriteLine($"## Engine overhead: {chains} chains x {length} steps at once, instant in-process dispatcher, in-memory store, real clock");
Console.WriteLine();
Console.WriteLine($"{throughput.Steps:N0} steps in {throughput.Elapsed.TotalMilliseconds:N0} ms: {throughput.Steps / throughput.Elapsed.TotalSeconds:N0} steps/s, {throughput.Elapsed.TotalMilliseconds * 1000 / throughput.Steps * Environment.ProcessorCount:N1} CPU-µs per step at most; allocated {throughput.AllocatedBytes / (double)throughput.Steps:N0} bytes/step.");

// 4. A 10,000-step random DAG with conditions and trigger rules, against the same DAG without them.
var dagSteps = quick ? 1_000 : 10_000;
// Alternated and the best of three kept: the machine is shared, and one slow run says little.
(int Succeeded, int Skipped, TimeSpan Elapsed, TimeSpan Cpu) plain = default, triggered = default, conditional = default;
for (var round = 0; round < 3; round++)
{
    var p = await LanguageDag.RunAsync(dagSteps, conditions: false);
    var t = await LanguageDag.RunAsync(dagSteps, conditions: false, trigger: "none_failed");
    var c = await LanguageDag.RunAsync(dagSteps, conditions: true, trigger: "none_failed");
    plain = round == 0 || p.Elapsed < plain.Elapsed ? p : plain;
    triggered = round == 0 || t.Elapsed < triggered.Elapsed ? t : triggered;
    conditional = round == 0 || c.Elapsed < conditional.Elapsed ? c : conditional;
}

Console.WriteLine();
Console.WriteLine();
Console.WriteLine($"## Conditions: one execution of a {dagSteps:N0}-step random DAG (~3 edges/step), instant in-process dispatcher, in-memory store, real clock; best of 3 alternated runs");
Console.WriteLine();
Console.WriteLine("| variant | steps run | steps skipped | time | steps/s | process CPU-µs per step |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|");
foreach (var (name, r) in new[] { ("plain (no when, default trigger)", plain), ("every step `none_failed`, no when", triggered), ("every other step has a `when` (1 in 10 false), every step `none_failed`", conditional) })
{
    Console.WriteLine($"| {name} | {r.Succeeded:N0} | {r.Skipped:N0} | {r.Elapsed.TotalMilliseconds:N0} ms | {dagSteps / r.Elapsed.TotalSeconds:N0} | {r.Cpu.TotalMilliseconds * 1000 / dagSteps:N1} |");
}

// 5. Fan-out over data: one step over 10,000 items against 10,000 independent steps, same engine and dispatcher.
var itemCount = quick ? 1_000 : 10_000;
(int Units, TimeSpan Elapsed, TimeSpan Cpu, long Allocated) flat = default, fanned = default, fannedNarrow = default;
for (var round = 0; round < 3; round++)
{
    var f = await FanOut.RunAsync(itemCount, forEach: false, maxParallel: 0);
    var e = await FanOut.RunAsync(itemCount, forEach: true, maxParallel: 0);
    var n = await FanOut.RunAsync(itemCount, forEach: true, maxParallel: 100);
    flat = round == 0 || f.Elapsed < flat.Elapsed ? f : flat;
    fanned = round == 0 || e.Elapsed < fanned.Elapsed ? e : fanned;
    fannedNarrow = round == 0 || n.Elapsed < fannedNarrow.Elapsed ? n : fannedNarrow;
}

Console.WriteLine();
Console.WriteLine($"## Fan-out over data: one execution of {itemCount:N0} units, instant in-process dispatcher, in-memory store, real clock, engine MaxParallelSteps 1000; best of 3 alternated runs");
Console.WriteLine();
Console.WriteLine("| variant | units | time | units/s | process CPU-µs per unit | allocated per unit |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|");
foreach (var (name, r) in new[] { ("10,000 independent steps (no for_each)", flat), ("one `for_each` step over 10,000 items", fanned), ("one `for_each` step over 10,000 items, `max_parallel: 100`", fannedNarrow) })
{
    Console.WriteLine($"| {name} | {r.Units:N0} | {r.Elapsed.TotalMilliseconds:N0} ms | {r.Units / r.Elapsed.TotalSeconds:N0} | {r.Cpu.TotalMilliseconds * 1000 / r.Units:N1} | {r.Allocated / (double)r.Units:N0} B |");
}

namespace GrpcWorkflows.Engine.Bench
{
    /// <summary>One execution of <c>n</c> units: a step fanned out over <c>n</c> items, or <c>n</c> independent steps.</summary>
    internal static class FanOut
    {
        public static async Task<(int Units, TimeSpan Elapsed, TimeSpan Cpu, long Allocated)> RunAsync(int n, bool forEach, int maxParallel)
        {
            var definition = new WorkflowDefinition { Id = "fan-out" };
            var input = new Google.Protobuf.WellKnownTypes.Struct();
            if (forEach)
            {
                definition.Steps.Add("each", new StepDefinition
                {
                    Type = "work",
                    ForEach = new ForEach { Items = "{{ workflow.input.items }}", MaxParallel = maxParallel },
                    Input = Google.Protobuf.WellKnownTypes.Struct.Parser.ParseJson("""{"n": "{{ item }}"}"""),
                });
                input.Fields["items"] = Google.Protobuf.WellKnownTypes.Value.ForList([.. Enumerable.Range(0, n).Select(i => Google.Protobuf.WellKnownTypes.Value.ForNumber(i))]);
            }
            else
            {
                for (var i = 0; i < n; i++)
                {
                    definition.Steps.Add($"s{i}", new StepDefinition { Type = "work" });
                }
            }

            var run = await OneExecution.RunAsync(definition, input, n, edges: 0);
            if (run.Execution.State != ExecutionState.Succeeded)
            {
                throw new InvalidOperationException($"the fan-out ended {run.Execution.State}: {run.Execution.Error}");
            }

            return (n, run.Elapsed, run.Cpu, run.Allocated);
        }
    }

    /// <summary>Runs one execution to its end on a fresh engine (instant dispatcher, in-memory store, real clock) and measures it.</summary>
    internal static class OneExecution
    {
        public static async Task<(Execution Execution, TimeSpan Elapsed, TimeSpan Cpu, long Allocated)> RunAsync(WorkflowDefinition definition, Google.Protobuf.WellKnownTypes.Struct input, int steps, int edges)
        {
            var options = new EngineOptions { MaxParallelSteps = 1000 };
            options.Limits.MaxSteps = Math.Max(steps, options.Limits.MaxSteps);
            options.Limits.MaxEdges = Math.Max(edges, options.Limits.MaxEdges);
            options.Limits.MaxDefinitionBytes = int.MaxValue;
            await using var engine = new WorkflowEngine(new InMemoryExecutionStore(TimeProvider.System), new VirtualDispatcher(TimeProvider.System, _ => (TimeSpan.Zero, true)), Options.Create(options), TimeProvider.System, NullLoggerFactory.Instance, BenchMeters.Instance, new Random(42));
            await engine.StartAsync();
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var watch = Stopwatch.StartNew();
            var id = (await engine.SubmitAsync(new SubmitExecution(definition, input))).ExecutionId;
            while (engine.ActiveExecutionCount > 0)
            {
                await Task.Delay(1);
            }

            watch.Stop();
            process.Refresh();
            var used = process.TotalProcessorTime - cpu;
            var bytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            return ((await engine.GetExecutionAsync(id, ExecutionView.Summary))!, watch.Elapsed, used, bytes);
        }
    }

    /// <summary>One execution of a random DAG, with or without conditions and trigger rules.</summary>
    internal static class LanguageDag
    {
        public static async Task<(int Succeeded, int Skipped, TimeSpan Elapsed, TimeSpan Cpu)> RunAsync(int steps, bool conditions, string trigger = "")
        {
            var definition = RandomDag.Build(steps, 3, seed: 7);
            var i = 0;
            foreach (var step in definition.Steps.Values)
            {
                step.Trigger = trigger;
                if (conditions && i++ % 2 == 0)
                {
                    step.When = $"workflow.input.threshold != {i % 10} && size(workflow.input.tags) > 0";
                }
            }

            var input = Google.Protobuf.WellKnownTypes.Struct.Parser.ParseJson("""{"threshold": 3, "tags": ["a"]}""");
            var (execution, elapsed, cpu, _) = await OneExecution.RunAsync(definition, input, steps, steps * 4);
            return (execution.Steps.Count(s => s.State == StepState.Succeeded), execution.Steps.Count(s => s.State == StepState.Skipped), elapsed, cpu);
        }
    }

    /// <summary>Random DAGs: each step depends on up to <c>edges</c> earlier steps.</summary>
    internal static class RandomDag
    {
        public static WorkflowDefinition Build(int steps, int edges, int seed)
        {
            var random = new Random(seed);
            var definition = new WorkflowDefinition { Id = "random" };
            for (var i = 0; i < steps; i++)
            {
                var step = new StepDefinition { Type = "work" };
                if (i > 0)
                {
                    foreach (var d in Enumerable.Range(0, edges).Select(_ => random.Next(Math.Max(0, i - 1000), i)).Distinct())
                    {
                        step.DependsOn.Add($"s{d}");
                    }
                }

                definition.Steps.Add($"s{i}", step);
            }

            return definition;
        }
    }

    /// <summary>The makespan comparison.</summary>
    internal static class Makespan
    {
        public static WorkflowDefinition Build(int levels, int width, bool barrier)
        {
            var definition = new WorkflowDefinition { Id = barrier ? "level-by-level" : "event-driven" };
            for (var l = 0; l < levels; l++)
            {
                for (var j = 0; j < width; j++)
                {
                    var step = new StepDefinition { Type = "work" };
                    if (l > 0)
                    {
                        if (barrier)
                        {
                            step.DependsOn.AddRange(Enumerable.Range(0, width).Select(k => $"l{l - 1}_{k}"));
                        }
                        else
                        {
                            step.DependsOn.Add($"l{l - 1}_{j}");
                            step.DependsOn.Add($"l{l - 1}_{(j + 1) % width}");
                        }
                    }

                    definition.Steps.Add($"l{l}_{j}", step);
                }
            }

            return definition;
        }

        public static async Task<(TimeSpan Makespan, TimeSpan CriticalPath)> RunAsync(WorkflowDefinition definition, TimeSpan fast, TimeSpan slow, int width)
        {
            var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
            var dispatcher = new VirtualDispatcher(time, r =>
            {
                var parts = r.StepId[1..].Split('_');
                var level = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
                var chain = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
                return (chain == level % width ? slow : fast, true);
            });
            var options = new EngineOptions { MaxParallelSteps = 1000 };
            await using var engine = new WorkflowEngine(new InMemoryExecutionStore(time), dispatcher, Options.Create(options), time, NullLoggerFactory.Instance, BenchMeters.Instance, new Random(42));
            await engine.StartAsync();
            var id = (await engine.SubmitAsync(new SubmitExecution(definition))).ExecutionId;
            SynchronizationContext.SetSynchronizationContext(null);
            for (var tick = 0; engine.ActiveExecutionCount > 0 && tick < 1_000_000; tick++)
            {
                time.Advance(TimeSpan.FromMilliseconds(1));
            }

            var execution = (await engine.GetExecutionAsync(id))!;
            return (execution.Figures.TotalDuration.ToTimeSpan(), execution.Figures.CriticalPathDuration.ToTimeSpan());
        }
    }

    /// <summary>Chains of steps through the real engine with an instant dispatcher.</summary>
    internal static class Throughput
    {
        public static async Task<(int Steps, TimeSpan Elapsed, long AllocatedBytes)> RunAsync(int chains, int length)
        {
            var definition = new WorkflowDefinition { Id = "chain" };
            for (var i = 0; i < length; i++)
            {
                var step = new StepDefinition { Type = "noop" };
                if (i > 0)
                {
                    step.DependsOn.Add($"s{i - 1}");
                }

                definition.Steps.Add($"s{i}", step);
            }

            var options = new EngineOptions { MaxParallelSteps = 1000 };
            await using var engine = new WorkflowEngine(new InMemoryExecutionStore(TimeProvider.System), new VirtualDispatcher(TimeProvider.System, _ => (TimeSpan.Zero, true)), Options.Create(options), TimeProvider.System, NullLoggerFactory.Instance, BenchMeters.Instance, new Random(42));
            await engine.StartAsync();

            // Warm up.
            await engine.SubmitAsync(new SubmitExecution(definition));
            while (engine.ActiveExecutionCount > 0)
            {
                await Task.Delay(1);
            }

            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, chains).Select(_ => engine.SubmitAsync(new SubmitExecution(definition))));
            while (engine.ActiveExecutionCount > 0)
            {
                await Task.Delay(1);
            }

            watch.Stop();
            return (chains * length, watch.Elapsed, GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore);
        }
    }
}

namespace GrpcWorkflows.Engine.Bench
{
    /// <summary>The meters of the bench's engines (nobody listens).</summary>
    internal sealed class BenchMeters : System.Diagnostics.Metrics.IMeterFactory
    {
        public static readonly BenchMeters Instance = new();

        public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options) => new(options);

        public void Dispose()
        {
        }
    }
}
