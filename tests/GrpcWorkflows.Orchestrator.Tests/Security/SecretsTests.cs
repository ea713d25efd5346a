using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using GrpcWorkflows.Engine.Secrets;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Orchestrator.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Orchestrator.Tests.Security;

/// <summary>Secrets configured with <c>Secrets:Directory</c>, over real gRPC with a real executor that echoes its input.</summary>
public sealed class SecretsTests : IDisposable
{
    private const string Token = "tok-9f8e7d6c5b4a";

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("gwf-secrets-");

    public SecretsTests() => File.WriteAllText(Path.Combine(_folder.FullName, "DB_PASSWORD"), Token);

    [Fact]
    public async Task EchoedSecret_RedactedInGetExecutionAndTheEventStream_UnknownSecretRefusedAtSubmit()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync(new Dictionary<string, string> { ["Secrets:Directory"] = _folder.FullName });
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("echo");
        var definition = Define("secret", ("a", Step("echo", """{"dsn": "postgres://app:{{ secrets.DB_PASSWORD }}@db/app"}""")));

        var events = new List<ExecutionEvent>();
        using (var run = orchestrator.Workflows.RunWorkflow(new RunWorkflowRequest { Submit = new SubmitWorkflowRequest { Definition = definition } }))
        {
            while (await run.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout())
            {
                events.Add(run.ResponseStream.Current.Event);
            }
        }

        var execution = (await orchestrator.Workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = events[0].ExecutionId }).ResponseAsync.DefaultTimeout()).Execution;
        var unknown = await Assert.ThrowsAsync<RpcException>(() => orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest
        {
            Definition = Define("secret", ("a", Step("echo", """{"key": "{{ secrets.NOT_THERE }}"}"""))),
        }).ResponseAsync.DefaultTimeout());

        Assert.Equal(ExecutionState.Succeeded, execution.State);
        Assert.Equal($"postgres://app:{SecretRedaction.Marker}@db/app", execution.Steps[0].Output.Fields["dsn"].StringValue);
        Assert.DoesNotContain(Token, JsonFormatter.Default.Format(execution), StringComparison.Ordinal);
        Assert.All(events, e => Assert.DoesNotContain(Token, JsonFormatter.Default.Format(e), StringComparison.Ordinal));
        Assert.Equal(StatusCode.InvalidArgument, unknown.StatusCode);
        var violation = Assert.Single(unknown.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations);
        Assert.Equal("steps.a.input.key", violation.Field);
        Assert.Contains("'NOT_THERE'", violation.Description, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Delete(recursive: true);
}
