using Grpc.Core;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace GrpcWorkflows.Executor.Internal;

/// <summary>
/// Checks the orchestrator's caller token on each call (<see cref="ExecutorOptions.VerifyCallerTokens"/>): an HS256
/// JWT signed with the key this executor received at registration, for its executor id, bound to the attempt
/// (execution id, step id, attempt number), within its lifetime. Keeps the current key and the one before it,
/// so that calls issued just before a registration replaced the key still pass.
/// </summary>
/// <remarks>Thread-safe. Tokens are checked with <see cref="JsonWebTokenHandler"/> on the injected <see cref="TimeProvider"/>.</remarks>
internal sealed class CallerTokenVerifier(IOptions<ExecutorOptions> options, TimeProvider timeProvider, ILogger<CallerTokenVerifier> logger)
{
    /// <summary>How long a call that arrives while this executor registers waits for its key.</summary>
    internal static readonly TimeSpan RegistrationWait = TimeSpan.FromSeconds(10);

    private readonly ExecutorOptions _options = options.Value;
    private readonly JsonWebTokenHandler _handler = new();
    private readonly Lock _gate = new();
    private (CallerTokenKey Key, TokenValidationParameters Parameters)[] _keys = [];
    private TaskCompletionSource? _registering;
    private bool _orchestratorSendsNone;
    private int _warned;

    /// <summary>A registration is on its way: calls that find no key for their audience wait for it (up to <see cref="RegistrationWait"/>).</summary>
    public void BeginRegistration()
    {
        lock (_gate)
        {
            _registering ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>The key a registration or session brought; null when the orchestrator sends no caller tokens.</summary>
    public void Accept(CallerTokenKey? key)
    {
        TaskCompletionSource? registering;
        lock (_gate)
        {
            if (key is null || key.Key.IsEmpty)
            {
                _orchestratorSendsNone = true;
            }
            else
            {
                _orchestratorSendsNone = false;
                var parameters = new TokenValidationParameters
                {
                    ValidIssuer = key.Issuer,
                    ValidAudience = key.Audience,
                    IssuerSigningKey = new SymmetricSecurityKey(key.Key.ToByteArray()),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    RequireSignedTokens = true,

                    // Checked in CheckAsync on the injected clock.
                    ValidateLifetime = false,
                };
                _keys = _keys.Length == 0 ? [(key, parameters)] : [(key, parameters), _keys[0]];
            }

            (registering, _registering) = (_registering, null);
        }

        registering?.TrySetResult();
        if (key is null && _options.VerifyCallerTokens)
        {
            Warn("the orchestrator sends none (Auth:ExecutorTokens:Enabled=false, or an older orchestrator)");
        }
    }

    /// <summary>Checks the caller token of a call for <paramref name="request"/>; null when the call may run, else the status to refuse it with.</summary>
    public async ValueTask<Status?> CheckAsync(string? token, ExecuteStepRequest request, CancellationToken cancellationToken)
    {
        if (!_options.VerifyCallerTokens)
        {
            return null;
        }

        if (string.IsNullOrEmpty(_options.OrchestratorAddress))
        {
            Warn("this executor does not register (Executor:OrchestratorAddress is not set), so it has no key");
            return null;
        }

        if (string.IsNullOrEmpty(token))
        {
            return Volatile.Read(ref _orchestratorSendsNone) ? null : Refuse(request, StatusCode.Unauthenticated, "The call carries no caller token (header `authorization: Bearer <token>`, or SessionAttempt.caller_token).");
        }

        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(token);
        }
        catch (ArgumentException)
        {
            return Refuse(request, StatusCode.Unauthenticated, "The caller token is not a JWT.");
        }

        var audience = jwt.Audiences.FirstOrDefault() ?? string.Empty;
        var entry = Find(audience);
        if (entry is null && Volatile.Read(ref _registering) is { } registering)
        {
            try
            {
                await registering.Task.WaitAsync(RegistrationWait, timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Still no key: refused below.
            }

            entry = Find(audience);
        }

        if (entry is not { } found)
        {
            return Volatile.Read(ref _keys).Length == 0
                ? Refuse(request, StatusCode.Unauthenticated, "This executor has not registered with its orchestrator yet: it has no key to check the caller token with.")
                : Refuse(request, StatusCode.PermissionDenied, $"The caller token is meant for executor '{Truncate(audience)}', not this one ('{Volatile.Read(ref _keys)[0].Key.Audience}').");
        }

        // The parameters (and their key object, which the handler caches its signature provider by) are made once per key, not per call.
        var result = await _handler.ValidateTokenAsync(jwt, found.Parameters).ConfigureAwait(false);
        if (result.IsValid)
        {
            var now = timeProvider.GetUtcNow().UtcDateTime;
            var skew = _options.CallerTokenClockSkew;
            if (jwt.ValidTo == DateTime.MinValue)
            {
                return Refuse(request, StatusCode.Unauthenticated, "The caller token has no expiry.");
            }

            if (now > jwt.ValidTo + skew)
            {
                return Refuse(request, StatusCode.Unauthenticated, "The caller token has expired.");
            }

            if (jwt.ValidFrom != DateTime.MinValue && now < jwt.ValidFrom - skew)
            {
                return Refuse(request, StatusCode.Unauthenticated, "The caller token is not valid yet (are the clocks of the orchestrator and the executor apart?).");
            }
        }
        else
        {
            var why = result.Exception switch
            {
                SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "The caller token's signature does not match this executor's key.",
                SecurityTokenInvalidIssuerException => "The caller token comes from another issuer.",
                _ => "The caller token is not valid.",
            };
            return Refuse(request, StatusCode.Unauthenticated, why);
        }

        if (!jwt.TryGetPayloadValue<string>("execution_id", out var executionId) || executionId != request.ExecutionId
            || !jwt.TryGetPayloadValue<string>("step_id", out var stepId) || stepId != request.StepId
            || !jwt.TryGetPayloadValue<int>("attempt", out var attempt) || attempt != request.Attempt)
        {
            return Refuse(request, StatusCode.PermissionDenied, "The caller token was issued for another attempt (its execution_id, step_id or attempt differ from the request's).");
        }

        return null;
    }

    private (CallerTokenKey Key, TokenValidationParameters Parameters)? Find(string audience)
    {
        foreach (var entry in Volatile.Read(ref _keys))
        {
            if (string.Equals(entry.Key.Audience, audience, StringComparison.Ordinal))
            {
                return entry;
            }
        }

        return null;
    }

    private Status Refuse(ExecuteStepRequest request, StatusCode code, string reason)
    {
        Log.CallerRefused(logger, request.StepId, request.ExecutionId, code.ToString(), reason);
        return new Status(code, reason);
    }

    private void Warn(string reason)
    {
        if (Interlocked.Exchange(ref _warned, 1) == 0)
        {
            Log.CallerTokensUnchecked(logger, reason);
        }
    }

    private static string Truncate(string text) => text.Length <= 100 ? text : string.Concat(text.AsSpan(0, 100), "…");
}
