using Grpc.Core;
using GrpcWorkflows.Orchestrator.Security;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using Xunit.Abstractions;
using static GrpcWorkflows.Orchestrator.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Orchestrator.Tests.Security;

/// <summary>
/// Every RPC of WorkflowService and ExecutorRegistryService × every kind of credential, over real
/// gRPC to the orchestrator on Kestrel (loopback, free port), with a real executor that registered
/// with its own <c>executor</c> API key through the SDK. Each role comes twice: scoped to the
/// <c>default</c> namespace the execution lives in, and scoped to another namespace only.
/// </summary>
public sealed class AuthorizationMatrixTests(ITestOutputHelper output)
{
    /// <param name="Label">What the credential is, for messages.</param>
    /// <param name="Role">Its role, or null for a credential that is refused.</param>
    /// <param name="Apply">Adds it to a call's headers.</param>
    /// <param name="OtherNamespace">Whether it covers another namespace than the execution's.</param>
    /// <param name="OwnsExecutor">Whether it is the credential the executor registered with.</param>
    private sealed record Credential(string Label, string? Role, Action<Metadata> Apply, bool OtherNamespace = false, bool OwnsExecutor = false);

    /// <summary>A schedule of the stored workflow 'matrix' that fires once a year (never during the test).</summary>
    private static Schedule MatrixSchedule() => new() { ScheduleId = "matrix-yearly", WorkflowRef = new WorkflowReference { Id = "matrix" }, Cron = "0 0 1 1 *" };

    /// <param name="Method">The full method name.</param>
    /// <param name="Authorized">The status for a credential of a role that may call it, in the execution's namespace.</param>
    /// <param name="OtherNamespace">The status for such a credential of another namespace.</param>
    /// <param name="Call">Makes the call.</param>
    private sealed record Rpc(string Method, StatusCode Authorized, StatusCode OtherNamespace, Func<Metadata, Task> Call);

    [Fact]
    public async Task EveryRpc_EveryCredential_ExpectedStatus()
    {
        using var credentials = new TestCredentials();
        await using var orchestrator = await TestOrchestrator.StartAsync(credentials.Settings());
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address, 16, 0, $"--Executor:ApiKey={credentials.ApiKeys[Roles.Executor]}", "--Executor:Mode=Push");
        await orchestrator.WaitForExecutorsAsync("echo");

        var admin = new Metadata { { AuthOptions.ApiKeyHeader, credentials.ApiKeys[Roles.Admin] } };
        var definition = Define("matrix", ("a", Step("echo", """{"x": 1}""")));
        var submitted = await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition }, admin).ResponseAsync.DefaultTimeout();
        await ReadAllAsync(orchestrator.Workflows.WatchExecution(new WatchExecutionRequest { ExecutionId = submitted.ExecutionId }, admin).ResponseStream);
        await orchestrator.Workflows.RegisterWorkflowAsync(new RegisterWorkflowRequest { Definition = definition }, admin).ResponseAsync.DefaultTimeout();
        await orchestrator.Workflows.CreateScheduleAsync(new CreateScheduleRequest { Schedule = MatrixSchedule() }, admin).ResponseAsync.DefaultTimeout();
        var executorId = (await orchestrator.Registry.ListExecutorsAsync(new ListExecutorsRequest(), admin).ResponseAsync.DefaultTimeout()).Executors.Single().ExecutorId;

        var rpcs = Rpcs(orchestrator, definition, submitted.ExecutionId, executorId);
        Assert.Equal(WorkflowService.Descriptor.Methods.Count + ExecutorRegistryService.Descriptor.Methods.Count, rpcs.Count);

        var mismatches = new List<string>();
        var cases = 0;
        foreach (var rpc in rpcs)
        {
            var required = RpcPolicies.For(rpc.Method)!;
            foreach (var credential in Credentials(credentials))
            {
                var expected = credential.Role is null ? StatusCode.Unauthenticated
                    : !Roles.Grants(credential.Role, required) ? StatusCode.PermissionDenied
                    : rpc.Method.EndsWith("/Heartbeat", StringComparison.Ordinal) && !credential.OwnsExecutor && credential.Role != Roles.Admin ? StatusCode.NotFound
                    : credential.OtherNamespace ? rpc.OtherNamespace
                    : rpc.Authorized;
                var headers = new Metadata();
                credential.Apply(headers);
                var (actual, detail) = await StatusOfAsync(rpc.Call(headers));
                cases++;
                if (actual != expected || detail.Contains(" at ", StringComparison.Ordinal) || detail.Contains("Exception", StringComparison.Ordinal))
                {
                    mismatches.Add($"{rpc.Method} with {credential.Label}: expected {expected}, got {actual} ({detail})");
                }
            }
        }

        output.WriteLine($"Authorization matrix: {cases} cases ({rpcs.Count} RPCs x {cases / rpcs.Count} credentials), {mismatches.Count} mismatches.");
        Console.WriteLine($"Authorization matrix: {cases} cases, {mismatches.Count} mismatches.");
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    private static List<Credential> Credentials(TestCredentials credentials)
    {
        var list = new List<Credential>
        {
            new("no credential", null, _ => { }),
            new("an expired JWT (admin)", null, h => h.Add("authorization", "Bearer " + credentials.Token(Roles.Admin, expired: true))),
            new("a badly signed JWT (admin)", null, h => h.Add("authorization", "Bearer " + credentials.Token(Roles.Admin, badlySigned: true))),
            new("an unknown API key", null, h => h.Add(AuthOptions.ApiKeyHeader, "gwf_not-a-configured-key")),
        };
        foreach (var role in Roles.All)
        {
            list.Add(new($"the {role} API key", role, h => h.Add(AuthOptions.ApiKeyHeader, credentials.ApiKeys[role]), OwnsExecutor: role == Roles.Executor));
            list.Add(new($"a {role} JWT", role, h => h.Add("authorization", "Bearer " + credentials.Token(role))));
            list.Add(new($"the {role} API key of another namespace", role, h => h.Add(AuthOptions.ApiKeyHeader, credentials.OtherNamespaceApiKeys[role]), OtherNamespace: true));
            list.Add(new($"a {role} JWT of another namespace", role, h => h.Add("authorization", "Bearer " + credentials.Token(role, inNamespace: TestCredentials.OtherNamespace)), OtherNamespace: true));
        }

        return list;
    }

    private static List<Rpc> Rpcs(TestOrchestrator orchestrator, WorkflowDefinition definition, string executionId, string executorId)
    {
        var workflows = orchestrator.Workflows;
        var registry = orchestrator.Registry;
        var port = 20000;
        const string W = "/grpcworkflows.v1.WorkflowService/";
        const string R = "/grpcworkflows.v1.ExecutorRegistryService/";
        return
        [
            new(W + "SubmitWorkflow", StatusCode.OK, StatusCode.PermissionDenied, h => workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition }, h).ResponseAsync),
            new(W + "RunWorkflow", StatusCode.OK, StatusCode.PermissionDenied, h => ReadAllAsync(workflows.RunWorkflow(new RunWorkflowRequest { Submit = new SubmitWorkflowRequest { Definition = definition } }, h).ResponseStream)),
            new(W + "GetExecution", StatusCode.OK, StatusCode.NotFound, h => workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = executionId }, h).ResponseAsync),
            new(W + "ListExecutions", StatusCode.OK, StatusCode.PermissionDenied, h => workflows.ListExecutionsAsync(new ListExecutionsRequest(), h).ResponseAsync),
            new(W + "WatchExecution", StatusCode.OK, StatusCode.NotFound, h => ReadAllAsync(workflows.WatchExecution(new WatchExecutionRequest { ExecutionId = executionId, FromSequence = 1 }, h).ResponseStream)),
            // The execution has succeeded: cancelling it answers its state, retrying it is refused, unless it is out of sight.
            new(W + "CancelExecution", StatusCode.OK, StatusCode.NotFound, h => workflows.CancelExecutionAsync(new CancelExecutionRequest { ExecutionId = executionId }, h).ResponseAsync),
            new(W + "RetryExecution", StatusCode.FailedPrecondition, StatusCode.NotFound, h => workflows.RetryExecutionAsync(new RetryExecutionRequest { ExecutionId = executionId }, h).ResponseAsync),
            // Nothing waits for a signal in a finished execution.
            new(W + "SignalExecution", StatusCode.FailedPrecondition, StatusCode.NotFound, h => workflows.SignalExecutionAsync(new SignalExecutionRequest { ExecutionId = executionId, Name = "approve" }, h).ResponseAsync),
            new(W + "ValidateWorkflow", StatusCode.OK, StatusCode.OK, h => workflows.ValidateWorkflowAsync(new ValidateWorkflowRequest { Definition = definition }, h).ResponseAsync),
            // The stored workflow 'matrix' was registered by the admin before (RegisterWorkflow answers the same version again).
            new(W + "RegisterWorkflow", StatusCode.OK, StatusCode.PermissionDenied, h => workflows.RegisterWorkflowAsync(new RegisterWorkflowRequest { Definition = definition }, h).ResponseAsync),
            new(W + "GetWorkflow", StatusCode.OK, StatusCode.PermissionDenied, h => workflows.GetWorkflowAsync(new GetWorkflowRequest { WorkflowId = definition.Id }, h).ResponseAsync),
            new(W + "ListWorkflows", StatusCode.OK, StatusCode.PermissionDenied, h => workflows.ListWorkflowsAsync(new ListWorkflowsRequest(), h).ResponseAsync),
            // Nothing stored under this id: an authorized caller learns that it does not exist.
            new(W + "DeleteWorkflow", StatusCode.NotFound, StatusCode.PermissionDenied, h => workflows.DeleteWorkflowAsync(new DeleteWorkflowRequest { WorkflowId = "never-registered" }, h).ResponseAsync),
            // The schedule 'matrix-yearly' was created by the admin before: creating it again is refused as a taken id.
            new(W + "CreateSchedule", StatusCode.AlreadyExists, StatusCode.PermissionDenied, h => workflows.CreateScheduleAsync(new CreateScheduleRequest { Schedule = MatrixSchedule() }, h).ResponseAsync),
            new(W + "GetSchedule", StatusCode.OK, StatusCode.PermissionDenied, h => workflows.GetScheduleAsync(new GetScheduleRequest { ScheduleId = "matrix-yearly" }, h).ResponseAsync),
            new(W + "ListSchedules", StatusCode.OK, StatusCode.PermissionDenied, h => workflows.ListSchedulesAsync(new ListSchedulesRequest(), h).ResponseAsync),
            new(W + "PauseSchedule", StatusCode.OK, StatusCode.PermissionDenied, h => workflows.PauseScheduleAsync(new PauseScheduleRequest { ScheduleId = "matrix-yearly" }, h).ResponseAsync),
            new(W + "ResumeSchedule", StatusCode.OK, StatusCode.PermissionDenied, h => workflows.ResumeScheduleAsync(new ResumeScheduleRequest { ScheduleId = "matrix-yearly" }, h).ResponseAsync),
            new(W + "DeleteSchedule", StatusCode.NotFound, StatusCode.PermissionDenied, h => workflows.DeleteScheduleAsync(new DeleteScheduleRequest { ScheduleId = "never-created" }, h).ResponseAsync),
            // One time in the range: the first backfill starts it, every later one finds it started.
            new(W + "BackfillSchedule", StatusCode.OK, StatusCode.PermissionDenied, h => workflows.BackfillScheduleAsync(new BackfillScheduleRequest
            {
                ScheduleId = "matrix-yearly",
                StartTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)),
                EndTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)),
            }, h).ResponseAsync),
            new(R + "RegisterExecutor", StatusCode.OK, StatusCode.OK, h => registry.RegisterExecutorAsync(new RegisterExecutorRequest { Endpoint = $"http://127.0.0.1:{port++}", StepTypes = { "matrix_only" } }, h).ResponseAsync),
            new(R + "Heartbeat", StatusCode.OK, StatusCode.OK, h => registry.HeartbeatAsync(new HeartbeatRequest { ExecutorId = executorId }, h).ResponseAsync),
            new(R + "DeregisterExecutor", StatusCode.OK, StatusCode.OK, h => registry.DeregisterExecutorAsync(new DeregisterExecutorRequest { ExecutorId = "no-such-executor" }, h).ResponseAsync),
            new(R + "ListExecutors", StatusCode.OK, StatusCode.OK, h => registry.ListExecutorsAsync(new ListExecutorsRequest(), h).ResponseAsync),
            new(R + "Connect", StatusCode.OK, StatusCode.OK, h => ConnectOnceAsync(registry, h)),
        ];
    }

    /// <summary>Opens a session, registers, and expects the registration's acceptance as the first message.</summary>
    private static async Task ConnectOnceAsync(ExecutorRegistryService.ExecutorRegistryServiceClient registry, Metadata headers)
    {
        using var call = registry.Connect(headers);
        try
        {
            await call.RequestStream.WriteAsync(new ConnectRequest { Registration = new SessionRegistration { StepTypes = { "matrix_only" } } }).DefaultTimeout();
        }
        catch (RpcException)
        {
            // A refused call may end before the write: its status is what reading the responses throws.
        }

        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout());
        Assert.Equal(ConnectResponse.KindOneofCase.Registered, call.ResponseStream.Current.KindCase);
        await call.RequestStream.CompleteAsync().DefaultTimeout();
    }

    private static async Task ReadAllAsync<T>(IAsyncStreamReader<T> stream)
    {
        while (await stream.MoveNext(CancellationToken.None).DefaultTimeout())
        {
        }
    }

    private static async Task<(StatusCode Code, string Detail)> StatusOfAsync(Task call)
    {
        try
        {
            await call.DefaultTimeout();
            return (StatusCode.OK, "");
        }
        catch (RpcException ex)
        {
            return (ex.StatusCode, ex.Status.Detail);
        }
    }
}
