using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Grpc.Net.Client;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Bench;

/// <summary>One orchestrator process (or a given address) and a client to it, for one scenario on one store.</summary>
internal sealed class OrchestratorSession : IAsyncDisposable
{
    private readonly TestProcess? _process;
    private readonly GrpcChannel _channel;

    private OrchestratorSession(TestProcess? process, Uri address)
    {
        _process = process;
        Address = address;
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = 256 * 1024 * 1024, MaxSendMessageSize = 64 * 1024 * 1024 });
        Client = new WorkflowService.WorkflowServiceClient(_channel);
    }

    public Uri Address { get; }

    public WorkflowService.WorkflowServiceClient Client { get; }

    /// <summary>Starts an orchestrator; with <paramref name="executor"/> listed statically (push), or none (an executor connects to it).</summary>
    public static async Task<OrchestratorSession> StartAsync(BenchSettings settings, string store, Uri? executor, string dataFolder, string scenario, string? postgres)
    {
        if (settings.OrchestratorAddress is { } given)
        {
            return new OrchestratorSession(null, new Uri(given));
        }

        var database = Path.Combine(dataFolder, $"{scenario}-{store}.db");
        var process = TestProcess.StartDotnet("GrpcWorkflows.Orchestrator",
        [
            "--urls", "http://127.0.0.1:0",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information",
            $"--Storage:Provider={Provider(store)}",
            $"--Storage:Sqlite:Path={database}",
            $"--Storage:Sqlite:Synchronous={(store == "sqlite-full" ? "FULL" : settings.SqliteSynchronous)}",
            // A fresh schema per scenario, as SQLite gets a fresh file. postgres-async: commits do not wait for the WAL flush.
            $"--Storage:Postgres:ConnectionString={postgres}{(store == "postgres-async" ? ";Options=-c synchronous_commit=off" : string.Empty)}",
            $"--Storage:Postgres:Schema=bench_{scenario.ToLowerInvariant()}_{Guid.NewGuid():N}",
            // Parallelism limits high enough that they are not what is measured.
            "--Engine:MaxParallelSteps=100000",
            "--Engine:MaxActiveExecutions=1000000",
            .. executor is null ? Array.Empty<string>() :
            [
                $"--Executors:Static:0:Endpoint={executor}",
                $"--Executors:Static:0:StepTypes:0={NoopExecutor.StepType}",
                $"--Executors:Static:0:MaxConcurrency={settings.ExecutorCapacity}",
            ],
        ]);
        var address = await process.WaitForListeningAsync();
        return new OrchestratorSession(process, address);
    }

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
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (request, token) =>
        {
            var response = await Client.SubmitWorkflowAsync(request, cancellationToken: token);
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

    /// <summary>The CPU time the orchestrator process has used so far, or null when it is not ours.</summary>
    public TimeSpan? CpuTime()
    {
        if (_process is null)
        {
            return null;
        }

        using var process = Process.GetProcessById(_process.Id);
        return process.TotalProcessorTime;
    }

    /// <summary>The orchestrator process's peak resident set (VmHWM), or NaN when it is not ours.</summary>
    public double PeakRssMiB()
    {
        if (_process is null)
        {
            return double.NaN;
        }

        var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        var kib = line is null ? double.NaN : double.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return kib / 1024;
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        if (_process is not null)
        {
            await _process.StopAsync(TimeSpan.FromSeconds(10));
            await _process.DisposeAsync();
        }
    }
}
