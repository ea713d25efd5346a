using Grpc.Core;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Executor.Internal;

/// <summary>
/// Checks the orchestrator's caller token on each call (<see cref="ExecutorOptions.VerifyCallerTokens"/>): an HS256
/// JWT signed with the key this executor received at registration, for its executor id, bound to the attempt
/// (execution id, step id, attempt number), within its lifetime. Keeps the current key and the one before it,
/// so that calls issued just before a registration replaced the key still pass.
/// </summary>
/// <remarks>Thread-safe. Tokens are checked by <see cref="Hs256Token"/> on the injected <see cref="TimeProvider"/>.</remarks>
internal sealed class CallerTokenVerifier(IOptions<ExecutorOptions> options, TimeProvider timeProvider, ILogger<CallerTokenVerifier> logger)
{
    /// <summary>How long a call that arrives while this executor registers waits for its key.</summary>
    internal static readonly TimeSpan RegistrationWait = TimeSpan.FromSeconds(10);

    private readonly ExecutorOptions _options = options.Value;
    private readonly Lock _gate = new();
    private Hs256Token.Key[] _keys = [];
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
                var accepted = new Hs256Token.Key(key.Issuer, key.Audience, key.Key.ToByteArray());
                _keys = _keys.Length == 0 ? [accepted] : [accepted, _keys[0]];
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

        var verdict = Hs256Token.Check(token, request, Volatile.Read(ref _keys), timeProvider.GetUtcNow(), _options.CallerTokenClockSkew);
        if (verdict == Hs256Token.Verdict.NoKey && Volatile.Read(ref _registering) is { } registering)
        {
            try
            {
                await registering.Task.WaitAsync(RegistrationWait, timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Still no key: refused below.
            }

            verdict = Hs256Token.Check(token, request, Volatile.Read(ref _keys), timeProvider.GetUtcNow(), _options.CallerTokenClockSkew);
        }

        return verdict switch
        {
            Hs256Token.Verdict.Valid => null,
            Hs256Token.Verdict.NotJwt => Refuse(request, StatusCode.Unauthenticated, "The caller token is not a JWT."),
            Hs256Token.Verdict.NoKey when Volatile.Read(ref _keys).Length == 0
                => Refuse(request, StatusCode.Unauthenticated, "This executor has not registered with its orchestrator yet: it has no key to check the caller token with."),
            Hs256Token.Verdict.NoKey
                => Refuse(request, StatusCode.PermissionDenied, $"The caller token is meant for executor '{Truncate(Hs256Token.Audience(token))}', not this one ('{Volatile.Read(ref _keys)[0].Audience}')."),
            Hs256Token.Verdict.BadSignature => Refuse(request, StatusCode.Unauthenticated, "The caller token's signature does not match this executor's key."),
            Hs256Token.Verdict.BadIssuer => Refuse(request, StatusCode.Unauthenticated, "The caller token comes from another issuer."),
            Hs256Token.Verdict.NoExpiry => Refuse(request, StatusCode.Unauthenticated, "The caller token has no expiry."),
            Hs256Token.Verdict.Expired => Refuse(request, StatusCode.Unauthenticated, "The caller token has expired."),
            Hs256Token.Verdict.NotYetValid => Refuse(request, StatusCode.Unauthenticated, "The caller token is not valid yet (are the clocks of the orchestrator and the executor apart?)."),
            Hs256Token.Verdict.OtherAttempt => Refuse(request, StatusCode.PermissionDenied, "The caller token was issued for another attempt (its execution_id, step_id or attempt differ from the request's)."),
            _ => Refuse(request, StatusCode.Unauthenticated, "The caller token is not valid."),
        };
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
