using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using GrpcWorkflows.Storage.Postgres.Local;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Bench;

/// <summary>
/// Starts the no-op executor and, per store and scenario, a fresh orchestrator (separate
/// processes on free loopback ports), then drives the scenarios and measures them.
/// </summary>
internal sealed class BenchRunner(BenchSettings settings) : IAsyncDisposable
{
    private static readonly TimeSpan CompletionTimeout = TimeSpan.FromMinutes(15);
    private static readonly string[] WorkflowScenarios = ["S1", "S2", "S3", "S4"];
    private readonly List<BenchResult> _results = [];
    private readonly Dictionary<int, double> _rawRates = [];
    private readonly string _dataFolder = Directory.CreateTempSubdirectory("gwf-bench-").FullName;
    private TestProcess? _executorProcess;
    private TestProcess? _scenarioExecutor;
    private string _mode = "-";
    private Uri? _executorUri;
    private ThrowawayPostgresServer? _postgresServer;
    private string? _postgres;

    public async Task<IReadOnlyList<BenchResult>> RunAsync()
    {
        _executorUri = settings.ExecutorAddress is { } given ? new Uri(given) : await StartExecutorAsync();
        Console.Error.WriteLine($"no-op executor at {_executorUri}");

        if (settings.Scenarios.Contains("S0"))
        {
            await RunRawAsync();
        }

        if (settings.OrchestratorAddress is null && settings.Stores.Any(store => OrchestratorSession.Provider(store) == "postgres"))
        {
            _postgres = settings.PostgresConnectionString;
            if (_postgres is null)
            {
                _postgresServer = await ThrowawayPostgresServer.StartAsync(durable: true);
                _postgres = _postgresServer.ConnectionString;
                Console.Error.WriteLine($"throwaway PostgreSQL at 127.0.0.1:{_postgresServer.Port} ({_postgresServer.DataDirectory})");
            }
        }

        var stores = settings.OrchestratorAddress is null ? settings.Stores : ["external"];
        var modes = settings.OrchestratorAddress is null ? settings.Modes : ["push"];
        foreach (var (store, replicas) in stores.SelectMany(ReplicaCounts))
        {
            foreach (var scenario in WorkflowScenarios.Where(settings.Scenarios.Contains))
            {
                foreach (var mode in modes.Where(mode => replicas == 1 || mode == "push"))
                {
                    _mode = mode;
                    var connect = mode == "connect";
                    await using var orchestrator = await OrchestratorSession.StartAsync(settings, store, replicas, connect ? null : _executorUri, _dataFolder, scenario, _postgres);
                    await using var session = connect ? await StartConnectedExecutorAsync(orchestrator) : null;
                    _scenarioExecutor = session ?? _executorProcess;
                    Console.Error.WriteLine($"{scenario} on {store} ({mode}): orchestrator at {orchestrator.Address}");
                    await orchestrator.WarmUpAsync(settings.Quick);
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  warmed up; quiet {orchestrator.WarmUpSettled.TotalSeconds:N1} s after the last round"));
                    var label = replicas == 1 ? store : $"{store} x{replicas}";
                    var runs = new List<BenchResult>();
                    for (var run = 0; run < settings.Repeat; run++)
                    {
                        runs.Add(await RunScenarioAsync(orchestrator, scenario, store, label));
                    }

                    var result = Median(runs);
                    _results.Add(result);
                }
            }
        }

        if (settings.PeerScript is { } script)
        {
            foreach (var scenario in WorkflowScenarios.Where(s => s != "S4" && settings.Scenarios.Contains(s)))
            {
                var runs = new List<BenchResult>();
                for (var run = 0; run < settings.Repeat; run++)
                {
                    if (await PeerRun.RunAsync(script, scenario) is { } peer)
                    {
                        runs.Add(peer);
                        Console.Error.WriteLine($"{scenario} on {peer.Store}: {peer.Rate:N0} steps/s");
                    }
                }

                if (runs.Count > 0)
                {
                    _results.Add(Median(runs));
                }
            }
        }

        return _results;
    }

    /// <summary>The replica counts a store runs with: <see cref="BenchSettings.Replicas"/> on PostgreSQL, one elsewhere.</summary>
    private IEnumerable<(string Store, int Replicas)> ReplicaCounts(string store)
        => OrchestratorSession.Provider(store) == "postgres" && settings.OrchestratorAddress is null
            ? settings.Replicas.Select(count => (store, count))
            : [(store, 1)];

    /// <summary>One run of a scenario on a warmed-up orchestrator, with the database's figures over it on PostgreSQL.</summary>
    private async Task<BenchResult> RunScenarioAsync(OrchestratorSession orchestrator, string scenario, string store, string label)
    {
        var probe = OrchestratorSession.Provider(store) == "postgres" && _postgres is not null ? new PostgresProbe(_postgres, _postgresServer) : null;
        var before = probe is null ? default : await probe.ReadAsync();
        BenchResult result;
        try
        {
            result = scenario switch
            {
                "S1" => await RunChainAsync(orchestrator, label),
                "S2" => await RunFanAsync(orchestrator, label),
                "S3" => await RunSmallAsync(orchestrator, label),
                _ => await RunDagAsync(orchestrator, label),
            };
        }
        catch (Exception e) when (e is Grpc.Core.RpcException or TimeoutException)
        {
            Console.Error.WriteLine($"{scenario} on {label} failed: {e.Message}\n{orchestrator.OutputTail(40)}");
            throw;
        }

        if (probe is not null)
        {
            result = result with { Notes = result.Notes + DatabaseNote(before, await probe.ReadAsync(), (int)Math.Round(result.Rate * result.WallSeconds)) };
        }

        Console.Error.WriteLine($"  {result.Rate:N0} {result.RateUnit}, wall {result.WallSeconds:N2} s");
        return result;
    }

    /// <summary>
    /// The run with the median rate (of an even count, the lower middle one), its notes listing every run's rate: a
    /// scenario of a tenth of a second (the peer sizes) moves by a factor of two or more between runs on a shared
    /// machine, so <c>--repeat</c> runs it several times in the sitting and reports the middle run, whole.
    /// </summary>
    private static BenchResult Median(List<BenchResult> runs)
    {
        if (runs.Count == 1)
        {
            return runs[0];
        }

        var median = runs.OrderBy(run => run.Rate).ElementAt((runs.Count - 1) / 2);
        var rates = string.Join(" / ", runs.Select(run => run.Rate.ToString("N0", CultureInfo.InvariantCulture)));
        var separator = median.Notes.Length > 0 ? "; " : string.Empty;
        return median with { Notes = $"{median.Notes}{separator}median of {runs.Count} runs ({rates} {median.RateUnit})" };
    }

    /// <summary>A no-op executor in connect mode, holding <see cref="BenchSettings.ExecutorCapacity"/> credits on <paramref name="orchestrator"/>.</summary>
    private async Task<TestProcess> StartConnectedExecutorAsync(OrchestratorSession orchestrator)
    {
        var process = TestProcess.StartDotnet(
            "GrpcWorkflows.Bench",
            ["executor", "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", $"--Executor:OrchestratorAddress={orchestrator.Address}", $"--Executor:MaxConcurrency={settings.ExecutorCapacity}"]);
        await orchestrator.WaitForSessionAsync();
        return process;
    }

    private async Task<Uri> StartExecutorAsync()
    {
        _executorProcess = TestProcess.StartDotnet(
            "GrpcWorkflows.Bench",
            ["executor", "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information"]);
        return await _executorProcess.WaitForListeningAsync();
    }

    /// <summary>S0: raw ExecuteStep calls through one plain GrpcChannel.</summary>
    private async Task RunRawAsync()
    {
        using var channel = GrpcChannel.ForAddress(_executorUri!);
        var client = new StepExecutorService.StepExecutorServiceClient(channel);
        var request = new ExecuteStepRequest { ExecutionId = "raw", StepId = "raw", StepType = NoopExecutor.StepType, Attempt = 1, Input = new Struct() };

        // Warm up the executor and the channel (a cold server is several times slower for its first seconds).
        await MeasureRawAsync(client, request, 20, settings.Quick ? TimeSpan.FromSeconds(0.5) : TimeSpan.FromSeconds(2));
        var runs = settings.RawConcurrency.ToDictionary(concurrency => concurrency, _ => new List<BenchResult>());
        for (var run = 0; run < settings.Repeat; run++)
        {
            foreach (var concurrency in settings.RawConcurrency)
            {
                var (count, elapsed, latencies) = await MeasureRawAsync(client, request, concurrency, settings.RawDuration);
                var rate = count / elapsed.TotalSeconds;
                var (p50, p99) = Stats.P50P99(latencies);
                runs[concurrency].Add(new BenchResult("S0", "-", "push", $"{settings.RawDuration.TotalSeconds:0.#} s", concurrency, rate, "calls/s", null, elapsed.TotalSeconds, p50, p99, "call latency", "raw ExecuteStep, one GrpcChannel"));
                Console.Error.WriteLine($"S0 c={concurrency}: {rate:N0} calls/s");
            }
        }

        foreach (var concurrency in settings.RawConcurrency)
        {
            var median = Median(runs[concurrency]);
            _rawRates[concurrency] = median.Rate;
            _results.Add(median);
        }
    }

    private static async Task<(long Count, TimeSpan Elapsed, List<double> Latencies)> MeasureRawAsync(
        StepExecutorService.StepExecutorServiceClient client, ExecuteStepRequest request, int concurrency, TimeSpan duration)
    {
        var bag = new ConcurrentBag<List<double>>();
        long count = 0;
        var stopwatch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            var local = new List<double>(4096);
            while (stopwatch.Elapsed < duration)
            {
                var start = Stopwatch.GetTimestamp();
                await client.ExecuteStepAsync(request);
                local.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }

            Interlocked.Add(ref count, local.Count);
            bag.Add(local);
        }));
        await Task.WhenAll(workers);
        var elapsed = stopwatch.Elapsed;
        return (count, elapsed, bag.SelectMany(l => l).ToList());
    }

    /// <summary>S1: 20 linear chains of N steps at once (<c>--chains</c>: at concurrency 1 the overhead has no queueing in it).</summary>
    private async Task<BenchResult> RunChainAsync(OrchestratorSession orchestrator, string store)
    {
        var definition = Workflows.Chain("s1-chain", settings.ChainLength);
        var cpu = CpuTime(orchestrator);
        var (ids, started) = await orchestrator.SubmitAllAsync(Enumerable.Repeat(definition, settings.ChainWorkflows), 64);
        await orchestrator.WaitForAllAsync(CompletionTimeout);
        var steps = settings.ChainWorkflows * settings.ChainLength;
        var cpuNote = CpuNote(orchestrator, cpu, steps);
        var executions = await orchestrator.GetAllAsync(ids);
        var wall = WallSeconds(started, executions);
        var (p50, p99) = Stats.P50P99(Overheads(executions));
        return Row("S1", store, $"{settings.ChainWorkflows}x chain N={settings.ChainLength}", settings.ChainWorkflows, steps / wall, "steps/s", wall, p50, p99, "per-step overhead", cpuNote + Failures(executions));
    }

    /// <summary>S2: 10 fan-out/fan-in workflows 1 → W → 1 at once.</summary>
    private async Task<BenchResult> RunFanAsync(OrchestratorSession orchestrator, string store)
    {
        var definition = Workflows.FanOutFanIn("s2-fan", settings.FanWidth);
        var cpu = CpuTime(orchestrator);
        var (ids, started) = await orchestrator.SubmitAllAsync(Enumerable.Repeat(definition, settings.FanWorkflows), 16);
        await orchestrator.WaitForAllAsync(CompletionTimeout);
        var steps = settings.FanWorkflows * (settings.FanWidth + 2);
        var cpuNote = CpuNote(orchestrator, cpu, steps);
        var executions = await orchestrator.GetAllAsync(ids);
        var wall = WallSeconds(started, executions);
        var (p50, p99) = Stats.P50P99(Overheads(executions));
        return Row("S2", store, $"{settings.FanWorkflows}x 1->{settings.FanWidth}->1", 100, steps / wall, "steps/s", wall, p50, p99, "per-step overhead", cpuNote + Failures(executions));
    }

    /// <summary>S3: M workflows a → b → c submitted at once.</summary>
    private async Task<BenchResult> RunSmallAsync(OrchestratorSession orchestrator, string store)
    {
        var definition = Workflows.Chain("s3-small", 3);
        var cpu = CpuTime(orchestrator);
        var (ids, started) = await orchestrator.SubmitAllAsync(Enumerable.Repeat(definition, settings.SmallWorkflows), 64);
        await orchestrator.WaitForAllAsync(CompletionTimeout);
        var cpuNote = CpuNote(orchestrator, cpu, settings.SmallWorkflows * 3);
        var submitted = ids.ToHashSet(StringComparer.Ordinal);
        var summaries = (await orchestrator.ListAllAsync("s3-small")).Where(s => submitted.Contains(s.ExecutionId)).ToList();
        var latencies = summaries.Select(s => (s.EndTime.ToDateTime() - s.CreateTime.ToDateTime()).TotalMilliseconds).ToList();
        var end = summaries.Max(s => s.EndTime.ToDateTime());
        var wall = (end - started).TotalSeconds;
        var (p50, p99) = Stats.P50P99(latencies);
        var failed = summaries.Count(s => s.State != ExecutionState.Succeeded);
        var notes = $"{ids.Count / wall:N0} workflows/s; {cpuNote}" + (failed > 0 ? $"; {failed} not succeeded" : string.Empty);
        return Row("S3", store, $"M={settings.SmallWorkflows} x 3 steps", 100, ids.Count * 3 / wall, "steps/s", wall, p50, p99, "workflow latency", notes);
    }

    /// <summary>S4: one random DAG of 10,000 steps with ~3 edges each.</summary>
    private async Task<BenchResult> RunDagAsync(OrchestratorSession orchestrator, string store)
    {
        var definition = Workflows.RandomDag("s4-dag", settings.DagSteps, settings.DagEdgesPerStep, seed: 42);
        var cpu = CpuTime(orchestrator);
        var (ids, started) = await orchestrator.SubmitAllAsync([definition], 1);
        await orchestrator.WaitForAllAsync(CompletionTimeout);
        var cpuNote = CpuNote(orchestrator, cpu, settings.DagSteps);
        var execution = (await orchestrator.GetAllAsync(ids))[0];
        var firstDispatch = execution.Steps.Where(s => s.Output is not null && s.Output.Fields.ContainsKey(NoopExecutor.ReceivedField))
            .Min(s => s.Output.Fields[NoopExecutor.ReceivedField].NumberValue);
        var submitToFirstMs = (firstDispatch - ToMicros(started)) / 1000.0;
        var wall = WallSeconds(started, [execution]);
        var rssMiB = orchestrator.PeakRssMiB();
        var notes = string.Create(CultureInfo.InvariantCulture, $"submit-to-first-dispatch {submitToFirstMs:N1} ms; orchestrator peak RSS {rssMiB:N0} MiB; {execution.Definition.Steps.Sum(s => s.Value.DependsOn.Count):N0} edges; {cpuNote}") + Failures([execution]);
        var (p50, p99) = Stats.P50P99(Overheads([execution]));
        return Row("S4", store, $"DAG {settings.DagSteps} steps", 100, settings.DagSteps / wall, "steps/s", wall, p50, p99, "per-step overhead", notes);
    }

    /// <summary>
    /// What the database did per step over the scenario (and the bench's own reads of the results, a few
    /// hundred transactions): transactions, each one round trip, and the server's CPU.
    /// </summary>
    private static string DatabaseNote((long Transactions, TimeSpan? Cpu) before, (long Transactions, TimeSpan? Cpu) after, int steps)
    {
        var note = string.Create(CultureInfo.InvariantCulture, $"; PostgreSQL {(double)(after.Transactions - before.Transactions) / steps:N2} transactions (round trips)/step");
        return after.Cpu is { } end && before.Cpu is { } start
            ? note + string.Create(CultureInfo.InvariantCulture, $", server CPU {(end - start).TotalMicroseconds / steps:N0} µs/step")
            : note;
    }

    /// <summary>The CPU time the orchestrator and the scenario's executor have used so far (null where they are not ours).</summary>
    private (TimeSpan? Orchestrator, TimeSpan? Executor) CpuTime(OrchestratorSession orchestrator)
        => (orchestrator.CpuTime(), _scenarioExecutor is { HasExited: false } executor ? executor.TotalProcessorTime : null);

    /// <summary>
    /// The orchestrator's and the executor's CPU time per step over the scenario: unlike rates, they barely move
    /// when other tenants of a shared machine take cores, so they are the figures to compare two builds by. The
    /// no-op executor shares the machine's cores with the orchestrator, so its CPU per step bounds the rate too.
    /// In push mode the executor's figure also holds its HTTP/2 server; in connect mode, its session.
    /// </summary>
    private string CpuNote(OrchestratorSession orchestrator, (TimeSpan? Orchestrator, TimeSpan? Executor) before, int steps)
    {
        var (orchestratorNow, executorNow) = CpuTime(orchestrator);
        var note = orchestratorNow is { } after && before.Orchestrator is { } start
            ? string.Create(CultureInfo.InvariantCulture, $"orchestrator CPU {(after - start).TotalMicroseconds / steps:N0} µs/step")
            : string.Empty;
        return executorNow is { } executorAfter && before.Executor is { } executorStart
            ? note + string.Create(CultureInfo.InvariantCulture, $"{(note.Length > 0 ? ", " : string.Empty)}executor CPU {(executorAfter - executorStart).TotalMicroseconds / steps:N0} µs/step")
            : note;
    }

    private BenchResult Row(string scenario, string store, string size, int concurrency, double rate, string unit, double wall, double p50, double p99, string latencyMeaning, string notes)
    {
        double? ratio = _rawRates.TryGetValue(concurrency, out var raw) ? rate / raw : null;
        return new BenchResult(scenario, store, _mode, size, concurrency, rate, unit, ratio, wall, p50, p99, latencyMeaning, notes);
    }

    /// <summary>
    /// Per-step overhead: READY → executor received the call, plus executor replied → success recorded.
    /// The executor's stamps and the orchestrator's event times are both UTC wall-clock on this machine.
    /// </summary>
    private static List<double> Overheads(IEnumerable<Execution> executions)
    {
        var overheads = new List<double>();
        foreach (var step in executions.SelectMany(e => e.Steps))
        {
            if (step.State != StepState.Succeeded || step.ReadyTime is null || step.EndTime is null || step.Output is null
                || !step.Output.Fields.TryGetValue(NoopExecutor.ReceivedField, out var received)
                || !step.Output.Fields.TryGetValue(NoopExecutor.SentField, out var sent))
            {
                continue;
            }

            var toExecutor = received.NumberValue - ToMicros(step.ReadyTime.ToDateTime());
            var fromExecutor = ToMicros(step.EndTime.ToDateTime()) - sent.NumberValue;
            overheads.Add((toExecutor + fromExecutor) / 1000.0);
        }

        return overheads;
    }

    private static double WallSeconds(DateTime started, IEnumerable<Execution> executions)
        => (executions.Max(e => e.EndTime?.ToDateTime() ?? DateTime.UtcNow) - started).TotalSeconds;

    private static string Failures(IReadOnlyCollection<Execution> executions)
    {
        var failed = executions.Count(e => e.State != ExecutionState.Succeeded);
        return failed == 0 ? string.Empty : $"; {failed} executions not succeeded";
    }

    private static double ToMicros(DateTime utc) => (utc - DateTime.UnixEpoch).Ticks / 10.0;

    public async ValueTask DisposeAsync()
    {
        if (_executorProcess is not null)
        {
            await _executorProcess.DisposeAsync();
        }

        if (_postgresServer is not null)
        {
            await _postgresServer.DisposeAsync();
        }

        try
        {
            Directory.Delete(_dataFolder, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}
