using Grpc.Core;
using Grpc.Net.Client;
using GrpcWorkflows.Client.Definitions;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Examples.Tests;

/// <summary>
/// The Python sample executor (samples/python-wordcount) as docs/python-executor.md tells a user to run it:
/// stubs generated with Debian's protoc and grpc_python_plugin, run with /usr/bin/python3, registered with a
/// real orchestrator beside the built-in input and process executors, each a separate process.
/// </summary>
public sealed class PythonExecutorTests : IAsyncLifetime
{
    private static readonly string[] StepTypes = ["input", "process", "wordcount"];
    private static readonly string Sample = Path.Combine(RepositoryPaths.Root, "samples", "python-wordcount");
    private readonly List<TestProcess> _processes = [];
    private readonly string _folder = Directory.CreateTempSubdirectory("gwf-python-").FullName;
    private GrpcChannel? _channel;
    private WorkflowService.WorkflowServiceClient _workflows = null!;
    private ExecutorRegistryService.ExecutorRegistryServiceClient _registry = null!;
    private TestProcess _python = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    [SkippableFact]
    public async Task MixedWorkflow_PythonStepBetweenBuiltInSteps_RunsAndRecordsThePythonReplica()
    {
        await StartAsync();
        var definition = WorkflowDefinitionLoader.FromFile(Path.Combine(Sample, "wordcount_workflow.json"));

        var execution = await RunAsync(definition);

        Assert.True(execution.State == ExecutionState.Succeeded, Logs(execution));
        var count = execution.Steps.Single(s => s.StepId == "count");
        Assert.Equal(12, count.Output.Fields["words"].NumberValue);
        Assert.Equal(2, count.Output.Fields["lines"].NumberValue);
        Assert.Equal("the", count.Output.Fields["top_word"].StringValue);
        Assert.Equal(["the", "on"], count.Output.Fields["top"].ListValue.Values.Select(v => v.StructValue.Fields["word"].StringValue));
        Assert.Equal("THE", execution.Steps.Single(s => s.StepId == "shout").Output.Fields["top_word"].StringValue);
        var pythonPort = (await _python.WaitForListeningAsync()).Port;
        Assert.Equal(pythonPort, new Uri(Assert.Single(count.AttemptHistory).Endpoint).Port);
    }

    [SkippableFact]
    public async Task PythonStep_PastItsDeadlineOrCancelled_StopsItsWorkAndBadInputIsNotRetried()
    {
        await StartAsync();

        var late = await RunAsync(Wordcount("late", """{"text": "slow", "work_ms": 60000}""", timeout: "5s"));
        var lateStep = late.Steps.Single(s => s.StepId == "count");
        Assert.True((lateStep.State, lateStep.Error?.Code) == (StepState.Failed, "DEADLINE_EXCEEDED"), Logs(late));
        await _python.WaitForLineAsync(l => l.Contains($"{late.ExecutionId}/count attempt 1", StringComparison.Ordinal) && l.EndsWith(", stopped", StringComparison.Ordinal), TimeSpan.FromSeconds(60));

        var slow = await _workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = Wordcount("cancelled", """{"text": "slow", "work_ms": 60000}""", timeout: "120s") }).ResponseAsync.DefaultTimeout();
        await _python.WaitForLineAsync(l => l.Contains($"{slow.ExecutionId}/count attempt 1", StringComparison.Ordinal) && l.EndsWith("started", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        await _workflows.CancelExecutionAsync(new CancelExecutionRequest { ExecutionId = slow.ExecutionId, Reason = "test" }).ResponseAsync.DefaultTimeout();
        await _python.WaitForLineAsync(l => l.Contains($"{slow.ExecutionId}/count attempt 1", StringComparison.Ordinal) && l.EndsWith("call ended (cancelled or timed out), stopped", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        Execution? cancelled = null;
        await AsyncTestHelpers.WaitUntilAsync(
            async () => (cancelled = (await _workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = slow.ExecutionId, View = ExecutionView.Summary }).ResponseAsync.DefaultTimeout()).Execution).State == ExecutionState.Cancelled,
            "the cancelled execution ended",
            TimeSpan.FromSeconds(60));

        var invalid = await RunAsync(Wordcount("invalid", """{"top_n": 0}""", timeout: "10s"));

        Assert.Equal(StepState.Cancelled, cancelled!.Steps.Single().State);
        var invalidStep = invalid.Steps.Single(s => s.StepId == "count");
        Assert.Equal((StepState.Failed, "INVALID_ARGUMENT", 1), (invalidStep.State, invalidStep.Error.Code, invalidStep.Attempts));
        Assert.Contains("text: is required and must be a string.", invalidStep.Error.Message, StringComparison.Ordinal);
        Assert.Contains("top_n: must be an integer from 1 to 100, not 0.", invalidStep.Error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task PythonExecutor_Running_HeartbeatsToKeepItsLeaseAndDeregistersOnStop()
    {
        await StartAsync();
        var first = await PythonEntryAsync();

        await AsyncTestHelpers.WaitUntilAsync(
            async () => (await PythonEntryAsync())?.LeaseExpireTime.ToDateTimeOffset() > first!.LeaseExpireTime.ToDateTimeOffset(),
            "the Python executor renewed its lease with a heartbeat",
            TimeSpan.FromSeconds(60));
        await _python.StopAsync();
        await AsyncTestHelpers.WaitUntilAsync(async () => await PythonEntryAsync() is null, "the Python executor deregistered on SIGTERM", TimeSpan.FromSeconds(30));

        Assert.Equal(0, _python.ExitCode);
        Assert.Contains(_python.Lines, l => l.StartsWith("deregistered ", StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        _channel?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private static WorkflowDefinition Wordcount(string id, string inputJson, string timeout) => WorkflowDefinitionLoader.FromJson(
        $$"""{"id": "{{id}}", "steps": {"count": {"type": "wordcount", "input": {{inputJson}}, "timeout": "{{timeout}}", "max_retries": 0} } }""");

    /// <summary>Skips when the Debian Python packages are missing and cannot be installed; as root (CI) their absence is a failure.</summary>
    private static void RequirePython()
    {
        var missing = new List<string>();
        if (Run("/usr/bin/python3", ["-c", "import grpc, google.protobuf"]) != 0)
        {
            missing.AddRange(["python3-grpcio", "python3-protobuf"]);
        }

        if (Run("sh", ["-c", "command -v protoc && command -v grpc_python_plugin"]) != 0)
        {
            missing.AddRange(["protobuf-compiler", "protobuf-compiler-grpc"]);
        }

        var message = $"The Python executor test needs Debian packages that are missing: sudo apt-get install -y {string.Join(' ', missing)} (./test.sh installs them when run as root).";
        Skip.If(missing.Count > 0 && Environment.UserName != "root", message);
        Assert.True(missing.Count == 0, message);
    }

    private static int Run(string fileName, string[] arguments)
    {
        try
        {
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(fileName, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
            process.WaitForExit(TimeSpan.FromSeconds(60));
            return process.HasExited ? process.ExitCode : -1;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }

    private async Task StartAsync()
    {
        RequirePython();
        var stubs = Path.Combine(_folder, "stubs");
        var generate = Start(TestProcess.Start("sh", [Path.Combine(Sample, "generate.sh"), stubs], name: "generate.sh"));
        await generate.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(generate.ExitCode == 0, generate.Output);

        // A short lease, so that the executor has to heartbeat within the test.
        var orchestrator = Start(TestProcess.StartDotnet("GrpcWorkflows.Orchestrator",
        [
            "--urls", "http://127.0.0.1:0",
            $"--Storage:Sqlite:Path={Path.Combine(_folder, "grpcworkflows.db")}",
            "--Executors:LeaseDuration=00:00:03", "--Executors:HeartbeatInterval=00:00:01",
        ]));
        var address = await orchestrator.WaitForListeningAsync();
        _channel = GrpcChannel.ForAddress(address);
        _workflows = new WorkflowService.WorkflowServiceClient(_channel);
        _registry = new ExecutorRegistryService.ExecutorRegistryServiceClient(_channel);
        string[] common = ["--urls", "http://127.0.0.1:0", $"--Executor:OrchestratorAddress={address}"];
        Start(TestProcess.StartDotnet("GrpcWorkflows.Plugins.Input", [.. common, $"--Input:DataRoot={Path.Combine(RepositoryPaths.Examples, "data")}"]));
        Start(TestProcess.StartDotnet("GrpcWorkflows.Plugins.Process", common));
        _python = Start(TestProcess.Start(
            "/usr/bin/python3",
            [Path.Combine(Sample, "executor.py"), "--orchestrator", address.ToString().TrimEnd('/')],
            new Dictionary<string, string?> { ["GWF_PYTHON_STUBS"] = stubs, ["PYTHONUNBUFFERED"] = "1" },
            name: "python-wordcount"));

        await AsyncTestHelpers.WaitUntilAsync(
            async () =>
            {
                var executors = (await _registry.ListExecutorsAsync(new ListExecutorsRequest())).Executors;
                return StepTypes.All(type => executors.Any(e => e.StepTypes.Contains(type) && e.Health == ExecutorHealth.Serving));
            },
            "the input, process and Python executors registered",
            TimeSpan.FromSeconds(120));
    }

    private async Task<ExecutorInfo?> PythonEntryAsync()
        => (await _registry.ListExecutorsAsync(new ListExecutorsRequest { StepType = "wordcount" }).ResponseAsync.DefaultTimeout()).Executors.SingleOrDefault();

    private async Task<Execution> RunAsync(WorkflowDefinition definition)
    {
        using var call = _workflows.RunWorkflow(new RunWorkflowRequest { Submit = new SubmitWorkflowRequest { Definition = definition } });
        string? executionId = null;
        await foreach (var response in call.ResponseStream.ReadAllAsync().WithCancellation(CancellationToken.None))
        {
            executionId ??= response.Event.ExecutionId;
        }

        return (await _workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = executionId }).ResponseAsync.DefaultTimeout()).Execution;
    }

    private TestProcess Start(TestProcess process)
    {
        _processes.Add(process);
        return process;
    }

    private string Logs(Execution execution) =>
        $"{execution}\n" + string.Join("\n\n", _processes.Select(p => $"--- {p.Name}\n{p.Output}"));
}
