using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using GrpcWorkflows.Executor.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Executor.Tests;

public sealed class StepExecutorServiceTests
{
    private static ExecuteStepRequest Request(string type, string json = "{}") => new()
    {
        ExecutionId = "exec-1",
        WorkflowId = "wf",
        StepId = "step_a",
        StepType = type,
        Attempt = 2,
        IdempotencyKey = "exec-1/step_a/2",
        Input = StructJson.ParseStruct(json),
        Dependencies = { ["dep"] = StructJson.ParseStruct("""{"x": 1}""") },
    };

    [Fact]
    public async Task ExecuteStep_RegisteredType_HandlerGetsRequestAndOutputIsReturned()
    {
        StepContext? seen = null;
        await using var server = await ExecutorServer.StartAsync(b => b.AddStepHandler("echo", (ctx, _) =>
        {
            seen = ctx;
            var output = ctx.Input.Clone();
            output.Fields["attempt"] = Value.ForNumber(ctx.Attempt);
            output.Fields["x"] = ctx.MergedDependencyData().Fields["x"];
            return ValueTask.FromResult(output);
        }));
        var client = new StepExecutorService.StepExecutorServiceClient(server.Channel);

        var response = await client.ExecuteStepAsync(Request("echo", """{"message": "hello"}""")).ResponseAsync.DefaultTimeout();

        Assert.Null(response.Error);
        Assert.Equal(StructJson.ParseStruct("""{"message": "hello", "attempt": 2, "x": 1}"""), response.Output);
        Assert.NotNull(seen);
        Assert.Equal("exec-1", seen.ExecutionId);
        Assert.Equal("step_a", seen.StepId);
        Assert.Equal("exec-1/step_a/2", seen.IdempotencyKey);
        Assert.Null(seen.Deadline);
    }

    [Fact]
    public async Task ExecuteStep_HandlerClass_IsResolvedFromServices()
    {
        await using var server = await ExecutorServer.StartAsync(b => b.AddStepHandler<UppercaseHandler>("upper", "Uppercases message."));
        var client = new StepExecutorService.StepExecutorServiceClient(server.Channel);

        var response = await client.ExecuteStepAsync(Request("upper", """{"message": "hello"}""")).ResponseAsync.DefaultTimeout();

        Assert.Equal("HELLO", response.Output.Fields["message"].StringValue);
    }

    [Fact]
    public async Task ExecuteStep_UnknownType_ReturnsUnimplementedNamingTheType()
    {
        await using var server = await ExecutorServer.StartAsync(b => b.AddStepHandler<UppercaseHandler>("upper"));
        var client = new StepExecutorService.StepExecutorServiceClient(server.Channel);

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.ExecuteStepAsync(Request("nope")).ResponseAsync.DefaultTimeout());

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
        Assert.Contains("'nope'", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("upper", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteStep_StepFailedRetryable_ReturnsErrorWithRetryAfter()
    {
        await using var server = await ExecutorServer.StartAsync(b => b.AddStepHandler("busy", (_, _) =>
            throw StepFailedException.Retryable("RESOURCE_EXHAUSTED", "provider rate limit", TimeSpan.FromSeconds(3))));
        var client = new StepExecutorService.StepExecutorServiceClient(server.Channel);

        var response = await client.ExecuteStepAsync(Request("busy")).ResponseAsync.DefaultTimeout();

        Assert.Equal("RESOURCE_EXHAUSTED", response.Error.Code);
        Assert.True(response.Error.Retryable);
        Assert.Equal("provider rate limit", response.Error.Message);
        Assert.Equal(TimeSpan.FromSeconds(3), response.RetryAfter.ToTimeSpan());
    }

    [Fact]
    public async Task ExecuteStep_InvalidInput_ReturnsNonRetryableInvalidArgumentWithDetails()
    {
        var details = StructJson.ParseStruct("""{"field": "rules[0]"}""");
        await using var server = await ExecutorServer.StartAsync(b => b.AddStepHandler("strict", (_, _) =>
            throw StepFailedException.InvalidInput("rules[0].type: unknown rule type 'x'", details)));
        var client = new StepExecutorService.StepExecutorServiceClient(server.Channel);

        var response = await client.ExecuteStepAsync(Request("strict")).ResponseAsync.DefaultTimeout();

        Assert.Equal("INVALID_ARGUMENT", response.Error.Code);
        Assert.False(response.Error.Retryable);
        Assert.Equal("rules[0].type: unknown rule type 'x'", response.Error.Message);
        Assert.Equal(details, response.Error.Details);
        Assert.Null(response.RetryAfter);
    }

    [Fact]
    public async Task ExecuteStep_UnexpectedException_ReturnsRetryableInternalWithoutStackTrace()
    {
        await using var server = await ExecutorServer.StartAsync(b => b.AddStepHandler("boom", (_, _) =>
            throw new InvalidOperationException("the widget is broken")));
        var client = new StepExecutorService.StepExecutorServiceClient(server.Channel);

        var response = await client.ExecuteStepAsync(Request("boom")).ResponseAsync.DefaultTimeout();

        Assert.Equal("INTERNAL", response.Error.Code);
        Assert.True(response.Error.Retryable);
        Assert.Contains("the widget is broken", response.Error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", response.Error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(".cs:", response.Error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", response.Error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("timeout")]
    [InlineData("http")]
    [InlineData("io")]
    public async Task ExecuteStep_TransientException_ReturnsRetryableUnavailable(string kind)
    {
        await using var server = await ExecutorServer.StartAsync(b => b.AddStepHandler("flaky", (_, _) => throw (kind switch
        {
            "timeout" => new TimeoutException("upstream timed out"),
            "http" => new HttpRequestException("connection refused"),
            _ => (Exception)new IOException("disk hiccup"),
        })));
        var client = new StepExecutorService.StepExecutorServiceClient(server.Channel);

        var response = await client.ExecuteStepAsync(Request("flaky")).ResponseAsync.DefaultTimeout();

        Assert.Equal("UNAVAILABLE", response.Error.Code);
        Assert.True(response.Error.Retryable);
    }

    [Fact]
    public async Task ExecuteStep_BeyondMaxConcurrency_ReturnsResourceExhaustedAndServesAgainAfter()
    {
        const int Limit = 3;
        var entered = 0;
        var allEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await ExecutorServer.StartAsync(
            b => b.AddStepHandler("slow", async (_, ct) =>
            {
                if (Interlocked.Increment(ref entered) == Limit)
                {
                    allEntered.TrySetResult();
                }

                await release.Task.WaitAsync(ct);
                return new Struct();
            }),
            o => o.MaxConcurrency = Limit);
        var client = new StepExecutorService.StepExecutorServiceClient(server.Channel);

        var running = Enumerable.Range(0, Limit).Select(_ => client.ExecuteStepAsync(Request("slow")).ResponseAsync).ToList();
        await allEntered.Task.DefaultTimeout();
        var refused = await Assert.ThrowsAsync<RpcException>(() => client.ExecuteStepAsync(Request("slow")).ResponseAsync.DefaultTimeout());
        release.TrySetResult();
        await Task.WhenAll(running).DefaultTimeout();
        var after = await client.ExecuteStepAsync(Request("slow")).ResponseAsync.DefaultTimeout();

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal(Limit, entered - 1);
        Assert.Null(after.Error);
    }

    [Fact]
    public async Task ExecuteStep_CallerCancels_HandlerTokenFires()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handlerCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await ExecutorServer.StartAsync(b => b.AddStepHandler("hang", async (_, ct) =>
        {
            using var registration = ct.Register(() => handlerCancelled.TrySetResult());
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return new Struct();
        }));
        var client = new StepExecutorService.StepExecutorServiceClient(server.Channel);
        using var cts = new CancellationTokenSource();

        var call = client.ExecuteStepAsync(Request("hang"), cancellationToken: cts.Token);
        await started.Task.DefaultTimeout();
        await cts.CancelAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.DefaultTimeout());
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        await handlerCancelled.Task.DefaultTimeout();
    }

    [Fact]
    public async Task ExecuteStep_DeadlinePasses_HandlerSeesDeadlineAndTokenFires()
    {
        var handlerCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        DateTime? seenDeadline = null;
        await using var server = await ExecutorServer.StartAsync(b => b.AddStepHandler("hang", async (ctx, ct) =>
        {
            seenDeadline = ctx.Deadline;
            using var registration = ct.Register(() => handlerCancelled.TrySetResult());
            await Task.Delay(Timeout.Infinite, ct);
            return new Struct();
        }));
        var client = new StepExecutorService.StepExecutorServiceClient(server.Channel);
        var deadline = DateTime.UtcNow.AddMilliseconds(500);

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.ExecuteStepAsync(Request("hang"), deadline: deadline).ResponseAsync.DefaultTimeout());

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        await handlerCancelled.Task.DefaultTimeout();
        Assert.NotNull(seenDeadline);
        Assert.InRange(seenDeadline.Value, deadline.AddSeconds(-1), deadline.AddSeconds(1));
    }

    [Fact]
    public async Task DescribeExecutor_ListsTypesSchemasCapacityAndLabels()
    {
        var schema = StructJson.ParseStruct("""{"type": "object"}""");
        await using var server = await ExecutorServer.StartAsync(
            b => b.AddStepHandler<UppercaseHandler>("upper", "Uppercases message.", schema).AddStepHandler("echo", (c, _) => ValueTask.FromResult(c.Input)),
            o =>
            {
                o.Name = "test-executor";
                o.Version = "1.2.3";
                o.MaxConcurrency = 7;
                o.Labels["lang"] = "csharp";
            });
        var client = new StepExecutorService.StepExecutorServiceClient(server.Channel);

        var response = await client.DescribeExecutorAsync(new DescribeExecutorRequest()).ResponseAsync.DefaultTimeout();

        Assert.Equal("test-executor", response.Name);
        Assert.Equal("1.2.3", response.Version);
        Assert.Equal(7, response.MaxConcurrency);
        Assert.Equal("csharp", response.Labels["lang"]);
        Assert.Equal(["echo", "upper"], response.StepTypes.Select(t => t.Type));
        Assert.Equal("Uppercases message.", response.StepTypes[1].Description);
        Assert.Equal(schema, response.StepTypes[1].InputSchema);
    }

    [Fact]
    public async Task Start_TwoHandlersForOneType_FailsNamingTheType()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => ExecutorServer.StartAsync(b => b
            .AddStepHandler<UppercaseHandler>("upper")
            .AddStepHandler("upper", (c, _) => ValueTask.FromResult(c.Input))));

        Assert.Contains("'upper'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_MaxConcurrencyZero_FailsWithActionableMessage()
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => ExecutorServer.StartAsync(b => b.AddStepHandler<UppercaseHandler>("upper"), o => o.MaxConcurrency = 0));

        Assert.Contains("Executor:MaxConcurrency must be at least 1", ex.Message, StringComparison.Ordinal);
    }

    internal sealed class UppercaseHandler : IStepHandler
    {
        public ValueTask<Struct> ExecuteAsync(StepContext context, CancellationToken cancellationToken)
        {
            var output = context.Input.Clone();
            output.Fields["message"] = Value.ForString(output.Fields["message"].StringValue.ToUpperInvariant());
            return ValueTask.FromResult(output);
        }
    }
}
