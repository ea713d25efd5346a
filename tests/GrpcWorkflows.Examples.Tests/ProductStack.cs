using Grpc.Net.Client;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Examples.Tests;

/// <summary>
/// The product as a user runs it: the orchestrator on a real SQLite file, the four built-in
/// executors and the Node executor, each a separate process on a free loopback port, the
/// executors registering themselves with the orchestrator.
/// </summary>
internal sealed class ProductStack : IAsyncDisposable
{
    public static readonly string[] BuiltInTypes = ["input", "process", "ai", "output", "text_stats"];

    private readonly List<TestProcess> _processes = [];
    private readonly string _dataFolder = Directory.CreateTempSubdirectory("gwf-examples-").FullName;
    private GrpcChannel? _channel;

    private ProductStack()
    {
    }

    /// <summary>Where the output executor writes files.</summary>
    public string OutputRoot => Path.Combine(_dataFolder, "output");

    public WorkflowService.WorkflowServiceClient Workflows { get; private set; } = null!;

    public ExecutorRegistryService.ExecutorRegistryServiceClient Registry { get; private set; } = null!;

    public string Logs => string.Join("\n\n", _processes.Select(p => $"--- {p.Name}\n{p.Output}"));

    /// <summary>Starts everything; <paramref name="chatEndpoint"/> configures the ai executor's chat provider.</summary>
    public static async Task<ProductStack> StartAsync(Uri? chatEndpoint = null)
    {
        var stack = new ProductStack();
        try
        {
            await stack.StartCoreAsync(chatEndpoint);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(Uri? chatEndpoint)
    {
        Directory.CreateDirectory(OutputRoot);
        var orchestrator = Start(TestProcess.StartDotnet("GrpcWorkflows.Orchestrator",
        [
            "--urls", "http://127.0.0.1:0",
            $"--Storage:Sqlite:Path={Path.Combine(_dataFolder, "grpcworkflows.db")}",
        ]));
        var address = await orchestrator.WaitForListeningAsync();
        _channel = GrpcChannel.ForAddress(address);
        Workflows = new WorkflowService.WorkflowServiceClient(_channel);
        Registry = new ExecutorRegistryService.ExecutorRegistryServiceClient(_channel);

        string[] common = ["--urls", "http://127.0.0.1:0", $"--Executor:OrchestratorAddress={address}"];
        Start(TestProcess.StartDotnet("GrpcWorkflows.Plugins.Input", [.. common, $"--Input:DataRoot={RepositoryPaths.Examples}"]));
        Start(TestProcess.StartDotnet("GrpcWorkflows.Plugins.Process", common));
        Start(TestProcess.StartDotnet("GrpcWorkflows.Plugins.Output", [.. common, $"--Output:Root={OutputRoot}"]));
        var ai = new List<string>(common);
        if (chatEndpoint is not null)
        {
            ai.AddRange([$"--Ai:Chat:Endpoint={chatEndpoint}", "--Ai:Chat:Model=test-model", "--Ai:Chat:ApiKey=test-key"]);
        }

        Start(TestProcess.StartDotnet("GrpcWorkflows.Plugins.Ai", ai));
        Start(TestProcess.Start("node",
            [Path.Combine(RepositoryPaths.Root, "plugins", "text-stats-node", "src", "server.js"), "--port", "0", "--host", "127.0.0.1", "--orchestrator", address.ToString().TrimEnd('/')],
            name: "text-stats-node"));

        await AsyncTestHelpers.WaitUntilAsync(
            async () =>
            {
                var executors = (await Registry.ListExecutorsAsync(new ListExecutorsRequest())).Executors;
                return BuiltInTypes.All(type => executors.Any(e => e.StepTypes.Contains(type) && e.Health == ExecutorHealth.Serving));
            },
            "every executor registered with the orchestrator",
            TimeSpan.FromSeconds(120));
    }

    /// <summary>Runs a definition to its end through RunWorkflow and returns the execution's final state.</summary>
    public async Task<Execution> RunAsync(WorkflowDefinition definition, Google.Protobuf.WellKnownTypes.Struct? input = null)
    {
        var request = new RunWorkflowRequest { Submit = new SubmitWorkflowRequest { Definition = definition, Input = input } };
        using var call = Workflows.RunWorkflow(request);
        string? executionId = null;
        while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(3)))
        {
            executionId ??= call.ResponseStream.Current.Event.ExecutionId;
        }

        Assert.NotNull(executionId);
        return (await Workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = executionId })).Execution;
    }

    /// <summary>Follows a submitted execution until it ends and returns its final state.</summary>
    public async Task<Execution> WaitForEndAsync(string executionId)
    {
        using var call = Workflows.WatchExecution(new WatchExecutionRequest { ExecutionId = executionId });
        while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(3)))
        {
        }

        return (await Workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = executionId })).Execution;
    }

    private TestProcess Start(TestProcess process)
    {
        _processes.Add(process);
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        foreach (var process in Enumerable.Reverse(_processes))
        {
            await process.StopAsync(TimeSpan.FromSeconds(5));
            await process.DisposeAsync();
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
