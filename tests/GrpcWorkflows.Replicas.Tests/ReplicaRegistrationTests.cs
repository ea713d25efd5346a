using System.Net;
using System.Net.Sockets;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using Xunit.Abstractions;

namespace GrpcWorkflows.Replicas.Tests;

/// <summary>
/// Push registrations shared by replicas through PostgreSQL: an executor that registered at one replica is
/// called by another replica's executions, and its registration outlives the replica that took it (the
/// restarted replica accepts its heartbeats: it does not have to register again).
/// </summary>
[Collection(PostgresServerGroup.Name)]
public sealed class ReplicaRegistrationTests(PostgresServerFixture postgres, ITestOutputHelper output) : ReplicaTestBase(postgres)
{
    [SkippableFact]
    public async Task PushExecutorRegisteredAtOneReplica_ServesTheOther_AndSurvivesItsRestart()
    {
        try
        {
            await RegisterAtOneUseAtTheOtherAndRestartAsync();
        }
        catch (TimeoutException)
        {
            foreach (var process in Replicas.Select(r => r.Process).Concat(Executors))
            {
                output.WriteLine($"--- {process.Name}\n{string.Join('\n', process.Lines.TakeLast(30))}");
            }

            throw;
        }
    }

    private async Task RegisterAtOneUseAtTheOtherAndRestartAsync()
    {
        var port = FreePort();
        var a = await StartReplicaAsync("reg-a", port);
        var b = await StartReplicaAsync("reg-b", 0);
        Executors.Add(TestProcess.StartDotnet(
            "GrpcWorkflows.TestExecutor",
            ["--urls", "http://127.0.0.1:0", "--log", Path.Combine(Folder, "deliveries.jsonl"), "--Executor:Mode=Push", $"--Executor:OrchestratorAddress=http://127.0.0.1:{port}", "--Executor:MaxConcurrency=16"]));

        // Registered at A only; B learns it from the database at its next tick.
        var registered = await WaitForRegisteredAsync(b, _ => true);
        output.WriteLine($"executor {registered.ExecutorId} at {registered.Endpoint} seen by reg-b");
        await RunChainsAsync(b, "on-b");

        // A dies and comes back (a new process on the same address): it knows the registration at once, and the
        // executor's next heartbeat there renews it (no new registration: the id stays).
        a.Process.Kill();
        await a.Process.Exited.WaitAsync(TimeSpan.FromSeconds(10));
        var restarted = await StartReplicaAsync("reg-a2", port);
        var known = Assert.Single((await restarted.Registry.ListExecutorsAsync(new ListExecutorsRequest()).ResponseAsync.DefaultTimeout()).Executors);
        Assert.Equal(registered.ExecutorId, known.ExecutorId);
        var renewed = await WaitForRegisteredAsync(restarted, e => e.LeaseExpireTime.ToDateTimeOffset() > known.LeaseExpireTime.ToDateTimeOffset());
        Assert.Equal(registered.ExecutorId, renewed.ExecutorId);
        await RunChainsAsync(restarted, "on-a2");
        Assert.Single((await b.Registry.ListExecutorsAsync(new ListExecutorsRequest()).ResponseAsync.DefaultTimeout()).Executors);
    }

    // Registrations last a minute: longer than a replica's restart on a loaded machine (the executor's heartbeats
    // fail meanwhile; with the default 15 s the registration could expire before the restarted replica is up).
    private Task<ReplicaProcess> StartReplicaAsync(string id, int port)
        => StartReplicaAsync(id, executorUrl: null, port: port, extraArguments: ["--Executors:LeaseDuration=00:01:00"]);

    /// <summary>Waits until <paramref name="replica"/> lists one registered executor that satisfies <paramref name="match"/>.</summary>
    private static async Task<ExecutorInfo> WaitForRegisteredAsync(ReplicaProcess replica, Func<ExecutorInfo, bool> match)
    {
        ExecutorInfo? found = null;
        await AsyncTestHelpers.WaitUntilAsync(
            async () =>
            {
                var executors = (await replica.Registry.ListExecutorsAsync(new ListExecutorsRequest()).ResponseAsync).Executors;
                found = executors.SingleOrDefault(e => e.Source == ExecutorSource.Registered && match(e));
                return found is not null;
            },
            $"{replica.Id} lists the registered executor",
            TimeSpan.FromSeconds(30));
        return found!;
    }

    /// <summary>Submits 5 chains of 3 sleep steps to <paramref name="replica"/> (which owns them) and waits for them to succeed.</summary>
    private static async Task RunChainsAsync(ReplicaProcess replica, string workflowId)
    {
        var ids = new List<string>();
        for (var index = 0; index < 5; index++)
        {
            ids.Add((await replica.Client.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = ReplicaProcess.Chain(workflowId, 3, 50) }).ResponseAsync.DefaultTimeout()).ExecutionId);
        }

        await AsyncTestHelpers.WaitUntilAsync(
            async () => (await replica.Client.ListExecutionsAsync(new ListExecutionsRequest { WorkflowId = workflowId, States = { ExecutionState.Succeeded } }).ResponseAsync).Executions.Count == ids.Count,
            $"the 5 '{workflowId}' workflows succeeded on {replica.Id}",
            TimeSpan.FromSeconds(60));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
