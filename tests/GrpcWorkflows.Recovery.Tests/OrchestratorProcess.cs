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
    public static async Task<OrchestratorProcess> StartAsync(string databasePath, Uri executorUrl, params string[] extraArguments)
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

    /// <summary>Starts the orchestrator on a free port and <paramref name="databasePath"/> without waiting for it.</summary>
    public static TestProcess Start(string databasePath, Uri executorUrl, params string[] extraArguments) => TestProcess.StartDotnet(
            "GrpcWorkflows.Orchestrator",
            [
                "--urls", "http://127.0.0.1:0",
                "--Storage:Provider=sqlite",
                $"--Storage:Sqlite:Path={databasePath}",
                $"--Executors:Static:0:Endpoint={executorUrl.ToString().TrimEnd('/')}",
                "--Executors:Static:0:StepTypes:0=sleep",
                "--Executors:Static:0:StepTypes:1=flaky",
                "--Executors:Static:0:MaxConcurrency=64",
                .. extraArguments,
            ]);

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

    public void Dispose()
    {
        _channel.Dispose();
        Process.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
