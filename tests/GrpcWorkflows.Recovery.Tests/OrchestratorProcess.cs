using GrpcWorkflows.Storage.Sqlite;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Recovery.Tests;

/// <summary>The orchestrator as a child process on a SQLite file, with the test executor configured statically.</summary>
internal sealed class OrchestratorProcess : IDisposable
{
    private readonly GrpcChannel _channel;

    private OrchestratorProcess(TestProcess process, GrpcChannel channel)
    {
        Process = process;
        _channel = channel;
        Client = new WorkflowService.WorkflowServiceClient(channel);
    }

    public TestProcess Process { get; }

    public WorkflowService.WorkflowServiceClient Client { get; }

    /// <summary>The orchestrator's grpc.health.v1 service.</summary>
    public Grpc.Health.V1.Health.HealthClient Health => new(_channel);

    /// <summary>Starts the test executor on <paramref name="port"/> (a free one by default), logging every delivery to <paramref name="deliveryLog"/>.</summary>
    public static TestProcess StartExecutor(string deliveryLog, int port = 0) => TestProcess.StartDotnet(
        "GrpcWorkflows.TestExecutor",
        ["--urls", $"http://127.0.0.1:{port}", "--log", deliveryLog, "--Executor:MaxConcurrency=64"]);

    /// <summary>Starts the orchestrator on a free port and <paramref name="databasePath"/>, and waits until it listens.</summary>
    public static async Task<OrchestratorProcess> StartAsync(string databasePath, Uri? executorUrl, params string[] extraArguments)
    {
        var process = Start(databasePath, executorUrl, extraArguments);
        try
        {
            var url = await process.WaitForListeningAsync(TimeSpan.FromSeconds(60));
            return new OrchestratorProcess(process, GrpcChannel.ForAddress(url));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts the orchestrator on a free port and <paramref name="databasePath"/> without waiting for it; with the
    /// executor at <paramref name="executorUrl"/> listed statically, or none (executors connect to it).
    /// </summary>
    public static TestProcess Start(string databasePath, Uri? executorUrl, params string[] extraArguments) => TestProcess.StartDotnet(
            "GrpcWorkflows.Orchestrator",
            [
                "--urls", "http://127.0.0.1:0",
                "--Storage:Provider=sqlite",
                $"--Storage:Sqlite:Path={databasePath}",
                .. executorUrl is null ? Array.Empty<string>() :
                [
                    $"--Executors:Static:0:Endpoint={executorUrl.ToString().TrimEnd('/')}",
                    "--Executors:Static:0:StepTypes:0=sleep",
                    "--Executors:Static:0:StepTypes:1=flaky",
                    "--Executors:Static:0:MaxConcurrency=64",
                ],
                .. extraArguments,
            ]);

    /// <summary>
    /// Starts the test executor in connect mode: it connects out to <paramref name="orchestrator"/> (no static listing);
    /// <paramref name="extraArguments"/> may change that (<c>--Executor:Mode=Push</c>: it registers its address instead).
    /// </summary>
    public static TestProcess StartConnectedExecutor(string deliveryLog, Uri orchestrator, params string[] extraArguments) => TestProcess.StartDotnet(
        "GrpcWorkflows.TestExecutor",
        [
            "--urls", "http://127.0.0.1:0", "--log", deliveryLog, "--Executor:MaxConcurrency=64",
            $"--Executor:OrchestratorAddress={orchestrator.ToString().TrimEnd('/')}",
            "--Executor:RegistrationRetryInitialDelay=00:00:00.1", "--Executor:RegistrationRetryMaxDelay=00:00:01",
            .. extraArguments,
        ]);

    /// <summary>The orchestrator's executor registry.</summary>
    public ExecutorRegistryService.ExecutorRegistryServiceClient Registry => new(_channel);

    /// <summary>Waits until <paramref name="count"/> executors are listed, registered (push) or connected.</summary>
    public Task WaitForExecutorsAsync(int count) => AsyncTestHelpers.WaitUntilAsync(
        async () => (await Registry.ListExecutorsAsync(new ListExecutorsRequest()).ResponseAsync.DefaultTimeout()).Executors.Count >= count,
        $"{count} executor(s) registered or connected");

    /// <summary>Waits until <paramref name="count"/> connected executors are listed.</summary>
    public Task WaitForSessionsAsync(int count) => AsyncTestHelpers.WaitUntilAsync(
        async () => (await Registry.ListExecutorsAsync(new ListExecutorsRequest()).ResponseAsync.DefaultTimeout()).Executors.Count(e => e.Source == ExecutorSource.Connected) >= count,
        $"{count} executor session(s) are open");

    /// <summary>The number of executions not finished yet.</summary>
    public async Task<int> CountActiveAsync()
    {
        var request = new ListExecutionsRequest { PageSize = 1000, States = { ExecutionState.Pending, ExecutionState.Running } };
        return (await Client.ListExecutionsAsync(request).ResponseAsync.DefaultTimeout()).Executions.Count;
    }

    /// <summary>A chain <c>s0 → s1 → …</c> of <paramref name="steps"/> <c>sleep</c> steps of <paramref name="milliseconds"/> each.</summary>
    public static WorkflowDefinition SleepChain(string workflowId, int steps, int milliseconds)
    {
        var definition = new WorkflowDefinition { Id = workflowId };
        for (var index = 0; index < steps; index++)
        {
            var step = new StepDefinition { Type = "sleep", Input = new Struct { Fields = { ["ms"] = Value.ForNumber(milliseconds) } } };
            if (index > 0)
            {
                step.DependsOn.Add($"s{index - 1}");
            }

            definition.Steps.Add($"s{index}", step);
        }

        return definition;
    }

    /// <summary>Counts, in the store at <paramref name="databasePath"/>, the steps recorded waiting for an executor, the failed attempts and the attempt starts.</summary>
    public static async Task<(int Waits, int FailedAttempts, int Sends)> CountEventsAsync(string databasePath, List<string> executionIds)
    {
        await using var store = new SqliteExecutionStore(new SqliteStoreOptions { Path = databasePath });
        var waits = 0;
        var failed = 0;
        var sends = 0;
        foreach (var executionId in executionIds)
        {
            await foreach (var @event in store.ReadEventsAsync(executionId, 1))
            {
                switch (@event.KindCase)
                {
                    case ExecutionEvent.KindOneofCase.AwaitingExecutor:
                        waits++;
                        break;
                    case ExecutionEvent.KindOneofCase.AttemptFailed:
                        failed++;
                        break;
                    case ExecutionEvent.KindOneofCase.AttemptStarted:
                        sends++;
                        break;
                }
            }
        }

        return (waits, failed, sends);
    }

    public void Dispose()
    {
        _channel.Dispose();
        Process.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
