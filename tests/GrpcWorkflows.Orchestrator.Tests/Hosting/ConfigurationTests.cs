using Grpc.Reflection.V1Alpha;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using static GrpcWorkflows.Orchestrator.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Orchestrator.Tests.Hosting;

/// <summary>What configuration switches on: static executors, OTLP export, server reflection.</summary>
public sealed class ConfigurationTests
{
    [Fact]
    public async Task StaticExecutor_FromConfiguration_ServesWorkflowsAndIsListedAsStatic()
    {
        await using var executor = await InProcessExecutor.StartAsync();
        await using var orchestrator = await TestOrchestrator.StartAsync(new Dictionary<string, string>
        {
            ["Executors:Static:0:Endpoint"] = executor.Address.ToString(),
            ["Executors:Static:0:StepTypes:0"] = "echo",
            ["Executors:Static:0:StepTypes:1"] = "noop",
            ["Executors:Static:0:MaxConcurrency"] = "3",
        });

        var execution = await orchestrator.Workflows.RunToEndAsync(Define("static", ("a", Step("echo", """{"v": 1}""")), ("b", Step("noop", null, "a"))));
        var listed = Assert.Single((await orchestrator.Registry.ListExecutorsAsync(new ListExecutorsRequest()).ResponseAsync.DefaultTimeout()).Executors);

        Assert.Equal(ExecutionState.Succeeded, execution.State);
        Assert.Equal(ExecutorSource.Static, listed.Source);
        Assert.Equal(3, listed.MaxConcurrency);
        Assert.Equal(["echo", "noop"], listed.StepTypes);
    }

    [Fact]
    public async Task Otlp_EndpointConfigured_TracingIsOnAndTheServerStillServes()
    {
        await using var executor = await InProcessExecutor.StartAsync();
        await using var orchestrator = await TestOrchestrator.StartAsync(new Dictionary<string, string>
        {
            ["OpenTelemetry:Otlp:Endpoint"] = "http://127.0.0.1:4317",
            ["Executors:Static:0:Endpoint"] = executor.Address.ToString(),
            ["Executors:Static:0:StepTypes:0"] = "noop",
        });

        var execution = await orchestrator.Workflows.RunToEndAsync(Define("traced", ("a", Step("noop"))));

        Assert.NotNull(orchestrator.Services.GetService<TracerProvider>());
        Assert.Equal(ExecutionState.Succeeded, execution.State);
    }

    [Fact]
    public async Task Otlp_NotConfigured_NoTracerProvider()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();

        Assert.Null(orchestrator.Services.GetService<TracerProvider>());
    }

    [Fact]
    public async Task Reflection_ListServices_IncludesTheOrchestratorsServices()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();

        var client = new ServerReflection.ServerReflectionClient(orchestrator.Channel);
        using var call = client.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" }).DefaultTimeout();
        await call.RequestStream.CompleteAsync().DefaultTimeout();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout());
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();

        Assert.Contains("grpcworkflows.v1.WorkflowService", services);
        Assert.Contains("grpcworkflows.v1.ExecutorRegistryService", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }
}
