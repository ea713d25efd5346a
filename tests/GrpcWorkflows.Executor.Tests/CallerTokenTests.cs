using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
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
        var (registry, server) = await StartRegisteredAsync(time);
        await using var registryLifetime = registry;
        await using var serverLifetime = server;
        var client = new StepExecutorService.StepExecutorServiceClient(server.Channel);
        var request = new ExecuteStepRequest { ExecutionId = "e-1", StepId = "s", StepType = "echo", Attempt = 2, IdempotencyKey = "e-1/s" };

        Task<StatusCode> CallAsync(string? token) => CallerTokenTests.CallAsync(client, request, token);

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
    public async Task ExecuteStep_TokenForgedAlteredOrMalformed_IsRefusedAndWellFormedVariantsRun()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (registry, server) = await StartRegisteredAsync(time);
        await using var registryLifetime = registry;
        await using var serverLifetime = server;
        var client = new StepExecutorService.StepExecutorServiceClient(server.Channel);

        // Ids that JSON escapes (a quote, a backslash, non-ASCII): the claims must be compared unescaped.
        var request = new ExecuteStepRequest { ExecutionId = "e-\"1\"\\é", StepId = "s/ü\u2028", StepType = "echo", Attempt = 2, IdempotencyKey = "k" };
        Task<StatusCode> CallAsync(string token) => CallerTokenTests.CallAsync(client, request, token);

        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var exp = now + 120;
        var header = """{"alg":"HS256","typ":"JWT"}""";
        string Payload(string audience = "\"executor-1\"", string issuer = "test-orchestrator", string times = "", string attempt = "2") =>
            $$"""{"iss":"{{issuer}}","aud":{{audience}},{{times}}"execution_id":{{JsonString(request.ExecutionId)}},"step_id":{{JsonString(request.StepId)}},"attempt":{{attempt}}}""";
        var times = $"\"iat\":{now},\"nbf\":{now},\"exp\":{exp},";

        // Well formed: the token library's own tokens (audience as an array too), and hand-signed ones with the claims in any order.
        Assert.Equal(StatusCode.OK, await CallAsync(Token(time, "executor-1", request)));
        Assert.Equal(StatusCode.OK, await CallAsync(Sign(header, Payload(times: times))));
        Assert.Equal(StatusCode.OK, await CallAsync(Sign(header, Payload(audience: """["executor-1","another"]""", times: times))));
        Assert.Equal(StatusCode.OK, await CallAsync(Sign("""{"typ":"JWT","alg":"HS256","kid":"k"}""", $$"""{"exp":{{exp}},"attempt":2,"step_id":{{JsonString(request.StepId)}},"execution_id":{{JsonString(request.ExecutionId)}},"aud":"executor-1","iss":"test-orchestrator"}""")));

        // The algorithm: none, another HMAC, or a header without one.
        var valid = Sign(header, Payload(times: times));
        var parts = valid.Split('.');
        Assert.Equal(StatusCode.Unauthenticated, await CallAsync($"{Encode("""{"alg":"none","typ":"JWT"}""")}.{parts[1]}."));
        Assert.Equal(StatusCode.Unauthenticated, await CallAsync(Sign("""{"alg":"HS512","typ":"JWT"}""", Payload(times: times), HashAlgorithmName.SHA512)));
        Assert.Equal(StatusCode.Unauthenticated, await CallAsync(Sign("""{"typ":"JWT"}""", Payload(times: times))));
        Assert.Equal(StatusCode.Unauthenticated, await CallAsync(Sign("""{"alg":"HS256","crit":["exp"]}""", Payload(times: times))));

        // Altered after signing: the payload, the signature, or the signature's length.
        Assert.Equal(StatusCode.Unauthenticated, await CallAsync($"{parts[0]}.{Encode(Payload(times: times.Replace($"{exp}", $"{exp + 3600}")))}.{parts[2]}"));
        Assert.Equal(StatusCode.Unauthenticated, await CallAsync($"{parts[0]}.{parts[1]}.{(parts[2][0] == 'A' ? 'B' : 'A')}{parts[2][1..]}"));
        Assert.Equal(StatusCode.Unauthenticated, await CallAsync($"{parts[0]}.{parts[1]}.{parts[2][..^2]}"));
        Assert.Equal(StatusCode.Unauthenticated, await CallAsync(Sign(header, Payload(times: times), key: RandomNumberGenerator.GetBytes(32))));

        // Signed with the right key but wrong: issuer, no expiry, not valid yet, claims of the wrong type or given twice.
        Assert.Equal(StatusCode.Unauthenticated, await CallAsync(Sign(header, Payload(issuer: "someone-else", times: times))));
        Assert.Equal(StatusCode.Unauthenticated, await CallAsync(Sign(header, Payload(times: $"\"iat\":{now},"))));
        Assert.Equal(StatusCode.Unauthenticated, await CallAsync(Sign(header, Payload(times: $"\"nbf\":{now + 300},\"exp\":{exp + 300},"))));
        Assert.Equal(StatusCode.Unauthenticated, await CallAsync(Sign(header, Payload(times: $"\"exp\":\"{exp}\","))));
        Assert.Equal(StatusCode.Unauthenticated, await CallAsync(Sign(header, Payload(times: times, attempt: "\"2\""))));
        Assert.Equal(StatusCode.Unauthenticated, await CallAsync(Sign(header, Payload(times: times + "\"attempt\":3,"))));
        Assert.Equal(StatusCode.PermissionDenied, await CallAsync(Sign(header, Payload(times: times, attempt: "3"))));
        Assert.Equal(StatusCode.PermissionDenied, await CallAsync(Sign(header, Payload(audience: """["another","executor-1"]""", times: times))));

        // Not a compact JWS: four segments, padding, a payload that is not a JSON object, trailing JSON.
        Assert.Equal(StatusCode.Unauthenticated, await CallAsync(valid + ".x"));
        Assert.Equal(StatusCode.Unauthenticated, await CallAsync($"{parts[0]}.{parts[1]}=.{parts[2]}"));
        Assert.Equal(StatusCode.Unauthenticated, await CallAsync(Sign(header, "[1,2]")));
        Assert.Equal(StatusCode.Unauthenticated, await CallAsync(Sign(header, Payload(times: times) + "{}")));

        // Two minutes and the 30 s of skew later, the valid token has expired.
        Assert.Equal(StatusCode.OK, await CallAsync(valid));
        time.Advance(TimeSpan.FromSeconds(151));
        Assert.Equal(StatusCode.Unauthenticated, await CallAsync(valid));
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

    /// <summary>Calls ExecuteStep for <paramref name="request"/> with <paramref name="token"/> as its bearer token (none when null); the status it ends with.</summary>
    private static async Task<StatusCode> CallAsync(StepExecutorService.StepExecutorServiceClient client, ExecuteStepRequest request, string? token)
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

    /// <summary>An executor (push mode, on <paramref name="time"/>) that registered with a registry handing out <see cref="Secret"/> as its key.</summary>
    private static async Task<(TestRegistryServer Registry, ExecutorServer Server)> StartRegisteredAsync(FakeTimeProvider time)
    {
        var registry = await TestRegistryServer.StartAsync(TimeSpan.FromMinutes(10));
        registry.Calls.CallerTokenSecret = Secret;
        var server = await ExecutorServer.StartAsync(
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
        return (registry, server);
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

    /// <summary>A compact JWS of <paramref name="header"/> and <paramref name="payload"/> as given, signed with the BCL's HMAC.</summary>
    private static string Sign(string header, string payload, HashAlgorithmName? algorithm = null, byte[]? key = null)
    {
        var input = $"{Encode(header)}.{Encode(payload)}";
        var data = Encoding.ASCII.GetBytes(input);
        var signature = algorithm == HashAlgorithmName.SHA512 ? HMACSHA512.HashData(key ?? Secret, data) : HMACSHA256.HashData(key ?? Secret, data);
        return $"{input}.{Base64Url.EncodeToString(signature)}";
    }

    private static string Encode(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));

    private static string JsonString(string value) => System.Text.Json.JsonSerializer.Serialize(value);
}
