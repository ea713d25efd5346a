using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using Microsoft.Extensions.DependencyInjection;

namespace GrpcWorkflows.Orchestrator.Tests.Dispatch;

/// <summary>The dispatcher against the real test executor on loopback Kestrel.</summary>
public sealed class GrpcStepDispatcherTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task DispatchAsync_ExecutorSucceeds_ReturnsItsOutputAndEndpoint()
    {
        await using var executor = await InProcessExecutor.StartAsync();
        await using var harness = new DispatcherHarness([DispatcherHarness.Executor(executor.Address)]);

        var result = await harness.Dispatcher.DispatchAsync(Attempt("echo", """{"greeting": "hi"}""", dependencies: ("a", """{"x": 1}"""))).DefaultTimeout();

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal("hi", result.Output!.Fields["greeting"].StringValue);
        Assert.Equal(1, result.Output.Fields["dependencies"].StructValue.Fields["a"].StructValue.Fields["x"].NumberValue);
        Assert.Equal(harness.Registry.EndpointsFor("echo")[0].Address, result.Endpoint);
    }

    [Fact]
    public async Task DispatchAsync_ExecutorAnswersUnavailableStatus_RetryableUnavailableThenSuccess()
    {
        await using var executor = await InProcessExecutor.StartAsync();
        await using var harness = new DispatcherHarness([DispatcherHarness.Executor(executor.Address)]);
        var request = Attempt("flaky", """{"failures": 1, "code": "UNAVAILABLE"}""");

        var first = await harness.Dispatcher.DispatchAsync(request).DefaultTimeout();
        var second = await harness.Dispatcher.DispatchAsync(request).DefaultTimeout();

        Assert.False(first.Succeeded);
        Assert.Equal("UNAVAILABLE", first.Error!.Code);
        Assert.True(first.Error.Retryable);
        Assert.True(second.Succeeded, second.Error?.ToString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DispatchAsync_InvalidArgument_IsNotRetryable(bool asStatus)
    {
        await using var executor = await InProcessExecutor.StartAsync();
        await using var harness = new DispatcherHarness([DispatcherHarness.Executor(executor.Address)]);

        var result = await harness.Dispatcher.DispatchAsync(Attempt("fail", $$"""{"code": "INVALID_ARGUMENT", "message": "bad field", "as_status": {{(asStatus ? "true" : "false")}}}""")).DefaultTimeout();

        Assert.Equal("INVALID_ARGUMENT", result.Error!.Code);
        Assert.False(result.Error.Retryable);
        Assert.Contains("bad field", result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DispatchAsync_InBandRetryAfter_IsPassedToTheEngine()
    {
        await using var executor = await InProcessExecutor.StartAsync();
        await using var harness = new DispatcherHarness([DispatcherHarness.Executor(executor.Address)]);

        var result = await harness.Dispatcher.DispatchAsync(Attempt("flaky", """{"failures": 1, "code": "RESOURCE_EXHAUSTED", "in_band": true, "retry_after_ms": 1500}""")).DefaultTimeout();

        Assert.Equal("RESOURCE_EXHAUSTED", result.Error!.Code);
        Assert.True(result.Error.Retryable);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), result.RetryAfter);
    }

    [Fact]
    public async Task DispatchAsync_ExecutorHangs_DeadlineExceededAndTheExecutorSeesTheCancellation()
    {
        await using var executor = await InProcessExecutor.StartAsync();
        await using var harness = new DispatcherHarness([DispatcherHarness.Executor(executor.Address)]);
        var request = Attempt("hang", timeout: TimeSpan.FromMilliseconds(300));

        var started = System.Diagnostics.Stopwatch.StartNew();
        var result = await harness.Dispatcher.DispatchAsync(request).DefaultTimeout();

        Assert.Equal("DEADLINE_EXCEEDED", result.Error!.Code);
        Assert.True(result.Error.Retryable);
        Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));
        await AsyncTestHelpers.WaitUntilAsync(() => executor.Steps.Cancelled.Contains($"{request.Request.ExecutionId}/{request.Request.StepId}/1"), "the executor saw its call cancelled");
        Assert.Equal(0, harness.Registry.EndpointsFor("hang")[0].InFlight);
    }

    [Fact]
    public async Task DispatchAsync_CallerCancels_ThrowsAndTheExecutorSeesTheCancellation()
    {
        await using var executor = await InProcessExecutor.StartAsync();
        await using var harness = new DispatcherHarness([DispatcherHarness.Executor(executor.Address)]);
        var request = Attempt("hang");
        using var cancel = new CancellationTokenSource();

        var dispatch = harness.Dispatcher.DispatchAsync(request, cancel.Token).AsTask();
        await AsyncTestHelpers.WaitUntilAsync(() => executor.Steps.Started.Contains($"{request.Request.ExecutionId}/{request.Request.StepId}/1"), "the executor runs the call");
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => dispatch.DefaultTimeout());
        await AsyncTestHelpers.WaitUntilAsync(() => executor.Steps.Cancelled.Contains($"{request.Request.ExecutionId}/{request.Request.StepId}/1"), "the executor saw its call cancelled");
    }

    [Fact]
    public async Task DispatchAsync_OneReplicaDead_FailsOverOnceAndCallsOnlyTheLiveOneAfterwards()
    {
        await using var executor = await InProcessExecutor.StartAsync();
        var dead = DispatcherHarness.DeadAddress();
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var failovers = 0L;
        var circuitsOpened = 0L;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meterFactory)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == GrpcWorkflows.Orchestrator.Instrumentation.FailoversMetric)
            {
                Interlocked.Add(ref failovers, value);
            }
            else if (instrument.Name == GrpcWorkflows.Orchestrator.Instrumentation.CircuitOpenedMetric)
            {
                Interlocked.Add(ref circuitsOpened, value);
            }
        });
        listener.Start();
        await using var harness = new DispatcherHarness([DispatcherHarness.Executor(dead), DispatcherHarness.Executor(executor.Address)], meterFactory: meterFactory);

        var results = new List<StepAttemptResult>();
        for (var i = 0; i < 20; i++)
        {
            results.Add(await harness.Dispatcher.DispatchAsync(Attempt("noop")).DefaultTimeout());
        }

        Assert.All(results, r => Assert.True(r.Succeeded, r.Error?.ToString()));
        Assert.All(results, r => Assert.Equal(harness.Registry.EndpointsFor("noop").Single(e => e.Uri.Port == executor.Address.Port).Address, r.Endpoint));
        var deadInfo = harness.Registry.List().Single(e => e.Endpoint.EndsWith($":{dead.Port}", StringComparison.Ordinal));
        Assert.Equal(ExecutorHealth.NotServing, deadInfo.Health);

        // The first refusal marks the dead replica unreachable: no call goes to it until it can be connected to.
        Assert.Equal(1, Interlocked.Read(ref failovers));
        Assert.Equal(0, Interlocked.Read(ref circuitsOpened));
    }

    [Fact]
    public async Task DispatchAsync_ExecutorKeepsAnsweringUnavailable_CircuitStaysClosed()
    {
        await using var executor = await InProcessExecutor.StartAsync();
        await using var harness = new DispatcherHarness([DispatcherHarness.Executor(executor.Address)]);
        var request = Attempt("flaky", """{"failures": 100, "code": "UNAVAILABLE"}""");

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("UNAVAILABLE", (await harness.Dispatcher.DispatchAsync(request).DefaultTimeout()).Error!.Code);
        }

        // The executor answered every call: a status it chose says nothing about the endpoint's health.
        Assert.Equal(CircuitState.Closed, Assert.Single(harness.Registry.List()).CircuitState);
        Assert.Contains("Planned failure", (await harness.Dispatcher.DispatchAsync(request).DefaultTimeout()).Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DispatchAsync_ConnectionRefused_UndeliveredAndTheTypeUnreachableUntilTheExecutorIsBack()
    {
        var address = DispatcherHarness.DeadAddress();
        await using var harness = new DispatcherHarness([DispatcherHarness.Executor(address)]);
        var reachable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Dispatcher.CapacityAvailable += (_, _) =>
        {
            if (harness.Dispatcher.IsReachable("noop"))
            {
                reachable.TrySetResult();
            }
        };

        var refused = await harness.Dispatcher.DispatchAsync(Attempt("noop")).DefaultTimeout();
        var whileDown = await harness.Dispatcher.DispatchAsync(Attempt("noop")).DefaultTimeout();

        Assert.False(refused.ReachedExecutor);
        Assert.Equal("UNAVAILABLE", refused.Error!.Code);
        Assert.Contains("unreachable", refused.Error.Message, StringComparison.Ordinal);
        Assert.False(harness.Dispatcher.IsReachable("noop"));
        Assert.False(whileDown.ReachedExecutor);
        Assert.Contains(address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), whileDown.Error!.Message, StringComparison.Ordinal);

        // The executor comes back on the same port: the dispatcher reconnects by itself and says so.
        await using var executor = await InProcessExecutor.StartAsync(port: address.Port);
        await reachable.Task.DefaultTimeout();
        var result = await harness.Dispatcher.DispatchAsync(Attempt("noop")).DefaultTimeout();
        Assert.True(result.Succeeded, result.Error?.ToString());
    }

    [Fact]
    public async Task DispatchAsync_NoExecutorRegisteredForTheType_UndeliveredAtOnceWithTheReason()
    {
        await using var harness = new DispatcherHarness([]);

        Assert.True(harness.Dispatcher.HasCapacity("nobody"));
        Assert.False(harness.Dispatcher.IsReachable("nobody"));
        var result = await harness.Dispatcher.DispatchAsync(Attempt("nobody")).DefaultTimeout();

        Assert.False(result.ReachedExecutor);
        Assert.Equal("UNAVAILABLE", result.Error!.Code);
        Assert.Contains("No executor is registered for step type 'nobody'", result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DispatchAsync_CircuitOpen_UndeliveredWithoutACallAndSentAgainOnceItCloses()
    {
        await using var executor = await InProcessExecutor.StartAsync();
        await using var harness = new DispatcherHarness([DispatcherHarness.Executor(executor.Address)]);
        var endpoint = harness.Registry.EndpointsFor("echo")[0];
        Assert.True((await harness.Dispatcher.DispatchAsync(Attempt("echo")).DefaultTimeout()).Succeeded);
        await endpoint.CircuitControl.IsolateAsync();
        var started = executor.Steps.Started.Count;

        var result = await harness.Dispatcher.DispatchAsync(Attempt("echo")).DefaultTimeout();

        Assert.False(result.ReachedExecutor);
        Assert.Contains("circuit", result.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(started, executor.Steps.Started.Count);
        Assert.False(harness.Dispatcher.IsReachable("echo"));
        var raised = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Dispatcher.CapacityAvailable += (_, _) => raised.TrySetResult();
        await endpoint.CircuitControl.CloseAsync();
        await raised.Task.DefaultTimeout();
        Assert.True(harness.Dispatcher.IsReachable("echo"));
    }

    [Fact]
    public async Task DispatchAsync_ManyAtOnceAgainstCapacityFour_NeverMoreThanFourInFlight()
    {
        // The executor itself accepts 16; the orchestrator must hold the calls to the registered 4.
        await using var executor = await InProcessExecutor.StartAsync(maxConcurrency: 16);
        await using var harness = new DispatcherHarness([DispatcherHarness.Executor(executor.Address, maxConcurrency: 4)]);

        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => harness.Dispatcher.DispatchAsync(Attempt("count", """{"ms": 30}""")).AsTask())).DefaultTimeout();

        Assert.All(results, r => Assert.True(r.Succeeded, r.Error?.ToString()));
        Assert.InRange(executor.Steps.MaxInFlight, 2, 4);
        Assert.Equal(0, harness.Registry.EndpointsFor("count")[0].InFlight);
    }

    [Fact]
    public async Task HasCapacity_EndpointFull_FalseUntilASlotFreesAndCapacityAvailableIsRaised()
    {
        await using var executor = await InProcessExecutor.StartAsync();
        await using var harness = new DispatcherHarness([DispatcherHarness.Executor(executor.Address, maxConcurrency: 1)]);
        var raised = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cancel = new CancellationTokenSource();

        var hanging = harness.Dispatcher.DispatchAsync(Attempt("hang"), cancel.Token).AsTask();
        await AsyncTestHelpers.WaitUntilAsync(() => !harness.Dispatcher.HasCapacity("hang"), "the only slot is taken");
        harness.Dispatcher.CapacityAvailable += (_, _) => raised.TrySetResult();
        await cancel.CancelAsync();

        await raised.Task.DefaultTimeout();
        Assert.True(harness.Dispatcher.HasCapacity("hang"));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => hanging.DefaultTimeout());
    }

    private static StepAttemptRequest Attempt(string type, string? inputJson = null, TimeSpan? timeout = null, params (string Id, string Json)[] dependencies)
    {
        var request = new ExecuteStepRequest
        {
            ExecutionId = "ex-" + Guid.NewGuid().ToString("N")[..8],
            WorkflowId = "wf",
            StepId = "s",
            StepType = type,
            Attempt = 1,
            IdempotencyKey = Guid.NewGuid().ToString("N"),
            Input = inputJson is null ? new Struct() : Workflows.Json(inputJson),
        };
        foreach (var (id, json) in dependencies)
        {
            request.Dependencies[id] = Workflows.Json(json);
        }

        return new StepAttemptRequest(request, timeout ?? Minute);
    }
}
