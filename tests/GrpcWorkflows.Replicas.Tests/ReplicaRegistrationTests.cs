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

    [SkippableFact]
    public async Task ExecutorOfOtherNamespacesAtTheOwner_DoesNotKeepAnExecutionFromTheReplicaThatServesItsNamespace()
    {
        // 'front' owns what is submitted to it, and its only executor's credential covers team-b; the executor at
        // 'back' serves every namespace. Executions of team-a submitted to 'front' must move to 'back'.
        const string AdminKey = "admin-key-for-the-namespace-test";
        const string TeamBKey = "team-b-executor-key";
        const string AnyKey = "any-namespace-executor-key";
        string[] auth =
        [
            .. ApiKey(0, "admin", "admin", AdminKey, stepTypes: false),
            .. ApiKey(1, "team-b-executor", "executor", TeamBKey, stepTypes: true, "team-b"),
            .. ApiKey(2, "any-executor", "executor", AnyKey, stepTypes: true),
        ];
        var front = await StartReplicaAsync("ns-front", executorUrl: null, extraArguments: auth);
        var back = await StartReplicaAsync("ns-back", executorUrl: null, extraArguments: auth);
        var frontLog = Path.Combine(Folder, "front-deliveries.jsonl");
        Executors.Add(ReplicaProcess.StartConnectedExecutor(frontLog, front.Url, TeamBKey));
        Executors.Add(ReplicaProcess.StartConnectedExecutor(Path.Combine(Folder, "back-deliveries.jsonl"), back.Url, AnyKey));
        var admin = new Grpc.Core.Metadata { { GrpcWorkflows.Orchestrator.Security.AuthOptions.ApiKeyHeader, AdminKey } };
        foreach (var replica in new[] { front, back })
        {
            await AsyncTestHelpers.WaitUntilAsync(
                async () => (await replica.Registry.ListExecutorsAsync(new ListExecutorsRequest(), admin).ResponseAsync).Executors.Any(e => e.Source == ExecutorSource.Connected),
                $"an executor's session to '{replica.Id}' is open",
                TimeSpan.FromSeconds(30));
        }

        var ids = new List<string>();
        for (var index = 0; index < 5; index++)
        {
            var request = new SubmitWorkflowRequest { Definition = ReplicaProcess.Chain("team-a-chain", 2, 20), Namespace = "team-a" };
            ids.Add((await front.Client.SubmitWorkflowAsync(request, admin).ResponseAsync.DefaultTimeout()).ExecutionId);
        }

        await AsyncTestHelpers.WaitUntilAsync(
            async () => (await back.Client.ListExecutionsAsync(new ListExecutionsRequest { Namespace = "team-a", WorkflowId = "team-a-chain", States = { ExecutionState.Succeeded } }, admin).ResponseAsync).Executions.Count == ids.Count,
            "the 5 team-a workflows submitted to 'front' succeeded",
            TimeSpan.FromSeconds(60));
        var frontDeliveries = File.Exists(frontLog) ? File.ReadAllText(frontLog) : string.Empty;
        Assert.DoesNotContain(ids, id => frontDeliveries.Contains(id, StringComparison.Ordinal));
    }

    /// <summary>The settings of API key <paramref name="index"/> (its SHA-256 configured, as an operator would).</summary>
    private static IEnumerable<string> ApiKey(int index, string name, string role, string key, bool stepTypes, string? inNamespace = null)
    {
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)));
        yield return $"--Auth:ApiKeys:{index}:Name={name}";
        yield return $"--Auth:ApiKeys:{index}:Role={role}";
        yield return $"--Auth:ApiKeys:{index}:Sha256={hash}";
        yield return $"--Auth:ApiKeys:{index}:Namespaces:0={inNamespace ?? "*"}";
        if (stepTypes)
        {
            yield return $"--Auth:ApiKeys:{index}:StepTypes:0=*";
        }
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
