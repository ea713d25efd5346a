using Grpc.Core;
using Grpc.Net.Client;
using GrpcWorkflows.Orchestrator.Security.Internal;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static GrpcWorkflows.Orchestrator.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Orchestrator.Tests.Security;

/// <summary>Executors know their caller: every call from the orchestrator carries a token the SDK checks by default.</summary>
public sealed class CallerTokenTests
{
    [Fact]
    public async Task Workflows_ConnectAndPushExecutorsCheckingTokens_SucceedWhileCallsFromElsewhereAreRefused()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        await using var connected = await InProcessExecutor.StartAsync(orchestrator.Address, maxConcurrency: 4);
        await using var pushed = await InProcessExecutor.StartAsync(orchestrator.Address, maxConcurrency: 4, extraArgs: "--Executor:Mode=Push");
        await orchestrator.WaitForExecutorsAsync("echo", 2);

        var modes = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 16; i++)
        {
            var definition = Define($"tokens-{i}", ("a", Step("echo", """{"n": 1}""")), ("b", Step("echo", "{}", "a")));
            var id = (await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition }).ResponseAsync.DefaultTimeout()).ExecutionId;
            Assert.Equal(ExecutionState.Succeeded, (await orchestrator.Workflows.WatchToEndAsync(id)).FinalState());
            var execution = (await orchestrator.Workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = id }).ResponseAsync.DefaultTimeout()).Execution;
            modes.UnionWith(execution.Steps.SelectMany(s => s.AttemptHistory).Select(a => a.Endpoint.StartsWith("session://", StringComparison.Ordinal) ? "connect" : "push"));
        }

        Assert.Equal(["connect", "push"], modes.Order(StringComparer.Ordinal));

        // A process other than the orchestrator calls the pushed executor directly.
        var executors = orchestrator.ExecutorRegistry.List("echo");
        var pushedId = executors.Single(e => e.Source == ExecutorSource.Registered).ExecutorId;
        var connectedId = executors.Single(e => e.Source == ExecutorSource.Connected).ExecutorId;
        var tokens = orchestrator.Services.GetRequiredService<CallerTokenIssuer>();
        using var channel = GrpcChannel.ForAddress(pushed.Address);
        var client = new StepExecutorService.StepExecutorServiceClient(channel);
        var request = new ExecuteStepRequest { ExecutionId = "x", StepId = "s", StepType = "echo", Attempt = 1, IdempotencyKey = "x/s" };

        async Task<StatusCode> CallAsync(string? token)
        {
            try
            {
                await client.ExecuteStepAsync(request, token is null ? null : new Metadata { { "authorization", "Bearer " + token } }).ResponseAsync.DefaultTimeout();
                return StatusCode.OK;
            }
            catch (RpcException e)
            {
                return e.StatusCode;
            }
        }

        Assert.Equal(StatusCode.Unauthenticated, await CallAsync(null));
        Assert.Equal(StatusCode.PermissionDenied, await CallAsync(tokens.Issue(connectedId, request)));
        Assert.Equal(StatusCode.OK, await CallAsync(tokens.Issue(pushedId, request)));
    }

    [Fact]
    public async Task RegisterExecutor_TokensOn_ReturnsAKeyForThatExecutorAlone()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        var first = await orchestrator.Registry.RegisterExecutorAsync(new RegisterExecutorRequest { Endpoint = "http://127.0.0.1:1", StepTypes = { "echo" } }).ResponseAsync.DefaultTimeout();
        var second = await orchestrator.Registry.RegisterExecutorAsync(new RegisterExecutorRequest { Endpoint = "http://127.0.0.1:2", StepTypes = { "echo" } }).ResponseAsync.DefaultTimeout();

        Assert.Equal("HS256", first.CallerTokenKey.Algorithm);
        Assert.Equal(first.ExecutorId, first.CallerTokenKey.Audience);
        Assert.Equal(32, first.CallerTokenKey.Key.Length);
        Assert.NotEqual(first.CallerTokenKey.Key, second.CallerTokenKey.Key);
    }

    [Fact]
    public async Task RegisterExecutor_TokensOff_ReturnsNoKey()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync(new Dictionary<string, string> { ["Auth:ExecutorTokens:Enabled"] = "false" });
        var response = await orchestrator.Registry.RegisterExecutorAsync(new RegisterExecutorRequest { Endpoint = "http://127.0.0.1:1", StepTypes = { "echo" } }).ResponseAsync.DefaultTimeout();

        Assert.Null(response.CallerTokenKey);
    }

    [Fact]
    public async Task Connect_TokensOn_TheSessionGetsItsKeyAndEachAttemptATokenSignedForItAndBoundToTheAttempt()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        using var call = orchestrator.Registry.Connect();
        await call.RequestStream.WriteAsync(new ConnectRequest { Registration = new SessionRegistration { StepTypes = { "raw" }, MaxConcurrency = 1, Credits = 1, Name = "raw" } }).DefaultTimeout();
        Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
        var registered = call.ResponseStream.Current.Registered;
        var key = registered.CallerTokenKey;
        Assert.Equal(registered.ExecutorId, key.Audience);

        var submitted = await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = Define("raw", ("a", Step("raw"))) }).ResponseAsync.DefaultTimeout();
        Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
        var attempt = call.ResponseStream.Current.Attempt;

        var checkedToken = await new JsonWebTokenHandler().ValidateTokenAsync(attempt.CallerToken, new TokenValidationParameters
        {
            ValidIssuer = key.Issuer,
            ValidAudience = registered.ExecutorId,
            IssuerSigningKey = new SymmetricSecurityKey(key.Key.ToByteArray()),
            ValidAlgorithms = [key.Algorithm],
        });
        Assert.True(checkedToken.IsValid, checkedToken.Exception?.Message);
        var jwt = (JsonWebToken)checkedToken.SecurityToken;
        Assert.Equal(submitted.ExecutionId, jwt.GetPayloadValue<string>("execution_id"));
        Assert.Equal("a", jwt.GetPayloadValue<string>("step_id"));
        Assert.Equal(1, jwt.GetPayloadValue<int>("attempt"));
        Assert.InRange(jwt.ValidTo - jwt.IssuedAt, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2));
        await call.RequestStream.CompleteAsync();
    }
}
