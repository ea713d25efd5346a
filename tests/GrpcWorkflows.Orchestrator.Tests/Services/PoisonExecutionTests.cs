using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Storage.Sqlite;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Orchestrator.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Orchestrator.Tests.Services;

/// <summary>
/// The poison execution of issue #13 on a real SQLite file: a value the engine cannot write as text
/// is refused at submit, and one already stored fails with a reason instead of stopping the next start.
/// </summary>
public sealed class PoisonExecutionTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("gwf-poison-").FullName;

    private string DatabasePath => Path.Combine(_folder, "poison.db");

    private Dictionary<string, string> SqliteSettings => new()
    {
        ["Storage:Provider"] = "sqlite",
        ["Storage:Sqlite:Path"] = DatabasePath,
    };

    [Fact]
    public async Task SubmitWorkflow_InputValueWithNoKindInterpolated_InvalidArgumentWithFieldPathAndNothingStored()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync(SqliteSettings);
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("echo");

        var error = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Workflows.SubmitWorkflowAsync(PoisonRequest()).ResponseAsync.DefaultTimeout());

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violations = error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations;
        Assert.Contains(violations, v => v.Field == "input.obj.k");
        var listed = await orchestrator.Workflows.ListExecutionsAsync(new ListExecutionsRequest()).ResponseAsync.DefaultTimeout();
        Assert.Empty(listed.Executions);
    }

    [Fact]
    public async Task Start_PoisonExecutionStoredByAnOlderVersion_StartsFailsItWithReasonAndRestartsCleanly()
    {
        var id = await WritePoisonExecutionAsync();

        string reason;
        await using (var orchestrator = await TestOrchestrator.StartAsync(SqliteSettings))
        {
            var execution = await WaitForTerminalAsync(orchestrator, id);
            Assert.Equal(ExecutionState.Failed, execution.State);
            reason = execution.Error.Message;
            Assert.Contains("input.text", reason, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", reason, StringComparison.Ordinal);

            await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
            await orchestrator.WaitForExecutorsAsync("echo");
            var healthy = await orchestrator.Workflows.RunToEndAsync(Define("ok", ("a", Step("echo", """{"x": 1}"""))));
            Assert.Equal(ExecutionState.Succeeded, healthy.State);
        }

        await using var restarted = await TestOrchestrator.StartAsync(SqliteSettings);
        var again = (await restarted.Workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = id }).ResponseAsync.DefaultTimeout()).Execution;
        Assert.Equal(ExecutionState.Failed, again.State);
        Assert.Equal(reason, again.Error.Message);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static SubmitWorkflowRequest PoisonRequest()
    {
        var inner = new Struct();
        inner.Fields["k"] = new Value();
        var input = new Struct();
        input.Fields["obj"] = Value.ForStruct(inner);
        return new SubmitWorkflowRequest { Definition = Define("poison", ("a", Step("echo", """{"text": "x {{ workflow.input.obj }}"}"""))), Input = input };
    }

    /// <summary>Writes, with the SQLite store itself, the poison execution as an unfixed orchestrator stored it: started, its step READY.</summary>
    private async Task<string> WritePoisonExecutionAsync()
    {
        var request = PoisonRequest();
        var id = Guid.NewGuid().ToString("N");
        var now = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
        await using var store = new SqliteExecutionStore(new SqliteStoreOptions { Path = DatabasePath });
        await store.CreateAsync(new ExecutionEvent { ExecutionId = id, Sequence = 1, Time = now, Submitted = new ExecutionSubmitted { Definition = request.Definition, Input = request.Input } });
        await store.AppendAsync(id, [
            new ExecutionEvent { ExecutionId = id, Sequence = 2, Time = now, Started = new ExecutionStarted() },
            new ExecutionEvent { ExecutionId = id, Sequence = 3, Time = now, StepReady = new StepReady { StepId = "a" } },
        ]);
        return id;
    }

    private static async Task<Execution> WaitForTerminalAsync(TestOrchestrator orchestrator, string id)
    {
        Execution? execution = null;
        await AsyncTestHelpers.WaitUntilAsync(
            async () =>
            {
                execution = (await orchestrator.Workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = id }).ResponseAsync).Execution;
                return execution.State is ExecutionState.Failed or ExecutionState.Succeeded or ExecutionState.Cancelled;
            },
            $"execution {id} finished");
        return execution!;
    }
}
