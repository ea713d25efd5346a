using CsCheck;
using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Tests.Infrastructure;
using GrpcWorkflows.V1;
using Xunit.Abstractions;

namespace GrpcWorkflows.Engine.Tests.Properties;

/// <summary>
/// Property tests of flow control on a fake clock: the per-key limit is never exceeded, cold keys
/// are served within a bound beside a hot key, aging bounds a low priority's wait, and a rate limit
/// never lets more through than its bucket allows over any window.
/// </summary>
public sealed class FlowControlPropertyTests(ITestOutputHelper output)
{
    /// <summary>One random DAG of steps spread over keys with random limits, run as several executions; steps fail and retry at random.</summary>
    public sealed record KeyedCase(int[][] Dependencies, int[] Keys, int[] Durations, bool[] Flaky, int[] Max, int Executions, int Parallel)
    {
        public override string ToString() => $"{Keys.Length} steps over {Max.Length} keys (max {string.Join(",", Max)}), {Executions} executions, parallel {Parallel}";
    }

    private static readonly Gen<KeyedCase> KeyedCases =
        from keyCount in Gen.Int[1, 4]
        from stepCount in Gen.Int[1, 40]
        from picks in Gen.Int[0, int.MaxValue].Array[3].Array[stepCount]
        from keys in Gen.Int[0, keyCount - 1].Array[stepCount]
        from durations in Gen.Int[1, 30].Array[stepCount]
        from flaky in Gen.Int[0, 99].Select(p => p < 20).Array[stepCount]
        from max in Gen.Int[1, 3].Array[keyCount]
        from executions in Gen.Int[1, 5]
        from parallel in Gen.Int[1, 20]
        select new KeyedCase(
            [.. Enumerable.Range(0, stepCount).Select(i => i == 0 ? [] : picks[i].Take(i % 3).Select(p => p % i).Distinct().ToArray())],
            keys, durations, flaky, max, executions, parallel);

    [Fact]
    public Task RandomDagsOverRandomKeys_PerKeyLimitIsNeverExceeded()
        => KeyedCases.SampleAsync(CheckKeyLimitAsync, iter: 40, threads: 1);

    private static async Task CheckKeyLimitAsync(KeyedCase c)
    {
        // The step type names the key, so that the dispatcher's per-type peak is the key's peak.
        await using var h = await EngineHarness.StartAsync(
            request =>
            {
                var i = int.Parse(request.StepId.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);
                return c.Flaky[i] && request.Attempt == 1 ? AttemptScript.Fail(c.Durations[i], "UNAVAILABLE") : AttemptScript.Succeed(c.Durations[i]);
            },
            o =>
            {
                o.MaxParallelSteps = c.Parallel;
                o.DefaultRetryPolicy.InitialBackoff = TimeSpan.FromMilliseconds(5);
                o.DefaultRetryPolicy.Jitter = 0;
            });
        var definition = new WorkflowDefinition { Id = "keyed" };
        for (var i = 0; i < c.Keys.Length; i++)
        {
            var step = new StepDefinition { Type = $"k{c.Keys[i]}", Concurrency = new ConcurrencyLimit { Key = $"k{c.Keys[i]}", Max = c.Max[c.Keys[i]] } };
            step.DependsOn.AddRange(c.Dependencies[i].Select(d => $"s{d}"));
            definition.Steps.Add($"s{i}", step);
        }

        var ids = new List<string>();
        for (var e = 0; e < c.Executions; e++)
        {
            ids.Add(await h.SubmitAsync(definition));
        }

        await h.RunUntilIdleAsync();
        for (var k = 0; k < c.Max.Length; k++)
        {
            Assert.True(h.Dispatcher.MaxInFlightOfType($"k{k}") <= c.Max[k], $"key k{k}: {h.Dispatcher.MaxInFlightOfType($"k{k}")} in flight, max {c.Max[k]}");
        }

        foreach (var id in ids)
        {
            Assert.Equal(ExecutionState.Succeeded, (await h.GetAsync(id)).State);
        }
    }

    /// <summary>
    /// One hot key with hundreds of queued steps and up to 50 cold keys with one each: a cold step
    /// starts within (ceil((cold + 1) / parallel) + 1) step durations of becoming READY (the queues take
    /// turns), where serving in arrival order would make it wait for every hot step.
    /// </summary>
    [Fact]
    public Task OneHotKeyAndManyColdKeys_ColdKeysLatencyIsBounded()
        => Gen.Select(Gen.Int[100, 300], Gen.Int[10, 50], Gen.Int[1, 4]).SampleAsync(async (hot, cold, parallel) =>
        {
            const int DurationMs = 10;
            await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Succeed(DurationMs), o => o.MaxParallelSteps = parallel);
            for (var i = 0; i < hot; i++)
            {
                await h.SubmitAsync(Single("hot", parallel));
            }

            var colds = new List<string>();
            for (var i = 0; i < cold; i++)
            {
                colds.Add(await h.SubmitAsync(Single($"cold-{i}", 1)));
            }

            await h.RunUntilIdleAsync();
            var bound = TimeSpan.FromMilliseconds((((cold + 1 + parallel - 1) / parallel) + 1) * DurationMs);
            var worst = TimeSpan.Zero;
            foreach (var id in colds)
            {
                var step = (await h.GetAsync(id)).Steps[0];
                var latency = step.StartTime.ToDateTimeOffset() - step.ReadyTime.ToDateTimeOffset();
                worst = latency > worst ? latency : worst;
            }

            output.WriteLine($"{hot} hot, {cold} cold, parallel {parallel}: worst cold latency {worst.TotalMilliseconds} ms (bound {bound.TotalMilliseconds} ms)");
            Assert.True(worst <= bound, $"a cold key waited {worst}; the bound is {bound} ({hot} hot steps would take {TimeSpan.FromMilliseconds(hot * DurationMs / parallel)} in arrival order)");
        }, iter: 8, threads: 1);

    /// <summary>
    /// Steps of random priorities arriving at random times in one queue served one at a time: whenever
    /// a step y starts while x waits, y arrived no later than x's arrival plus (p_y - p_x) aging intervals.
    /// A step of priority p is therefore never passed by a step arriving more than (p_max - p) intervals after it.
    /// </summary>
    [Fact]
    public Task RandomPrioritiesAndArrivals_AgingBoundsEveryWait()
        => Gen.Select(Gen.Int[-5, 5].Array[10, 60], Gen.Int[0, 40].Array[60]).SampleAsync(async (priorities, gaps) =>
        {
            const int AgingMs = 20;
            await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Succeed(7), o =>
            {
                o.MaxParallelSteps = 1;
                o.PriorityAgingInterval = TimeSpan.FromMilliseconds(AgingMs);
            });
            var ids = new List<(string Id, int Priority)>();
            for (var i = 0; i < priorities.Length; i++)
            {
                var definition = Single("lane", 1);
                definition.Priority = priorities[i];
                ids.Add((await h.SubmitAsync(definition), priorities[i]));
                for (var t = 0; t < gaps[i]; t++)
                {
                    h.Advance(TimeSpan.FromMilliseconds(1));
                }
            }

            await h.RunUntilIdleAsync();
            var steps = new List<(DateTimeOffset Ready, DateTimeOffset Start, int Priority)>();
            foreach (var (id, priority) in ids)
            {
                var step = (await h.GetAsync(id)).Steps[0];
                steps.Add((step.ReadyTime.ToDateTimeOffset(), step.StartTime.ToDateTimeOffset(), priority));
            }

            foreach (var x in steps)
            {
                foreach (var y in steps.Where(y => y.Start > x.Ready && y.Start < x.Start && y.Ready > x.Ready))
                {
                    var allowed = x.Ready + TimeSpan.FromMilliseconds((y.Priority - x.Priority) * AgingMs);
                    Assert.True(y.Ready <= allowed, $"a step of priority {y.Priority} that arrived at {y.Ready:HH:mm:ss.fff} passed one of priority {x.Priority} that arrived at {x.Ready:HH:mm:ss.fff}");
                }
            }
        }, iter: 20, threads: 1);

    /// <summary>
    /// A rate limit of N per period P: over any window of k periods at most (k + 1) × N attempts start
    /// (each refill period of the bucket holds at most N), and they wait rather than fail.
    /// </summary>
    [Fact]
    public Task RandomRateLimits_NeverExceededOverAnyWindow()
        => Gen.Select(Gen.Int[1, 5], Gen.Int[20, 300], Gen.Int[1, 40], Gen.Int[1, 15]).SampleAsync(async (limit, periodMs, count, durationMs) =>
        {
            await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Succeed(durationMs), o => o.MaxParallelSteps = 10);
            var definition = new WorkflowDefinition { Id = "rated" };
            for (var i = 0; i < count; i++)
            {
                definition.Steps.Add($"s{i}", new StepDefinition { Type = "work", RateLimit = new RateLimit { Key = "api", Limit = limit, Period = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(periodMs)) } });
            }

            var id = await h.SubmitAsync(definition);
            await h.RunUntilIdleAsync();
            var execution = await h.GetAsync(id);
            Assert.Equal(ExecutionState.Succeeded, execution.State);
            var starts = execution.Steps.Select(s => s.StartTime.ToDateTimeOffset()).Order().ToList();
            var period = TimeSpan.FromMilliseconds(periodMs);
            foreach (var t in starts)
            {
                for (var k = 1; k <= 3; k++)
                {
                    var inWindow = starts.Count(s => s >= t && s < t + (k * period));
                    Assert.True(inWindow <= (k + 1) * limit, $"{inWindow} starts in [{t:ss.fff}, +{k}×{period}) with a limit of {limit} per period");
                }
            }

            Assert.True(starts[^1] - starts[0] >= ((count + limit - 1) / limit - 1) * period, $"{count} starts over {starts[^1] - starts[0]} with {limit} per {period}");
        }, iter: 30, threads: 1);

    private static WorkflowDefinition Single(string key, int max)
        => new() { Id = "single", Steps = { ["a"] = new StepDefinition { Type = "work", Concurrency = new ConcurrencyLimit { Key = key, Max = max } } } };
}
