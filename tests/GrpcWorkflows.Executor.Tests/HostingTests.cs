using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using GrpcWorkflows.Executor.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Executor.Tests;

public sealed class HostingTests
{
    [Fact]
    public async Task Health_ExecutorStarted_ReportsServing()
    {
        await using var server = await ExecutorServer.StartAsync(b => b.AddStepHandler("echo", (c, _) => ValueTask.FromResult(c.Input)));
        var client = new Health.HealthClient(server.Channel);

        var response = await client.CheckAsync(new HealthCheckRequest()).ResponseAsync.DefaultTimeout();

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Reflection_ListServices_IncludesStepExecutorService()
    {
        await using var server = await ExecutorServer.StartAsync(b => b.AddStepHandler("echo", (c, _) => ValueTask.FromResult(c.Input)));
        var client = new ServerReflection.ServerReflectionClient(server.Channel);

        using var call = client.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" }).DefaultTimeout();
        await call.RequestStream.CompleteAsync().DefaultTimeout();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout());

        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("grpcworkflows.v1.StepExecutorService", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }

    [Fact]
    public async Task ExecuteStep_CallerSendsTraceParent_StepActivityContinuesTheTrace()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var parentSpanId = ActivitySpanId.CreateRandom();
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == Instrumentation.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (a.TraceId == traceId)
                {
                    stopped.Enqueue(a);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        Activity? handlerActivity = null;
        await using var server = await ExecutorServer.StartAsync(b => b.AddStepHandler("echo", (c, _) =>
        {
            handlerActivity = Activity.Current;
            return ValueTask.FromResult(c.Input);
        }));
        var client = new StepExecutorService.StepExecutorServiceClient(server.Channel);
        var headers = new Metadata { { "traceparent", $"00-{traceId}-{parentSpanId}-01" } };

        await client.ExecuteStepAsync(
            new ExecuteStepRequest { ExecutionId = "exec-9", StepId = "s1", StepType = "echo", Attempt = 1, Input = new Struct() },
            headers).ResponseAsync.DefaultTimeout();
        await AsyncTestHelpers.WaitUntilAsync(() => !stopped.IsEmpty, "the step activity stops");

        var activity = Assert.Single(stopped);
        Assert.Equal(ActivityKind.Server, activity.Kind);
        Assert.Same(activity, handlerActivity);
        Assert.Equal("exec-9", activity.GetTagItem(TelemetryTags.ExecutionId));
        Assert.Equal("s1", activity.GetTagItem(TelemetryTags.StepId));
        Assert.Equal("echo", activity.GetTagItem(TelemetryTags.StepType));
    }

    [Fact]
    public void MergedDependencyData_TwoDependencies_MergesInStepIdOrderLaterWins()
    {
        var request = new ExecuteStepRequest
        {
            Dependencies =
            {
                ["b_step"] = StructJson.ParseStruct("""{"value": 2, "b": true}"""),
                ["a_step"] = StructJson.ParseStruct("""{"value": 1, "a": true}"""),
            },
        };
        var context = new StepContext(request);

        var merged = context.MergedDependencyJson();

        Assert.Equal("""{"value":2,"a":true,"b":true}""", merged.ToJsonString());
        Assert.Empty(context.Input.Fields);
    }
}
