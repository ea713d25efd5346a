using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using Xunit.Abstractions;

namespace GrpcWorkflows.Replicas.Tests;

/// <summary>
/// Limits that hold across replicas, not per replica: two replicas share one push executor's
/// <c>max_concurrency</c> (each takes its part, from the live replicas in the database), so the executor
/// never has more calls at once than it declared, whichever replicas own the executions.
/// </summary>
[Collection(PostgresServerGroup.Name)]
public sealed class ReplicaCapacityTests(PostgresServerFixture postgres, ITestOutputHelper output) : ReplicaTestBase(postgres)
{
    private const int Capacity = 4;

    [SkippableFact]
    public async Task TwoReplicas_OnePushExecutorOfCapacityC_NeverMoreThanCCallsAtOnce()
    {
        var executor = ReplicaProcess.StartExecutor(Path.Combine(Folder, "deliveries.jsonl"));
        Executors.Add(executor);
        var executorUrl = await executor.WaitForListeningAsync();
        await StartReplicaAsync("cap-a", executorUrl, Capacity);
        await StartReplicaAsync("cap-b", executorUrl, Capacity);

        // Each replica has seen the other in the replicas table and took its part of the capacity.
        await Replicas[0].Process.WaitForLineAsync(line => line.Contains("is number 0 of 2 live replicas", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        await Replicas[1].Process.WaitForLineAsync(line => line.Contains("is number 1 of 2 live replicas", StringComparison.Ordinal), TimeSpan.FromSeconds(30));

        // 10 workflows of 8 parallel 'count' steps on each replica: far more steps ready at once than the capacity.
        var ids = new List<string>();
        foreach (var replica in Replicas)
        {
            for (var index = 0; index < 10; index++)
            {
                ids.Add((await replica.Client.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = Wide("wide", 8, 150) }).ResponseAsync.DefaultTimeout()).ExecutionId);
            }
        }

        await AsyncTestHelpers.WaitUntilAsync(
            async () => await Replicas[0].CountAsync(ExecutionState.Pending, ExecutionState.Running) == 0,
            "every workflow finished",
            TimeSpan.FromSeconds(120));

        var maxInFlight = 0;
        foreach (var id in ids)
        {
            var execution = (await Replicas[1].Client.GetExecutionAsync(new GetExecutionRequest { ExecutionId = id }).ResponseAsync.DefaultTimeout()).Execution;
            Assert.Equal(ExecutionState.Succeeded, execution.State);
            maxInFlight = Math.Max(maxInFlight, execution.Steps.Max(step => (int)step.Output.Fields["in_flight_at_start"].NumberValue));
        }

        output.WriteLine($"the executor saw at most {maxInFlight} calls at once (capacity {Capacity}, 2 replicas)");
        Assert.InRange(maxInFlight, 1, Capacity);
    }

    /// <summary><paramref name="width"/> independent <c>count</c> steps of <paramref name="milliseconds"/> each.</summary>
    private static WorkflowDefinition Wide(string id, int width, int milliseconds)
    {
        var definition = new WorkflowDefinition { Id = id };
        for (var index = 0; index < width; index++)
        {
            definition.Steps.Add($"c{index}", new StepDefinition { Type = "count", Input = new Struct { Fields = { ["ms"] = Value.ForNumber(milliseconds) } } });
        }

        return definition;
    }
}
