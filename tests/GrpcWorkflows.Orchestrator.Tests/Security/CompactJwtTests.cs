using System.Security.Cryptography;
using System.Text.Json;
using GrpcWorkflows.Orchestrator.Security.Internal;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace GrpcWorkflows.Orchestrator.Tests.Security;

/// <summary>The hand-written caller tokens read, to a JWT library, as the tokens that library made before.</summary>
public sealed class CompactJwtTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    [Theory]
    [InlineData("exec-1", "0193a0b1c2d3e4f5", "s00042", 1)]
    [InlineData("exécuteur \"un\"", "e/1+2<3>", "step \\ \"ü\" 😀", int.MaxValue)]
    public async Task Sign_AnyIds_ValidatesWithJsonWebTokenHandlerAndCarriesTheAttempt(string audience, string executionId, string stepId, int attempt)
    {
        var now = DateTimeOffset.UtcNow;
        var token = Sign(audience, now, executionId, stepId, attempt);

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, Parameters(audience, Key));

        Assert.True(result.IsValid, result.Exception?.Message);
        var jwt = (JsonWebToken)result.SecurityToken;
        Assert.Equal("HS256", jwt.Alg);
        Assert.Equal("JWT", jwt.Typ);
        Assert.Equal(executionId, jwt.GetPayloadValue<string>("execution_id"));
        Assert.Equal(stepId, jwt.GetPayloadValue<string>("step_id"));
        Assert.Equal(attempt, jwt.GetPayloadValue<int>("attempt"));
        Assert.Equal(now.ToUnixTimeSeconds(), new DateTimeOffset(jwt.ValidFrom).ToUnixTimeSeconds());
        Assert.Equal(TimeSpan.FromMinutes(2), jwt.ValidTo - jwt.IssuedAt);
    }

    [Fact]
    public async Task Sign_CheckedWithAnotherExecutorsKeyOrAfterExpiry_IsRefused()
    {
        var token = Sign("exec-1", DateTimeOffset.UtcNow.AddMinutes(-10), "e", "s", 1);
        var handler = new JsonWebTokenHandler();

        var otherKey = await handler.ValidateTokenAsync(token, Parameters("exec-1", RandomNumberGenerator.GetBytes(32), validateLifetime: false));
        var expired = await handler.ValidateTokenAsync(token, Parameters("exec-1", Key));

        Assert.IsType<SecurityTokenSignatureKeyNotFoundException>(otherKey.Exception);
        Assert.IsType<SecurityTokenExpiredException>(expired.Exception);
    }

    [Fact]
    public async Task Sign_ManyThreadsAtOnce_EveryTokenValidates()
    {
        var key = new CompactJwt.HmacKey(Key);
        var tokens = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(() =>
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            return Enumerable.Range(0, 50).Select(n => CompactJwt.Sign(key, JsonEncodedText.Encode("grpcworkflows"), JsonEncodedText.Encode("exec-1"), now, now + 120, $"e{i}", $"s{n}", n)).ToList();
        })));

        var handler = new JsonWebTokenHandler();
        foreach (var token in tokens.SelectMany(t => t))
        {
            Assert.True((await handler.ValidateTokenAsync(token, Parameters("exec-1", Key))).IsValid);
        }
    }

    private static string Sign(string audience, DateTimeOffset now, string executionId, string stepId, int attempt)
        => CompactJwt.Sign(new CompactJwt.HmacKey(Key), JsonEncodedText.Encode("grpcworkflows"), JsonEncodedText.Encode(audience), now.ToUnixTimeSeconds(), now.ToUnixTimeSeconds() + 120, executionId, stepId, attempt);

    private static TokenValidationParameters Parameters(string audience, byte[] key, bool validateLifetime = true) => new()
    {
        ValidIssuer = "grpcworkflows",
        ValidAudience = audience,
        IssuerSigningKey = new SymmetricSecurityKey(key),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ValidateLifetime = validateLifetime,
    };
}
