using Grpc.Core;
using Grpc.Net.Client;
using GrpcWorkflows.Executor;
using GrpcWorkflows.Plugins.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Plugins.Tests.Processes;

/// <summary>Each plugin started as its own OS process, called over gRPC exactly as the orchestrator calls it.</summary>
public sealed class PluginProcessTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static ExecuteStepRequest Request(string type, string inputJson, params (string StepId, string Output)[] dependencies)
    {
        var request = new ExecuteStepRequest
        {
            ExecutionId = "exec-proc",
            WorkflowId = "wf",
            StepId = $"{type}_step",
            StepType = type,
            Attempt = 1,
            IdempotencyKey = $"exec-proc/{type}_step/1",
            Input = StructJson.ParseStruct(inputJson),
        };
        foreach (var (stepId, output) in dependencies)
        {
            request.Dependencies[stepId] = StructJson.ParseStruct(output);
        }

        return request;
    }

    private static async Task<(TestProcess Process, GrpcChannel Channel)> StartAsync(string assembly, params string[] arguments)
    {
        var process = TestProcess.StartDotnet(assembly, ["--urls", "http://127.0.0.1:0", .. arguments]);
        try
        {
            var address = await process.WaitForListeningAsync();
            return (process, GrpcChannel.ForAddress(address));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task InputExecutable_ExecuteStep_ReadsCsvUnderDataRoot()
    {
        _folder.Write("data/orders.csv", "id,amount\n1,12.5\n2,7\n");
        _folder.Write("secret.csv", "a\n1\n");
        var (process, channel) = await StartAsync("GrpcWorkflows.Plugins.Input", "--Input:DataRoot", _folder.Combine("data"));
        await using var _ = process;
        using var __ = channel;
        var client = new StepExecutorService.StepExecutorServiceClient(channel);

        var describe = await client.DescribeExecutorAsync(new DescribeExecutorRequest()).ResponseAsync.DefaultTimeout();
        var ok = await client.ExecuteStepAsync(Request("input", """{"data": {"message": "hello"}, "source": {"path": "orders.csv"}}""")).ResponseAsync.DefaultTimeout();
        var escape = await client.ExecuteStepAsync(Request("input", """{"source": {"path": "../secret.csv"}}""")).ResponseAsync.DefaultTimeout();

        Assert.Equal("input", Assert.Single(describe.StepTypes).Type);
        Assert.Equal("grpcworkflows-input", describe.Name);
        Assert.Null(ok.Error);
        Assert.Equal(Steps.Canonical("""{"items": [{"id": 1, "amount": 12.5}, {"id": 2, "amount": 7}], "message": "hello"}"""), Steps.Json(ok.Output));
        Assert.Equal("INVALID_ARGUMENT", escape.Error.Code);
        Assert.False(escape.Error.Retryable);
    }

    [Fact]
    public async Task ProcessExecutable_SeedRule_UppercasesAndUnknownRuleIsInvalidArgument()
    {
        var (process, channel) = await StartAsync("GrpcWorkflows.Plugins.Process");
        await using var _ = process;
        using var __ = channel;
        var client = new StepExecutorService.StepExecutorServiceClient(channel);

        var ok = await client.ExecuteStepAsync(Request(
            "process",
            """{"rules": [{"type": "transform", "field": "message", "operation": "uppercase"}]}""",
            ("collect_data", """{"message": "hello"}"""))).ResponseAsync.DefaultTimeout();
        var bad = await client.ExecuteStepAsync(Request("process", """{"rules": [{"type": "transform", "field": "message", "operation": "shout"}]}""")).ResponseAsync.DefaultTimeout();
        var unknownType = await Assert.ThrowsAsync<RpcException>(() => client.ExecuteStepAsync(Request("ai", "{}")).ResponseAsync.DefaultTimeout());

        Assert.Equal(Steps.Canonical("""{"message": "HELLO"}"""), Steps.Json(ok.Output));
        Assert.Equal("INVALID_ARGUMENT", bad.Error.Code);
        Assert.StartsWith("rules[0].operation: unknown operation 'shout'", bad.Error.Message, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unimplemented, unknownType.StatusCode);

        await process.StopAsync();
        Assert.Equal(0, process.ExitCode);
    }

    [Fact]
    public async Task OutputExecutable_WritesFileUnderRootAndRefusesLoopbackWebhook()
    {
        var (process, channel) = await StartAsync("GrpcWorkflows.Plugins.Output", "--Output:Root", _folder.Combine("out"));
        await using var _ = process;
        using var __ = channel;
        var client = new StepExecutorService.StepExecutorServiceClient(channel);

        var ok = await client.ExecuteStepAsync(Request("output", """{"file": {"path": "result.json"}}""", ("process_data", """{"message": "HELLO"}"""))).ResponseAsync.DefaultTimeout();
        var refused = await client.ExecuteStepAsync(Request("output", """{"webhook": {"url": "http://127.0.0.1:9/hook"}}""")).ResponseAsync.DefaultTimeout();

        Assert.Null(ok.Error);
        Assert.Equal(Steps.Canonical("""{"message": "HELLO"}"""), Steps.Json(ok.Output.Fields["result"].StructValue));
        Assert.Equal("HELLO", System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(_folder.Combine("out", "result.json")))!["message"]!.GetValue<string>());
        Assert.False(refused.Error.Retryable);
        Assert.Contains("127.0.0.1", refused.Error.Message, StringComparison.Ordinal);
    }
}
