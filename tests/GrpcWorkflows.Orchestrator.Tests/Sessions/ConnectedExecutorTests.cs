using Grpc.Core;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Orchestrator.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Orchestrator.Tests.Sessions;

/// <summary>Executors that connect out (<c>Connect</c>) beside executors the orchestrator calls (push).</summary>
public sealed class ConnectedExecutorTests
{
    [Fact]
    public async Task Workflows_ConnectAndPushReplicasOfOneType_SucceedOnBothAndNameTheReplica()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var connected = await InProcessExecutor.StartAsync(orchestrator.Address, maxConcurrency: 4);
        await using var pushed = await InProcessExecutor.StartAsync(orchestrator.Address, maxConcurrency: 4, extraArgs: "--Executor:Mode=Push");
        await orchestrator.WaitForExecutorsAsync("sleep", 2);

        var listed = (await orchestrator.Registry.ListExecutorsAsync(new ListExecutorsRequest { StepType = "sleep" }).ResponseAsync.DefaultTimeout()).Executors;
        Assert.Contains(listed, e => e.Source == ExecutorSource.Connected && e.Endpoint == $"session://{e.ExecutorId}");
        Assert.Contains(listed, e => e.Source == ExecutorSource.Registered && e.Endpoint.StartsWith("http://", StringComparison.Ordinal));

        var ids = new List<string>();
        for (var i = 0; i < 24; i++)
        {
            var definition = Define($"both-{i}", ("a", Step("sleep", """{"ms": 20}""")), ("b", Step("sleep", """{"ms": 20}""", "a")));
            ids.Add((await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition }).ResponseAsync.DefaultTimeout()).ExecutionId);
        }

        var endpoints = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            var events = await orchestrator.Workflows.WatchToEndAsync(id);
            Assert.Equal(ExecutionState.Succeeded, events.FinalState());
            var execution = (await orchestrator.Workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = id }).ResponseAsync.DefaultTimeout()).Execution;
            foreach (var attempt in execution.Steps.SelectMany(s => s.AttemptHistory))
            {
                Assert.False(string.IsNullOrEmpty(attempt.Endpoint), "every attempt names the replica that ran it");
                endpoints.Add(attempt.Endpoint.StartsWith("session://", StringComparison.Ordinal) ? "connect" : "push");
            }
        }

        Assert.Equal(["connect", "push"], endpoints.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task CancelExecution_StepOnAConnectedExecutor_ReachesItsHandler()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("hang");
        Assert.All(orchestrator.ExecutorRegistry.EndpointsFor("hang"), e => Assert.NotNull(e.Session));

        var submitted = await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = Define("cancel-session", ("h", Step("hang"))) }).ResponseAsync.DefaultTimeout();
        await AsyncTestHelpers.WaitUntilAsync(() => executor.Steps.Started.Contains($"{submitted.ExecutionId}/h/1"), "the executor runs the step");
        await orchestrator.Workflows.CancelExecutionAsync(new CancelExecutionRequest { ExecutionId = submitted.ExecutionId, Reason = "test" }).ResponseAsync.DefaultTimeout();

        await AsyncTestHelpers.WaitUntilAsync(() => executor.Steps.Cancelled.Contains($"{submitted.ExecutionId}/h/1"), "the handler saw the cancellation");
        Assert.Equal(ExecutionState.Cancelled, (await orchestrator.Workflows.WatchToEndAsync(submitted.ExecutionId)).FinalState());
    }

    [Fact]
    public async Task StalledSession_GrantsTwoCreditsAndNeverReads_GetsAtMostTwoAttemptsAndTheWorkRunsElsewhere()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        using var stalled = await ConnectNoopSessionAsync(orchestrator, "stalled", credits: 2);
        var session = orchestrator.ExecutorRegistry.EndpointsFor("noop").Single().Session!;
        await using var healthy = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("noop", 2);

        var ids = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            var step = Step("noop");
            step.Timeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(2));
            ids.Add((await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = Define($"stalled-{i}", ("n", step)) }).ResponseAsync.DefaultTimeout()).ExecutionId);
        }

        var attemptsOnStalled = 0;
        foreach (var id in ids)
        {
            var events = await orchestrator.Workflows.WatchToEndAsync(id);
            Assert.Equal(ExecutionState.Succeeded, events.FinalState());
            attemptsOnStalled += events.Count(e => e.AttemptFailed?.Error.Code == "DEADLINE_EXCEEDED");
        }

        // Bounded: the session never held more than its two credits' worth, and holds nothing now.
        Assert.InRange(attemptsOnStalled, 0, 2);
        Assert.Equal(0, session.Credits);
        Assert.Equal(0, session.Outstanding);
        Assert.Equal(0, session.Queued);
    }

    [Fact]
    public async Task SessionWithOneCredit_CreditComesBackOnlyWithEachResult_RunsEveryReadyStepOneAtATime()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        using var call = await ConnectNoopSessionAsync(orchestrator, "one-credit", credits: 1);
        Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
        Assert.Equal(ConnectResponse.KindOneofCase.Registered, call.ResponseStream.Current.KindCase);

        // Six steps READY at once and one credit: each next attempt can only go out with the credit of the previous result.
        const int Steps = 6;
        var definition = Define("one-credit", [.. Enumerable.Range(0, Steps).Select(i => ($"s{i}", Step("noop")))]);
        var submitted = await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition }).ResponseAsync.DefaultTimeout();
        var session = orchestrator.ExecutorRegistry.EndpointsFor("noop").Single().Session!;
        var ran = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Steps; i++)
        {
            Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout(), "the next attempt came with the credit of the last result");
            var attempt = call.ResponseStream.Current.Attempt;
            Assert.NotNull(attempt);
            Assert.Equal(1, session.Outstanding);
            ran.Add(attempt.Request.StepId);
            await call.RequestStream.WriteAsync(new ConnectRequest
            {
                Result = new SessionResult { DispatchId = attempt.DispatchId, Response = new ExecuteStepResponse { Output = new Google.Protobuf.WellKnownTypes.Struct() }, Credits = 1 },
            }).DefaultTimeout();
        }

        Assert.Equal(ExecutionState.Succeeded, (await orchestrator.Workflows.WatchToEndAsync(submitted.ExecutionId)).FinalState());
        Assert.Equal(Steps, ran.Count);
    }

    [Fact]
    public async Task SessionResults_SeveralAttemptsAnsweredInOneMessage_EachCompletesItsStepWithItsOwnOutput()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        const int Steps = 5;
        using var call = await ConnectNoopSessionAsync(orchestrator, "batched", credits: Steps);
        Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
        Assert.True(call.ResponseStream.Current.Registered.AcceptsResults, "the orchestrator says it reads several results in one message");

        var definition = Define("batched", [.. Enumerable.Range(0, Steps).Select(i => ($"s{i}", Step("noop")))]);
        var submitted = await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition }).ResponseAsync.DefaultTimeout();
        var results = new SessionResults();
        while (results.Results.Count < Steps)
        {
            Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
            var attempt = call.ResponseStream.Current.Attempt;
            Assert.NotNull(attempt);
            var output = new Google.Protobuf.WellKnownTypes.Struct();
            output.Fields["step"] = Google.Protobuf.WellKnownTypes.Value.ForString(attempt.Request.StepId);
            results.Results.Add(new SessionResult { DispatchId = attempt.DispatchId, Response = new ExecuteStepResponse { Output = output }, Credits = 1 });
        }

        await call.RequestStream.WriteAsync(new ConnectRequest { Results = results }).DefaultTimeout();

        Assert.Equal(ExecutionState.Succeeded, (await orchestrator.Workflows.WatchToEndAsync(submitted.ExecutionId)).FinalState());
        var execution = (await orchestrator.Workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = submitted.ExecutionId }).ResponseAsync.DefaultTimeout()).Execution;
        Assert.All(execution.Steps, step => Assert.Equal(step.StepId, step.Output.Fields["step"].StringValue));
        Assert.Equal(Steps, orchestrator.ExecutorRegistry.EndpointsFor("noop").Single().Session!.Credits);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SessionAttempts_SentTogetherOnlyToAnExecutorThatAcceptsThem_EveryAttemptArrivesOnce(bool acceptsAttempts)
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        const int Steps = 8;
        using var call = orchestrator.Registry.Connect();
        var registration = new SessionRegistration { Name = "attempts", MaxConcurrency = Steps, AcceptsAttempts = acceptsAttempts };
        registration.StepTypes.Add("noop");
        await call.RequestStream.WriteAsync(new ConnectRequest { Registration = registration }).DefaultTimeout();
        Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());

        // No credit yet: the steps wait READY; one credit message then lets all of them out in a burst.
        var definition = Define("attempts", [.. Enumerable.Range(0, Steps).Select(i => ($"s{i}", Step("noop")))]);
        var submitted = await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition }).ResponseAsync.DefaultTimeout();
        await call.RequestStream.WriteAsync(new ConnectRequest { Credit = new SessionCredit { Credits = Steps } }).DefaultTimeout();
        var attempts = new List<SessionAttempt>();
        while (attempts.Count < Steps)
        {
            Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
            var message = call.ResponseStream.Current;
            Assert.True(acceptsAttempts || message.KindCase == ConnectResponse.KindOneofCase.Attempt, $"an executor that did not accept `attempts` got {message.KindCase}");
            attempts.AddRange(message.KindCase == ConnectResponse.KindOneofCase.Attempts ? message.Attempts.Attempts : [message.Attempt]);
        }

        Assert.Equal(Steps, attempts.Select(a => a.Request.StepId).Distinct().Count());
        var results = new SessionResults();
        results.Results.Add(attempts.Select(a => new SessionResult { DispatchId = a.DispatchId, Response = new ExecuteStepResponse { Output = new Google.Protobuf.WellKnownTypes.Struct() } }));
        await call.RequestStream.WriteAsync(new ConnectRequest { Results = results }).DefaultTimeout();
        Assert.Equal(ExecutionState.Succeeded, (await orchestrator.Workflows.WatchToEndAsync(submitted.ExecutionId)).FinalState());
    }

    [Fact]
    public async Task Connect_FirstMessageIsNotARegistration_IsRefusedWithInvalidArgument()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        using var call = orchestrator.Registry.Connect();
        await call.RequestStream.WriteAsync(new ConnectRequest { Credit = new SessionCredit { Credits = 1 } }).DefaultTimeout();

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout());
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("registration", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_RegistrationWithoutStepTypes_IsRefusedLikeRegisterExecutor()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        using var call = orchestrator.Registry.Connect();
        await call.RequestStream.WriteAsync(new ConnectRequest { Registration = new SessionRegistration { Name = "empty", MaxConcurrency = -1 } }).DefaultTimeout();

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout());
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("step_types", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("max_concurrency", error.Status.Detail, StringComparison.Ordinal);
    }

    /// <summary>Opens a session by hand for step type <c>noop</c>, holding as many credits as it may hold, and waits until it is registered.</summary>
    private static async Task<AsyncDuplexStreamingCall<ConnectRequest, ConnectResponse>> ConnectNoopSessionAsync(TestOrchestrator orchestrator, string name, int credits)
    {
        var call = orchestrator.Registry.Connect();
        var registration = new SessionRegistration { Name = name, MaxConcurrency = credits, Credits = credits };
        registration.StepTypes.Add("noop");
        await call.RequestStream.WriteAsync(new ConnectRequest { Registration = registration }).DefaultTimeout();
        await orchestrator.WaitForExecutorsAsync("noop");
        return call;
    }
}
