using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Health.V1;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using Xunit.Abstractions;

namespace GrpcWorkflows.Recovery.Tests;

/// <summary>
/// The orchestrator as a process on a real file system that fills up or gets damaged: submits are
/// refused with the reason, nothing is dropped, work resumes without a restart, and damage stops
/// the start with the cause.
/// </summary>
public sealed class StorageFaultTests(ITestOutputHelper output) : IDisposable
{
    private const int StepMilliseconds = 50;
    private readonly string _folder = Directory.CreateTempSubdirectory("grpcworkflows-faults-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A child still holds a file: the OS cleans the temp folder.
        }
    }

    [TmpfsFact]
    public async Task Orchestrator_DiskFullThenFreed_RefusesSubmitsWithTheReasonAndResumesWithoutRestart()
    {
        using var disk = new TmpfsMount("16m");
        await using var executor = OrchestratorProcess.StartExecutor(Path.Combine(_folder, "deliveries.jsonl"));
        var executorUrl = await executor.WaitForListeningAsync();
        using var orchestrator = await OrchestratorProcess.StartAsync(disk.PathOf("orchestrator.db"), executorUrl);
        var client = orchestrator.Client;

        // Work in progress when the disk fills: long chains, still running.
        var running = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            running.Add((await client.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = Chain("before", 40) }).ResponseAsync.DefaultTimeout()).ExecutionId);
        }

        disk.Fill();
        RpcException? refused = null;
        for (var i = 0; i < 500 && refused is null; i++)
        {
            try
            {
                var big = Chain("while-full", 3);
                big.Description = new string('x', 8000);
                await client.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = big }).ResponseAsync.DefaultTimeout();
            }
            catch (RpcException e)
            {
                refused = e;
            }
        }

        Assert.NotNull(refused);
        output.WriteLine($"refused: {refused.StatusCode} {refused.Status.Detail}");
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("is full", refused.Status.Detail, StringComparison.Ordinal);
        var details = refused.GetRpcStatus()!.Details;
        Assert.Contains(details, d => d.Is(RetryInfo.Descriptor));
        Assert.Equal("STORE_DISK_FULL", details.Single(d => d.Is(ErrorInfo.Descriptor)).Unpack<ErrorInfo>().Reason);
        await AsyncTestHelpers.WaitUntilAsync(
            async () => (await orchestrator.Health.CheckAsync(new HealthCheckRequest()).ResponseAsync).Status == HealthCheckResponse.Types.ServingStatus.NotServing,
            "the health check turned NOT_SERVING");

        // Nothing was dropped: every execution is still there, unfinished.
        foreach (var id in running)
        {
            var execution = (await client.GetExecutionAsync(new GetExecutionRequest { ExecutionId = id }).ResponseAsync.DefaultTimeout()).Execution;
            Assert.NotEqual(ExecutionState.Unspecified, execution.State);
        }

        disk.Free();
        var freed = DateTimeOffset.UtcNow;
        var after = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            after.Add((await client.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = Chain("after", 3) }).ResponseAsync.DefaultTimeout()).ExecutionId);
        }

        await AsyncTestHelpers.WaitUntilAsync(
            async () =>
            {
                foreach (var id in running.Concat(after))
                {
                    var execution = (await client.GetExecutionAsync(new GetExecutionRequest { ExecutionId = id }).ResponseAsync).Execution;
                    if (execution.State != ExecutionState.Succeeded)
                    {
                        return false;
                    }
                }

                return true;
            },
            "every execution, from before the disk filled and after it was freed, succeeded without a restart",
            TimeSpan.FromSeconds(120));
        output.WriteLine($"all {running.Count + after.Count} executions succeeded {(DateTimeOffset.UtcNow - freed).TotalSeconds:N1} s after space was freed, no restart");
        Assert.False(orchestrator.Process.HasExited);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await orchestrator.Health.CheckAsync(new HealthCheckRequest()).ResponseAsync.DefaultTimeout()).Status);
    }

    [Fact]
    public async Task Orchestrator_WalHeaderZeroedAfterACrash_RefusesToStartWithTheReason()
    {
        var databasePath = Path.Combine(_folder, "orchestrator.db");
        await using var executor = OrchestratorProcess.StartExecutor(Path.Combine(_folder, "deliveries.jsonl"));
        var executorUrl = await executor.WaitForListeningAsync();
        using (var orchestrator = await OrchestratorProcess.StartAsync(databasePath, executorUrl))
        {
            var ids = new List<string>();
            for (var i = 0; i < 10; i++)
            {
                ids.Add((await orchestrator.Client.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = Chain("wf", 2) }).ResponseAsync.DefaultTimeout()).ExecutionId);
            }

            await AsyncTestHelpers.WaitUntilAsync(
                async () => (await orchestrator.Client.ListExecutionsAsync(new ListExecutionsRequest { PageSize = 100, States = { ExecutionState.Succeeded } }).ResponseAsync).Executions.Count == ids.Count,
                "the executions finished");
            orchestrator.Process.Kill();
            await orchestrator.Process.Exited.DefaultTimeout();
        }

        var wal = databasePath + "-wal";
        Assert.True(new FileInfo(wal).Length > 32, "the crash left no write-ahead log");
        using (var stream = new FileStream(wal, FileMode.Open, FileAccess.Write))
        {
            stream.Write(new byte[32]);
        }

        await using var refused = OrchestratorProcess.Start(databasePath, executorUrl);
        await refused.WaitForExitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine(refused.Output);

        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("The orchestrator did not start: The execution store", refused.Output, StringComparison.Ordinal);
        Assert.Contains("write-ahead log's header is damaged", refused.Output, StringComparison.Ordinal);
        Assert.Contains("Restore the latest backup", refused.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// A process crash (SIGKILL) loses no acknowledged submission with either setting: under Normal a
    /// commit is in the operating system's page cache when acknowledged, which outlives the process.
    /// (What Normal may lose is a power failure's: docs/durability.md.)
    /// </summary>
    [Theory]
    [InlineData("Normal")]
    [InlineData("Full")]
    public async Task Orchestrator_KilledWhileSubmitting_KeepsEveryAcknowledgedSubmission(string synchronous)
    {
        var databasePath = Path.Combine(_folder, "orchestrator.db");
        await using var executor = OrchestratorProcess.StartExecutor(Path.Combine(_folder, "deliveries.jsonl"));
        var executorUrl = await executor.WaitForListeningAsync();
        var acknowledged = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using (var orchestrator = await OrchestratorProcess.StartAsync(databasePath, executorUrl, $"--Storage:Sqlite:Synchronous={synchronous}"))
        {
            var submitters = Enumerable.Range(0, 8).Select(n => Task.Run(async () =>
            {
                for (var i = 0; ; i++)
                {
                    try
                    {
                        var reply = await orchestrator.Client.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = Chain("acked", 2), IdempotencyKey = $"k{n}-{i}" }).ResponseAsync;
                        acknowledged.Enqueue(reply.ExecutionId);
                    }
                    catch (RpcException)
                    {
                        return;
                    }
                }
            })).ToArray();
            await AsyncTestHelpers.WaitUntilAsync(() => Task.FromResult(acknowledged.Count >= 300), "300 submissions acknowledged", TimeSpan.FromSeconds(60));
            orchestrator.Process.Kill();
            await orchestrator.Process.Exited.DefaultTimeout();
            await Task.WhenAll(submitters).WaitAsync(TimeSpan.FromSeconds(30));
        }

        using var restarted = await OrchestratorProcess.StartAsync(databasePath, executorUrl, $"--Storage:Sqlite:Synchronous={synchronous}");
        var lost = 0;
        foreach (var id in acknowledged)
        {
            try
            {
                await restarted.Client.GetExecutionAsync(new GetExecutionRequest { ExecutionId = id }).ResponseAsync.DefaultTimeout();
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                lost++;
            }
        }

        output.WriteLine($"synchronous={synchronous}: {acknowledged.Count} submissions acknowledged before SIGKILL, {lost} missing after the restart");
        Assert.Equal(0, lost);
    }

    private static WorkflowDefinition Chain(string workflowId, int steps)
    {
        var definition = new WorkflowDefinition { Id = workflowId };
        for (var index = 0; index < steps; index++)
        {
            var step = new StepDefinition { Type = "sleep", Input = new Struct { Fields = { ["ms"] = Value.ForNumber(StepMilliseconds) } } };
            if (index > 0)
            {
                step.DependsOn.Add($"s{index - 1}");
            }

            definition.Steps.Add($"s{index}", step);
        }

        return definition;
    }
}
