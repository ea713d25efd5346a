using GrpcWorkflows.Orchestrator.Security;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Orchestrator.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Orchestrator.Tests.Security;

/// <summary>
/// A namespace's steps go only to executors whose credential covers it, pushed or connected: a step no
/// connected executor may serve waits (awaiting an executor, the reason in <c>GetExecution</c>) and runs once
/// one that covers its namespace arrives.
/// </summary>
public sealed class NamespaceDispatchTests
{
    [Theory]
    [InlineData("Push")]
    [InlineData("Connect")]
    public async Task Dispatch_ExecutorsScopedToNamespaces_EachServesOnlyItsOwnAndAnUncoveredStepWaitsForOne(string mode)
    {
        using var credentials = new TestCredentials();
        var submitter = TestCredentials.Headers(credentials.AddKey("submitter", Roles.Operator, ["*"], []));
        var keyA = credentials.AddKey("executor-a", Roles.Executor, ["team-a"], ["*"]);
        var keyB = credentials.AddKey("executor-b", Roles.Executor, ["team-b"], ["*"]);
        await using var orchestrator = await TestOrchestrator.StartAsync(credentials.Settings());
        await using var executorA = await InProcessExecutor.StartAsync(orchestrator.Address, 4, 0, $"--Executor:ApiKey={keyA}", $"--Executor:Mode={mode}");
        await orchestrator.WaitForExecutorsAsync("echo");

        async Task<string> SubmitAsync(string inNamespace) => (await orchestrator.Workflows.SubmitWorkflowAsync(
            new SubmitWorkflowRequest { Definition = Define("scoped", ("s", Step("echo", "{}"))), Namespace = inNamespace }, submitter).ResponseAsync.DefaultTimeout()).ExecutionId;

        async Task<ExecutionState> FinishedAsync(string id)
        {
            var state = ExecutionState.Unspecified;
            await AsyncTestHelpers.WaitUntilAsync(
                async () =>
                {
                    state = (await orchestrator.Workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = id }, submitter).ResponseAsync.DefaultTimeout()).Execution.State;
                    return state is not (ExecutionState.Pending or ExecutionState.Running);
                },
                $"execution {id} finishes");
            return state;
        }

        var servedA = await SubmitAsync("team-a");
        Assert.Equal(ExecutionState.Succeeded, await FinishedAsync(servedA));

        // Only team-a's executor is connected: team-b's step waits for an executor, saying why.
        var waiting = await SubmitAsync("team-b");
        StepExecution? step = null;
        await AsyncTestHelpers.WaitUntilAsync(
            async () =>
            {
                step = (await orchestrator.Workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = waiting }, submitter).ResponseAsync.DefaultTimeout()).Execution.Steps.Single();
                return step.ExecutorWait is not null;
            },
            "team-b's step waits for an executor");
        Assert.Contains("serves the namespace 'team-b'", step!.ExecutorWait.Reason, StringComparison.Ordinal);
        Assert.Equal(0, step.Attempts);
        Assert.DoesNotContain(executorA.Steps.Started, d => d.StartsWith(waiting + "/", StringComparison.Ordinal));

        // An executor for team-b arrives: the waiting step runs there, and team-a's steps still go only to team-a's.
        await using var executorB = await InProcessExecutor.StartAsync(orchestrator.Address, 4, 0, $"--Executor:ApiKey={keyB}", $"--Executor:Mode={mode}");
        Assert.Equal(ExecutionState.Succeeded, await FinishedAsync(waiting));
        var laterA = new List<string>();
        var laterB = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            laterA.Add(await SubmitAsync("team-a"));
            laterB.Add(await SubmitAsync("team-b"));
        }

        foreach (var id in laterA.Concat(laterB))
        {
            Assert.Equal(ExecutionState.Succeeded, await FinishedAsync(id));
        }

        static bool Served(InProcessExecutor executor, string id) => executor.Steps.Started.Any(d => d.StartsWith(id + "/", StringComparison.Ordinal));
        Assert.True(Served(executorB, waiting));
        Assert.All(laterB.Append(waiting), id => Assert.False(Served(executorA, id), $"team-a's executor received team-b's execution {id}"));
        Assert.All(laterA.Append(servedA), id => Assert.False(Served(executorB, id), $"team-b's executor received team-a's execution {id}"));
        Assert.All(laterA, id => Assert.True(Served(executorA, id)));
        Assert.All(laterB, id => Assert.True(Served(executorB, id)));
    }
}
