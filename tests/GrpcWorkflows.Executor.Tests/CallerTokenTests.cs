using System.Security.Cryptography;
using Grpc.Core;
using GrpcWorkflows.Executor.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace GrpcWorkflows.Executor.Tests;

/// <summary>
/// An executor that registered checks the caller token of every call with the key its registration brought: the
/// test's registry plays the orchestrator and signs tokens as it would (HS256, audience = executor id, bound to the attempt).
/// </summary>
public sealed class CallerTokenTests
{
    private static readonly byte[] Secret = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public async Task ExecuteStep_RegisteredExecutor_RunsOnlyCallsWithAValidTokenForItAndTheAttempt()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var registry = await TestRegistryServer.StartAsync(TimeSpan.FromMinutes(10));
        registry.Calls.CallerTokenSecret = Secret;
        await using var server = await ExecutorServer.StartAsync(
            b =>
            {
                b.AddStepHandler("echo", (c, _) => ValueTask.FromResult(c.Input));
                b.Services.AddSingleton<TimeProvider>(time);
            },
            o =>
            {
                o.OrchestratorAddress = registry.Address;
                o.Mode = ExecutorMode.Push;
            });
        Assert.Equal("register:executor-1", await registry.Calls.Events.Reader.ReadAsync().AsTask().DefaultTimeout());
        var client = new StepExecutorService.StepExecutorServiceClient(server.Channel);
        var request = new ExecuteStepRequest { ExecutionId = "e-1", StepId = "s", StepType = "echo", Attempt = 2, IdempotencyKey = "e-1/s" };

        async Task<StatusCode> CallAsync(string? token)
        {
            var headers = token is null ? null : new Metadata { { "authorization", "Bearer " + token } };
            try
            {
                await client.ExecuteStepAsync(request, headers).ResponseAsync.DefaultTimeout();
                return StatusCode.OK;
            }
            catch (RpcException e)
            {
                return e.StatusCode;
            }
        }

        Assert.Equal(StatusCode.OK, await CallAsync(Token(time, "executor-1", request)));
        Assert.Equal(StatusCode.Unauthenticated, await CallAsync(null));
        Assert.Equal(StatusCode.Unauthenticated, await CallAsync("not-a-jwt"));
        Assert.Equal(StatusCode.Unauthenticated, await CallAsync(Token(time, "executor-1", request, secret: RandomNumberGenerator.GetBytes(32))));
        Assert.Equal(StatusCode.PermissionDenied, await CallAsync(Token(time, "executor-2", request)));
        Assert.Equal(StatusCode.PermissionDenied, await CallAsync(Token(time, "executor-1", new ExecuteStepRequest(request) { Attempt = 3 })));
        Assert.Equal(StatusCode.PermissionDenied, await CallAsync(Token(time, "executor-1", new ExecuteStepRequest(request) { ExecutionId = "e-2" })));

        // Issued now, valid two minutes (and 30 s of clock skew): three minutes later it has expired.
        var token = Token(time, "executor-1", request);
        time.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(StatusCode.Unauthenticated, await CallAsync(token));
        Assert.Equal(StatusCode.OK, await CallAsync(Token(time, "executor-1", request)));
    }

    [Fact]
    public async Task ExecuteStep_VerificationTurnedOff_RunsCallsWithoutATokenEvenWhenRegistered()
    {
        await using var registry = await TestRegistryServer.StartAsync(TimeSpan.FromMinutes(10));
        registry.Calls.CallerTokenSecret = Secret;
        await using var server = await ExecutorServer.StartAsync(
            b => b.AddStepHandler("echo", (c, _) => ValueTask.FromResult(c.Input)),
            o =>
            {
                o.OrchestratorAddress = registry.Address;
                o.Mode = ExecutorMode.Push;
                o.VerifyCallerTokens = false;
            });
        Assert.Equal("register:executor-1", await registry.Calls.Events.Reader.ReadAsync().AsTask().DefaultTimeout());

        var client = new StepExecutorService.StepExecutorServiceClient(server.Channel);
        var response = await client.ExecuteStepAsync(new ExecuteStepRequest { ExecutionId = "e", StepId = "s", StepType = "echo", Attempt = 1 }).ResponseAsync.DefaultTimeout();
        Assert.Null(response.Error);
    }

    /// <summary>A token as the orchestrator signs it, with the times of <paramref name="time"/>.</summary>
    private static string Token(TimeProvider time, string audience, ExecuteStepRequest request, byte[]? secret = null)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "test-orchestrator",
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + TimeSpan.FromMinutes(2),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(secret ?? Secret), SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object> { ["execution_id"] = request.ExecutionId, ["step_id"] = request.StepId, ["attempt"] = request.Attempt },
        });
    }
}
