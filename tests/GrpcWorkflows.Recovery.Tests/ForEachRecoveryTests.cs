using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Storage.Sqlite;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using Xunit.Abstractions;

namespace GrpcWorkflows.Recovery.Tests;

/// <summary>
/// A <c>for_each</c> over 1,000 items survives an orchestrator SIGKILL: after the restart every
/// item succeeds exactly once in the log (no item runs twice to success), only the items in flight
/// at the kill are delivered again, and the step's output lists the items in order.
/// </summary>
public sealed class ForEachRecoveryTests(ITestOutputHelper output) : IDisposable
{
    private const int Items = 1000;
    private const int MaxParallel = 8;

    private readonly string _folder = Directory.CreateTempSubdirectory("grpcworkflows-foreach-").FullName;

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

    /// <summary>Item k sleeps 40 + k/1000 ms: the sleep step's output (<c>slept_ms</c>) then tells which item it ran.</summary>
    private static double Ms(int item) => 40 + (item / 1000.0);

    [Fact]
    public async Task Orchestrator_KilledDuringAForEachOver1000Items_EveryItemSucceedsOnceAndTheOutputIsInOrder()
    {
        var databasePath = Path.Combine(_folder, "orchestrator.db");
        var deliveryLog = Path.Combine(_folder, "deliveries.jsonl");
        await using var executor = OrchestratorProcess.StartExecutor(deliveryLog);
        var executorUrl = await executor.WaitForListeningAsync();
        var orchestrator = await OrchestratorProcess.StartAsync(databasePath, executorUrl);
        string id;
        int doneAtKill;
        try
        {
            var input = new Struct { Fields = { ["ms"] = Value.ForList([.. Enumerable.Range(0, Items).Select(k => Value.ForNumber(Ms(k)))]) } };
            var submitted = await orchestrator.Client.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = FanOut(), Input = input }).ResponseAsync.DefaultTimeout();
            id = submitted.ExecutionId;
            await AsyncTestHelpers.WaitUntilAsync(
                async () => (await GetAsync(orchestrator, id)).Steps.Single(s => s.StepId == "each").ForEach?.Succeeded >= 100,
                "100 items succeeded",
                TimeSpan.FromSeconds(60));

            orchestrator.Process.Kill();
            await orchestrator.Process.Exited.WaitAsync(TimeSpan.FromSeconds(10));
            orchestrator.Dispose();
            doneAtKill = DeliveryRecord.ReadAll(deliveryLog).Count(d => d.ExecutionId == id && d.Outcome == "succeeded");
            Assert.InRange(doneAtKill, 100, Items - 1);
            orchestrator = await OrchestratorProcess.StartAsync(databasePath, executorUrl);

            await AsyncTestHelpers.WaitUntilAsync(
                async () => (await GetAsync(orchestrator, id)).State == ExecutionState.Succeeded,
                "the execution succeeded after the restart",
                TimeSpan.FromSeconds(120));

            var execution = await GetAsync(orchestrator, id);
            var each = execution.Steps.Single(s => s.StepId == "each");
            Assert.Equal((Items, Items, 0, 0), (each.ForEach.Total, each.ForEach.Succeeded, each.ForEach.Running, each.ForEach.Failed));
            var outputs = each.Output.Fields["items"].ListValue.Values;
            Assert.Equal(Enumerable.Range(0, Items).Select(Ms), outputs.Select(o => o.StructValue.Fields["slept_ms"].NumberValue));
            Assert.Equal(StepState.Succeeded, execution.Steps.Single(s => s.StepId == "after").State);
        }
        finally
        {
            orchestrator.Dispose();
        }

        // The log: every item succeeded exactly once.
        await using (var store = new SqliteExecutionStore(new SqliteStoreOptions { Path = databasePath }))
        {
            var successes = new int[Items];
            await foreach (var e in store.ReadEventsAsync(id, 1))
            {
                if (e.ItemSucceeded is { } succeeded)
                {
                    successes[succeeded.Item]++;
                }
            }

            Assert.All(successes, n => Assert.Equal(1, n));
        }

        // The executor: every item ran to a success; only those in flight at the kill ran again.
        var deliveries = DeliveryRecord.ReadAll(deliveryLog).Where(d => d.ExecutionId == id && d.StepId == "each").ToList();
        var byItem = deliveries.GroupBy(d => d.IdempotencyKey).ToList();
        Assert.Equal(Items, byItem.Count);
        Assert.All(byItem, g => Assert.Equal("succeeded", g.OrderBy(d => d.Time).Last().Outcome));
        var repeated = byItem.Count(g => g.Count() > 1);
        output.WriteLine($"{doneAtKill} items done at the kill; {deliveries.Count} deliveries; {repeated} items delivered again after the restart");
        Assert.InRange(repeated, 0, MaxParallel);
    }

    private static async Task<Execution> GetAsync(OrchestratorProcess orchestrator, string executionId) =>
        (await orchestrator.Client.GetExecutionAsync(new GetExecutionRequest { ExecutionId = executionId }).ResponseAsync.DefaultTimeout()).Execution;

    private static WorkflowDefinition FanOut() => new()
    {
        Id = "fan-out",
        Steps =
        {
            ["each"] = new StepDefinition
            {
                Type = "sleep",
                Input = new Struct { Fields = { ["ms"] = Value.ForString("{{ item }}") } },
                ForEach = new ForEach { Items = "{{ workflow.input.ms }}", MaxParallel = MaxParallel },
            },
            ["after"] = new StepDefinition { Type = "sleep", Input = new Struct { Fields = { ["ms"] = Value.ForNumber(1) } }, DependsOn = { "each" } },
        },
    };
}
