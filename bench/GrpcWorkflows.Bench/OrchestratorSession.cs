using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Grpc.Net.Client;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Bench;

/// <summary>
/// One orchestrator process — or several replicas on one PostgreSQL schema, or a given address — and
/// clients to them, for one scenario on one store. Submissions are spread over the replicas in turn.
/// </summary>
internal sealed class OrchestratorSession : IAsyncDisposable
{
    private readonly IReadOnlyList<TestProcess> _processes;
    private readonly IReadOnlyList<GrpcChannel> _channels;
    private readonly IReadOnlyList<WorkflowService.WorkflowServiceClient> _clients;
    private readonly GrpcChannel _channel;

    private OrchestratorSession(IReadOnlyList<TestProcess> processes, IReadOnlyList<Uri> addresses)
    {
        _processes = processes;
        Address = addresses[0];
        _channels = [.. addresses.Select(address => GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = 256 * 1024 * 1024, MaxSendMessageSize = 64 * 1024 * 1024 }))];
        _clients = [.. _channels.Select(channel => new WorkflowService.WorkflowServiceClient(channel))];
        _channel = _channels[0];
        Client = _clients[0];
    }

    /// <summary>The first replica's address.</summary>
    public Uri Address { get; }

    /// <summary>A client of the first replica (any replica answers reads).</summary>
    public WorkflowService.WorkflowServiceClient Client { get; }

    /// <summary>
    /// Starts <paramref name="replicas"/> orchestrators on one store (more than one only on PostgreSQL, all on one
    /// schema); with <paramref name="executor"/> listed statically (push), or none (an executor connects to the first).
    /// </summary>
    public static async Task<OrchestratorSession> StartAsync(BenchSettings settings, string store, int replicas, Uri? executor, string dataFolder, string scenario, string? postgres)
    {
        if (settings.OrchestratorAddress is { } given)
        {
            return new OrchestratorSession([], [new Uri(given)]);
        }

        var schema = $"bench_{scenario.ToLowerInvariant()}_{Guid.NewGuid():N}";
        var processes = Enumerable.Range(0, replicas).Select(_ => StartProcess(settings, store, executor, dataFolder, scenario, postgres, schema)).ToList();
        var addresses = new List<Uri>();
        foreach (var process in processes)
        {
            addresses.Add(await process.WaitForListeningAsync());
        }

        return new OrchestratorSession(processes, addresses);
    }

    private static TestProcess StartProcess(BenchSettings settings, string store, Uri? executor, string dataFolder, string scenario, string? postgres, string schema)
    {
        var database = Path.Combine(dataFolder, $"{scenario}-{store}.db");
        return TestProcess.StartDotnet("GrpcWorkflows.Orchestrator",
        [
            "--urls", "http://127.0.0.1:0",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information",
            $"--Storage:Provider={Provider(store)}",
            $"--Storage:Sqlite:Path={database}",
            $"--Storage:Sqlite:Synchronous={(store == "sqlite-full" ? "FULL" : settings.SqliteSynchronous)}",
            // A fresh schema per scenario, as SQLite gets a fresh file. postgres-async: commits do not wait for the WAL flush.
            $"--Storage:Postgres:ConnectionString={postgres}{(store == "postgres-async" ? ";Options=-c synchronous_commit=off" : string.Empty)}",
            $"--Storage:Postgres:Schema={schema}",
            // Parallelism limits high enough that they are not what is measured.
            "--Engine:MaxParallelSteps=100000",
            "--Engine:MaxActiveExecutions=1000000",
            .. executor is null ? Array.Empty<string>() :
            [
                $"--Executors:Static:0:Endpoint={executor}",
                $"--Executors:Static:0:StepTypes:0={NoopExecutor.StepType}",
                // Replicas split it among themselves (each takes its share from the live replicas in the database).
                $"--Executors:Static:0:MaxConcurrency={settings.ExecutorCapacity}",
            ],
        ]);
    }

    /// <summary>The last lines each orchestrator process wrote (to show why a scenario failed).</summary>
    public string OutputTail(int lines) => string.Join("\n", _processes.SelectMany(process => process.Lines.TakeLast(lines)));

    /// <summary>Waits until an executor session is open on this orchestrator.</summary>
    public async Task WaitForSessionAsync()
    {
        var registry = new ExecutorRegistryService.ExecutorRegistryServiceClient(_channel);
        var deadline = Stopwatch.StartNew();
        while ((await registry.ListExecutorsAsync(new ListExecutorsRequest()).ResponseAsync).Executors.All(e => e.Source != ExecutorSource.Connected))
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(1))
            {
                throw new TimeoutException("No executor session opened within a minute.");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>The <c>Storage:Provider</c> of a store name: <c>sqlite-full</c> is SQLite with synchronous=FULL, <c>postgres-async</c> PostgreSQL with synchronous_commit=off.</summary>
    public static string Provider(string store) => store switch
    {
        "sqlite-full" => "sqlite",
        "postgres-async" => "postgres",
        _ => store,
    };

    /// <summary>
    /// Runs every scenario's shape at a small size, in rounds with an idle pause after each, so that
    /// the measured part runs on steady-state code: .NET compiles a hot method again (instrumented,
    /// then optimized) only after it has been called often enough and the background compiler has
    /// had a quiet moment, which a busy 2-core machine may not give it for seconds.
    /// </summary>
    public async Task WarmUpAsync(bool quick)
    {
        var rounds = quick ? 1 : 3;
        for (var round = 0; round < rounds; round++)
        {
            var definitions = Enumerable.Repeat(Workflows.Chain("warm-up", 3), quick ? 100 : 1000)
                .Concat(Enumerable.Repeat(Workflows.Chain("warm-up", 100), 20))
                .Concat(Enumerable.Repeat(Workflows.FanOutFanIn("warm-up", 200), 2));
            var (_, _) = await SubmitAllAsync(definitions, 32);
            await WaitForAllAsync(TimeSpan.FromMinutes(2));
            await Task.Delay(quick ? TimeSpan.Zero : TimeSpan.FromSeconds(1));
        }

        if (!quick)
        {
            await WaitUntilQuietAsync();
        }
    }

    /// <summary>
    /// Waits (up to <see cref="QuietTimeout"/>) until the orchestrator, given nothing to do, uses under 5% of a core over
    /// half a second: on a busy machine its background compiler may still be recompiling hot methods seconds after the
    /// warm-up rounds, and a profile of S1 showed that work as a quarter of the measured CPU per step. Returns how long it waited.
    /// </summary>
    private async Task WaitUntilQuietAsync()
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < QuietTimeout && CpuTime() is { } before)
        {
            await Task.Delay(QuietWindow);
            if (CpuTime() is not { } after || after - before < QuietWindow * 0.05)
            {
                break;
            }
        }

        WarmUpSettled = waited.Elapsed;
    }

    private static readonly TimeSpan QuietWindow = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan QuietTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long, after the warm-up rounds, the orchestrator took to fall quiet (see <see cref="WarmUpAsync"/>).</summary>
    public TimeSpan WarmUpSettled { get; private set; }

    /// <summary>Submits every definition with the given number of concurrent callers; returns the ids and the start time.</summary>
    public async Task<(List<string> Ids, DateTime Started)> SubmitAllAsync(IEnumerable<WorkflowDefinition> definitions, int concurrency)
    {
        var requests = definitions.Select(d => new SubmitWorkflowRequest { Definition = d }).ToList();
        var ids = new ConcurrentBag<string>();
        var started = DateTime.UtcNow;
        var turn = -1;
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (request, token) =>
        {
            var client = _clients[(int)((uint)Interlocked.Increment(ref turn) % _clients.Count)];
            var response = await client.SubmitWorkflowAsync(request, cancellationToken: token);
            ids.Add(response.ExecutionId);
        });
        return ([.. ids], started);
    }

    /// <summary>Waits until no execution is PENDING or RUNNING, with a deadline.</summary>
    public async Task WaitForAllAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        var query = new ListExecutionsRequest { PageSize = 1, States = { ExecutionState.Pending, ExecutionState.Running } };
        while ((await Client.ListExecutionsAsync(query)).Executions.Count > 0)
        {
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"Executions still running after {timeout}.");
            }

            // Rates come from the executions' recorded end times, not from when this loop notices,
            // so it polls slowly: each poll is work for the orchestrator being measured.
            await Task.Delay(250);
        }
    }

    public async Task<List<Execution>> GetAllAsync(IEnumerable<string> ids)
    {
        var executions = new ConcurrentBag<Execution>();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, token) =>
            executions.Add((await Client.GetExecutionAsync(new GetExecutionRequest { ExecutionId = id }, cancellationToken: token)).Execution));
        return [.. executions];
    }

    public async Task<List<ExecutionSummary>> ListAllAsync(string workflowId)
    {
        var all = new List<ExecutionSummary>();
        var request = new ListExecutionsRequest { PageSize = 1000, WorkflowId = workflowId };
        while (true)
        {
            var page = await Client.ListExecutionsAsync(request);
            all.AddRange(page.Executions);
            if (string.IsNullOrEmpty(page.NextPageToken))
            {
                return all;
            }

            request.PageToken = page.NextPageToken;
        }
    }

    /// <summary>The CPU time the orchestrator processes (every replica) have used so far, or null when they are not ours.</summary>
    public TimeSpan? CpuTime()
    {
        if (_processes.Count == 0)
        {
            return null;
        }

        var total = TimeSpan.Zero;
        foreach (var replica in _processes)
        {
            total += replica.TotalProcessorTime;
        }

        return total;
    }

    /// <summary>The largest peak resident set (VmHWM) of the orchestrator processes, or NaN when they are not ours.</summary>
    public double PeakRssMiB()
    {
        var peak = double.NaN;
        foreach (var process in _processes)
        {
            var line = File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            var kib = line is null ? double.NaN : double.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            peak = double.IsNaN(peak) ? kib / 1024 : Math.Max(peak, kib / 1024);
        }

        return peak;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        // Stopped together: a replica stopping alone would hand its (finished) work to the others.
        await Task.WhenAll(_processes.Select(process => process.StopAsync(TimeSpan.FromSeconds(10))));
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }
    }
}
