using System.Runtime.CompilerServices;
using CsCheck;
using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Events;
using GrpcWorkflows.Engine.Tests.Infrastructure;
using GrpcWorkflows.V1;
using Xunit.Abstractions;

namespace GrpcWorkflows.Engine.Tests.Properties;

/// <summary>
/// Property tests over random DAGs run against a random failing, flaky and hanging dispatcher on a
/// fake clock: the properties issue 3 lists hold for every generated case.
/// </summary>
public sealed class EnginePropertyTests(ITestOutputHelper output)
{
    private const int InitialBackoffMs = 5;
    private const int MaxBackoffMs = 15;
    private const double Jitter = 0.5;
    private const int MaxAttempts = 3;
    private const int TimeoutMs = 50;
    private const double FaultShare = 0.2;

    /// <summary>What a step does: succeed, fail a few times then succeed (or run out), fail for good, or hang once.</summary>
    public enum Behaviour
    {
        Succeed,
        Flaky,
        Invalid,
        HangOnce,
    }

    /// <summary>A step's <c>when</c>: none, one over the input that holds or not, or one that holds when its first dependency succeeded.</summary>
    public enum When
    {
        None,
        InputTrue,
        InputFalse,
        FirstDependencySucceeded,
    }

    /// <summary>One random step; <c>Trigger</c> indexes <see cref="Triggers"/>, <c>Sleep</c> makes it a built-in sleep of <c>DurationMs</c>.</summary>
    /// <remarks><c>Items</c> ≥ 0 makes it a <c>for_each</c> over that many items of the workflow input, at most <c>ItemParallel</c> at once (0: no limit of its own).</remarks>
    public sealed record StepGene(int DependencyCount, int[] Picks, Behaviour Behaviour, int Failures, int DurationMs, bool ContinueOnFailure, When When = When.None, int Trigger = 0, bool Sleep = false, int Items = -1, int ItemParallel = 0)
    {
        public override string ToString() => $"{DependencyCount}/{string.Join(",", Picks)}/{Behaviour}/{Failures}/{DurationMs}/{ContinueOnFailure}/{When}/{Triggers[Trigger]}/{(Sleep ? "sleep" : Items >= 0 ? $"each{Items}x{ItemParallel}" : "exec")}";
    }

    private static readonly string[] Triggers = ["all_succeeded", "all_done", "none_failed", "one_succeeded"];

    public sealed record DagCase(StepGene[] Steps, int MaxParallel)
    {
        public override string ToString() => $"{Steps.Length} steps, max parallel {MaxParallel}: {string.Join(" ", Steps.Select((s, i) => $"[{i}:{s}]"))}";
    }

    private static readonly Gen<StepGene> StepGen = Gen.Select(
        Gen.Int[0, 3],
        Gen.Int[0, int.MaxValue].Array[3],
        Gen.Int[0, 99],
        Gen.Int[1, MaxAttempts],
        Gen.Int[1, 20],
        Gen.Int[0, 99],
        (count, picks, behaviour, failures, duration, cof) => new StepGene(
            count,
            picks,
            behaviour switch { < 70 => Behaviour.Succeed, < 85 => Behaviour.Flaky, < 93 => Behaviour.Invalid, _ => Behaviour.HangOnce },
            failures,
            duration,
            cof < 15));

    /// <summary>Steps of the language: conditions, trigger rules and sleeps mixed into the same random DAGs.</summary>
    /// <remarks>
    /// No condition over the first dependency with <c>one_succeeded</c>: such a step may run before
    /// that dependency ends, so the outcome would depend on timing, not on the semantics.
    /// </remarks>
    private static readonly Gen<StepGene> LanguageStepGen = Gen.Select(StepGen, Gen.Int[0, 99], Gen.Int[0, 99], Gen.Int[0, 99], (gene, when, trigger, sleep) => gene with
    {
        When = when switch { < 55 => When.None, < 70 => When.InputTrue, < 80 => When.InputFalse, _ when trigger >= 55 && trigger % 3 == 2 => When.None, _ => When.FirstDependencySucceeded },
        Trigger = trigger < 55 ? 0 : 1 + (trigger % 3),
        Sleep = sleep < 12,
    });

    /// <summary>The language's steps with a share of <c>for_each</c> steps (0 to 12 items, max_parallel 0 to 4).</summary>
    private static readonly Gen<StepGene> ForEachStepGen = Gen.Select(LanguageStepGen, Gen.Int[0, 99], Gen.Int[0, 12], Gen.Int[0, 4], (gene, share, items, parallel) =>
        gene.Sleep || share >= 30 ? gene : gene with { Items = items, ItemParallel = parallel });

    private static Gen<DagCase> ForEachCases(int minSteps, int maxSteps)
        => Gen.Int[minSteps, maxSteps].SelectMany(n => Gen.Select(ForEachStepGen.Array[n], Gen.Int[1, 64], (steps, parallel) => new DagCase(steps, parallel)));

    private static Gen<DagCase> Cases(int minSteps, int maxSteps)
        => Gen.Int[minSteps, maxSteps].SelectMany(n => Gen.Select(StepGen.Array[n], Gen.Int[1, 64], (steps, parallel) => new DagCase(steps, parallel)));

    private static Gen<DagCase> LanguageCases(int minSteps, int maxSteps)
        => Gen.Int[minSteps, maxSteps].SelectMany(n => Gen.Select(LanguageStepGen.Array[n], Gen.Int[1, 64], (steps, parallel) => new DagCase(steps, parallel)));

    [Fact]
    public Task RandomSmallDagsWithConditionsTriggersAndSleeps_EveryPropertyHolds()
        => LanguageCases(1, 150).SampleAsync(CheckAsync, iter: 40, threads: 1);

    [Fact]
    public Task RandomLargeDagsWithConditionsTriggersAndSleeps_EveryPropertyHolds()
        => LanguageCases(1000, 3000).SampleAsync(CheckAsync, iter: 2, threads: 1);

    [Fact]
    public Task RandomSmallDagsWithForEach_EveryPropertyHolds()
        => ForEachCases(1, 100).SampleAsync(CheckAsync, iter: 30, threads: 1);

    [Fact]
    public Task RandomLargeDagsWithForEach_EveryPropertyHolds()
        => ForEachCases(1000, 2000).SampleAsync(CheckAsync, iter: 1, threads: 1);

    [Fact]
    public Task RandomSmallDags_EveryPropertyHolds()
        => Cases(1, 150).SampleAsync(CheckAsync, iter: 40, threads: 1);

    [Fact]
    public Task RandomLargeDags_EveryPropertyHolds()
        => Cases(1000, 3000).SampleAsync(CheckAsync, iter: 3, threads: 1);

    /// <summary>
    /// The same properties with a store that fails a fifth of its creates, appends and reads (seeded:
    /// the seed is part of the reported case): nothing is lost, no step succeeds twice.
    /// </summary>
    [Fact]
    public async Task RandomSmallDags_StoreFailsAShareOfWritesAndReads_EveryPropertyHolds()
    {
        var faults = new StrongBox<int>();
        await Gen.Select(Cases(1, 150), Gen.Int, (c, seed) => (Case: c, FaultSeed: seed)).SampleAsync(t => CheckAsync(t.Case, t.FaultSeed, faults), iter: 30, threads: 1);
        output.WriteLine($"30 random DAGs, {faults.Value} injected store faults: 0 lost, 0 double successes");
        Assert.True(faults.Value > 100, $"only {faults.Value} faults were injected over the run");
    }

    private static string Id(int i) => $"s{i:0000}";

    private static int[] Dependencies(DagCase c, int i)
        => i == 0 ? [] : c.Steps[i].Picks.Take(c.Steps[i].DependencyCount).Select(p => p % i).Distinct().Order().ToArray();

    private static WorkflowDefinition Build(DagCase c)
    {
        var definition = new WorkflowDefinition
        {
            Id = "random",
            DefaultTimeout = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(TimeoutMs)),
            DefaultRetryPolicy = new RetryPolicy
            {
                MaxAttempts = MaxAttempts,
                InitialBackoff = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(InitialBackoffMs)),
                BackoffMultiplier = 2,
                MaxBackoff = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(MaxBackoffMs)),
                Jitter = Jitter,
            },
        };
        for (var i = 0; i < c.Steps.Length; i++)
        {
            var gene = c.Steps[i];
            var dependencies = Dependencies(c, i);
            var step = new StepDefinition { Type = i % 3 == 0 ? "cpu" : "io", ContinueOnFailure = gene.ContinueOnFailure, Trigger = gene.Trigger == 0 ? string.Empty : Triggers[gene.Trigger] };
            if (gene.Sleep)
            {
                step.Type = string.Empty;
                step.Sleep = new SleepStep { Duration = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(gene.DurationMs)) };
            }

            step.When = gene.When switch
            {
                When.InputTrue => "workflow.input.on == true",
                When.InputFalse => "workflow.input.off == true",
                When.FirstDependencySucceeded when dependencies.Length > 0 => $"steps.{Id(dependencies[0])}.output.step == '{Id(dependencies[0])}'",
                _ => string.Empty,
            };
            if (gene.Items >= 0)
            {
                step.ForEach = new ForEach { Items = $"{{{{ workflow.input.lists.{Id(i)} }}}}", MaxParallel = gene.ItemParallel };
                step.Input = Struct.Parser.ParseJson("""{"item": "{{ item }}", "index": "{{ item_index }}"}""");
            }

            step.DependsOn.AddRange(dependencies.Select(Id));
            definition.Steps.Add(Id(i), step);
        }

        return definition;
    }

    private static AttemptScript Script(DagCase c, ExecuteStepRequest request)
    {
        var gene = c.Steps[int.Parse(request.StepId.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture)];
        return gene.Behaviour switch
        {
            Behaviour.Flaky when request.Attempt <= gene.Failures => AttemptScript.Fail(gene.DurationMs, "UNAVAILABLE"),
            Behaviour.Invalid => AttemptScript.Fail(gene.DurationMs, "INVALID_ARGUMENT", retryable: true),
            Behaviour.HangOnce when request.Attempt == 1 => AttemptScript.Hang(),
            _ when request.HasItem => AttemptScript.Succeed(gene.DurationMs, new Struct { Fields = { ["item"] = request.Input.Fields["item"], ["index"] = Value.ForNumber(request.Item) } }),
            _ => AttemptScript.Succeed(gene.DurationMs, new Struct { Fields = { ["step"] = Value.ForString(request.StepId) } }),
        };
    }

    /// <summary>Submits as a client does while the store fails: again, with the same idempotency key, until acknowledged.</summary>
    private static async Task<string> SubmitUntilAcceptedAsync(EngineHarness h, WorkflowDefinition definition, DagCase c)
    {
        var input = Struct.Parser.ParseJson("""{"on": true, "off": false}""");
        var lists = new Struct();
        for (var i = 0; i < c.Steps.Length; i++)
        {
            if (c.Steps[i].Items >= 0)
            {
                lists.Fields[Id(i)] = Value.ForList([.. Enumerable.Range(0, c.Steps[i].Items).Select(k => Value.ForString($"{Id(i)}-{k}"))]);
            }
        }

        input.Fields["lists"] = Value.ForStruct(lists);
        var request = new GrpcWorkflows.Engine.Commands.SubmitExecution(definition, input, "property");
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return (await h.Engine.SubmitAsync(request).WaitAsync(TimeSpan.FromSeconds(30))).ExecutionId;
            }
            catch (GrpcWorkflows.Engine.Storage.StoreUnavailableException) when (attempt < 50)
            {
            }
        }
    }

    /// <summary>
    /// The final state the semantics promise: the trigger rule over the dependencies' outcomes
    /// (the default: run when every dependency succeeded or failed with continue_on_failure), then
    /// the condition; a step that runs ends as its behaviour says (a sleep succeeds).
    /// </summary>
    private static StepState[] Expected(DagCase c)
    {
        var states = new StepState[c.Steps.Length];
        for (var i = 0; i < c.Steps.Length; i++)
        {
            var dependencies = Dependencies(c, i);
            bool Satisfied(int d) => states[d] == StepState.Succeeded || (states[d] == StepState.Failed && c.Steps[d].ContinueOnFailure);
            bool FailedHard(int d) => states[d] == StepState.Failed && !c.Steps[d].ContinueOnFailure;
            var gene = c.Steps[i];
            var runs = dependencies.Length == 0 || Triggers[gene.Trigger] switch
            {
                "all_done" => true,
                "none_failed" => !dependencies.Any(FailedHard),
                "one_succeeded" => dependencies.Any(Satisfied),
                _ => dependencies.All(Satisfied),
            };
            var holds = gene.When switch
            {
                When.InputFalse => false,
                // An executor's output carries "step"; a sleep's output is empty; a for_each's is {"items": [...]}.
                When.FirstDependencySucceeded when dependencies.Length > 0 => states[dependencies[0]] == StepState.Succeeded && !c.Steps[dependencies[0]].Sleep && c.Steps[dependencies[0]].Items < 0,
                _ => true,
            };
            states[i] = !runs || !holds ? StepState.Skipped
                : gene.Sleep || gene.Items == 0 ? StepState.Succeeded
                : gene.Behaviour == Behaviour.Invalid || (gene.Behaviour == Behaviour.Flaky && gene.Failures >= MaxAttempts) ? StepState.Failed
                : StepState.Succeeded;
        }

        return states;
    }

    private static async Task CheckAsync(DagCase c) => await CheckAsync(c, faultSeed: null, injected: null);

    private static async Task CheckAsync(DagCase c, int? faultSeed, StrongBox<int>? injected)
    {
        FaultyExecutionStore? faulty = null;
        await using var h = new EngineHarness(
            r => Script(c, r),
            o => o.MaxParallelSteps = c.MaxParallel,
            wrapStore: faultSeed is { } seed ? s => faulty = new FaultyExecutionStore(s, seed, FaultShare, FaultShare) : null);
        var starting = h.Engine.StartAsync();
        await h.RunUntilAsync(() => starting.IsCompleted);
        await starting.WaitAsync(TimeSpan.FromSeconds(30));
        var id = await SubmitUntilAcceptedAsync(h, Build(c), c);
        await h.RunUntilIdleAsync();
        if (faulty is not null)
        {
            // What follows reads through the engine: check the outcome, not the injected read faults.
            faulty.Enabled = false;
            Interlocked.Add(ref injected!.Value, faulty.WriteFaults + faulty.ReadFaults);
        }

        var events = await h.EventsAsync(id);
        var execution = await h.GetAsync(id);
        var expected = Expected(c);

        // The log is gap-free, and replaying it gives exactly the live state.
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        execution.Figures = null;
        Assert.Equal(execution, ExecutionStateFold.Replay(events));

        // No step begins (an attempt, or a sleep) before its trigger rule allows: by default after all
        // its dependencies succeeded (or failed with continue_on_failure); all_done and none_failed
        // after all ended; one_succeeded after one succeeded.
        var released = new Dictionary<string, long>();
        var ended = new Dictionary<string, long>();
        foreach (var e in events)
        {
            if (e.StepSucceeded is { } ok)
            {
                released[ok.StepId] = ended[ok.StepId] = e.Sequence;
            }
            else if (e.StepFailed is { } stepFailed)
            {
                ended[stepFailed.StepId] = e.Sequence;
                if (stepFailed.Continued)
                {
                    released[stepFailed.StepId] = e.Sequence;
                }
            }
            else if (e.StepSkipped is { } skipped)
            {
                ended[skipped.StepId] = e.Sequence;
            }
            else if ((e.AttemptStarted?.StepId ?? e.StepSuspended?.StepId) is { } began)
            {
                var index = int.Parse(began.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);
                var dependencies = Dependencies(c, index);
                bool Before(Dictionary<string, long> map, int d) => map.TryGetValue(Id(d), out var at) && at < e.Sequence;
                switch (Triggers[c.Steps[index].Trigger])
                {
                    case "one_succeeded" when dependencies.Length > 0:
                        Assert.True(dependencies.Any(d => Before(released, d)), $"{began} began before one of its dependencies succeeded");
                        break;
                    case "all_done" or "none_failed":
                        Assert.All(dependencies, d => Assert.True(Before(ended, d), $"{began} began before {Id(d)} ended"));
                        break;
                    default:
                        Assert.All(dependencies, d => Assert.True(Before(released, d), $"{began} began before {Id(d)} was done"));
                        break;
                }
            }
        }

        foreach (var request in h.Dispatcher.Requests)
        {
            var index = int.Parse(request.StepId.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(Dependencies(c, index).Select(Id), request.Dependencies.Keys.Order());
        }

        // Every step ends where the semantics say: success paths succeed exactly once, and a failure
        // skips exactly the descendants that lack a continue_on_failure path.
        var actual = execution.Steps.OrderBy(s => s.StepId, StringComparer.Ordinal).ToList();
        var wrong = Enumerable.Range(0, expected.Length).Where(i => actual[i].State != expected[i]).Select(i => $"{Id(i)}: expected {expected[i]}, was {actual[i].State} ({actual[i].Reason}{actual[i].Error?.Message})");
        Assert.True(wrong.ToList() is [], string.Join("; ", wrong));
        Assert.All(events.Where(e => e.StepSucceeded is not null).GroupBy(e => e.StepSucceeded.StepId), g => Assert.Single(g));
        var failed = Enumerable.Range(0, c.Steps.Length).Any(i => expected[i] == StepState.Failed && !c.Steps[i].ContinueOnFailure);
        Assert.Equal(failed ? ExecutionState.Failed : ExecutionState.Succeeded, execution.State);

        // The concurrency limit is never exceeded.
        Assert.InRange(h.Dispatcher.MaxInFlight, 0, c.MaxParallel);

        CheckItems(c, events, execution, h.Dispatcher.Requests);

        // Backoff delays follow the policy, and the next attempt waits for them.
        var byStep = events.Where(e => e.AttemptStarted is not null || e.AttemptFailed is not null)
            .GroupBy(e => e.AttemptStarted is { } started ? (started.StepId, started.HasItem ? started.Item : -1) : (e.AttemptFailed.StepId, e.AttemptFailed.HasItem ? e.AttemptFailed.Item : -1));
        foreach (var step in byStep)
        {
            var list = step.ToList();
            for (var k = 0; k < list.Count; k++)
            {
                if (list[k].AttemptFailed is not { WillRetry: true } failure)
                {
                    continue;
                }

                var baseDelay = Math.Min(InitialBackoffMs * Math.Pow(2, failure.Attempt - 1), MaxBackoffMs);
                var delay = failure.RetryDelay.ToTimeSpan().TotalMilliseconds;
                Assert.InRange(delay, (baseDelay * (1 - Jitter)) - 0.001, baseDelay + 0.001);
                if (k + 1 == list.Count && step.Key.Item2 >= 0)
                {
                    // An item waiting for its retry when another item failed the step: it never runs again.
                    continue;
                }

                var next = list[k + 1];
                Assert.Equal(failure.Attempt + 1, next.AttemptStarted.Attempt);
                // Never earlier than the delay; later when every slot is taken at the due time.
                Assert.True((next.Time.ToDateTimeOffset() - list[k].Time.ToDateTimeOffset()).TotalMilliseconds >= delay, $"{step.Key} attempt {next.AttemptStarted.Attempt} started before its backoff of {delay} ms");
            }
        }
    }

    /// <summary>
    /// The <c>for_each</c> properties: each item gets the item it runs in its input; no item succeeds
    /// twice; a succeeded step succeeded every item exactly once and lists their outputs in item
    /// order; no step ever has more than its <c>max_parallel</c> items in flight.
    /// </summary>
    private static void CheckItems(DagCase c, List<ExecutionEvent> events, Execution execution, IEnumerable<ExecuteStepRequest> requests)
    {
        foreach (var request in requests.Where(r => r.HasItem))
        {
            Assert.Equal($"{request.StepId}-{request.Item}", request.Input.Fields["item"].StringValue);
            Assert.Equal(request.Item, request.Input.Fields["index"].NumberValue);
        }

        Assert.All(events.Where(e => e.ItemSucceeded is not null).GroupBy(e => (e.ItemSucceeded.StepId, e.ItemSucceeded.Item)), g => Assert.Single(g));
        for (var i = 0; i < c.Steps.Length; i++)
        {
            var gene = c.Steps[i];
            if (gene.Items < 0)
            {
                continue;
            }

            var id = Id(i);
            var step = execution.Steps.Single(s => s.StepId == id);
            if (step.State == StepState.Succeeded)
            {
                Assert.Equal(Enumerable.Range(0, gene.Items), events.Where(e => e.ItemSucceeded?.StepId == id).Select(e => e.ItemSucceeded.Item).Order());
                var outputs = step.Output.Fields["items"].ListValue.Values;
                Assert.Equal(Enumerable.Range(0, gene.Items).Select(k => $"{id}-{k}"), outputs.Select(o => o.StructValue.Fields["item"].StringValue));
            }

            var inFlight = 0;
            var max = 0;
            foreach (var e in events)
            {
                if (e.AttemptStarted is { HasItem: true } started && started.StepId == id)
                {
                    max = Math.Max(max, ++inFlight);
                }
                else if ((e.AttemptFailed is { HasItem: true } failed && failed.StepId == id) || e.ItemSucceeded?.StepId == id)
                {
                    inFlight--;
                }
            }

            Assert.InRange(max, 0, gene.ItemParallel == 0 ? int.MaxValue : gene.ItemParallel);
        }
    }
}
