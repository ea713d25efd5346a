using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using GrpcWorkflows.Orchestrator.Dispatch.Internal;
using GrpcWorkflows.Orchestrator.Internal;
using GrpcWorkflows.Orchestrator.Registry;
using GrpcWorkflows.Orchestrator.Security;
using GrpcWorkflows.Orchestrator.Security.Internal;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Orchestrator.Services.Internal;

/// <summary>
/// Runs one <c>Connect</c> call: registers the session through <see cref="ExecutorRegistry.RegisterAsync"/>,
/// then reads the executor's messages (credits, results, heartbeats, drain) while a single writer sends
/// the session's queued messages, several per HTTP/2 write when they queue up. The session is removed
/// from the registry the moment the call ends, however it ends; its unanswered attempts come back lost.
/// On application stopping the session drains: a drain notice, nothing new, the call ends once the
/// attempts in flight have answered.
/// </summary>
internal sealed class ExecutorSessionHandler(
    ExecutorRegistry registry,
    IOptions<ExecutorRegistryOptions> options,
    TimeProvider timeProvider,
    IHostApplicationLifetime lifetime,
    ILogger<ExecutorSessionHandler> logger,
    CallerTokenIssuer? tokens = null)
{
    private static readonly WriteOptions Buffered = new(WriteFlags.BufferHint);

    /// <summary>Serves one session until either side ends it.</summary>
    public async Task RunAsync(IAsyncStreamReader<ConnectRequest> requests, IServerStreamWriter<ConnectResponse> responses, ServerCallContext context, CallerPrincipal caller)
    {
        var callToken = context.CancellationToken;
        if (!await requests.MoveNext(callToken).ConfigureAwait(false))
        {
            return;
        }

        if (requests.Current.KindCase != ConnectRequest.KindOneofCase.Registration)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "The first message of a session must be `registration` (ConnectRequest.registration)."));
        }

        var registration = requests.Current.Registration;
        var request = new RegisterExecutorRequest { MaxConcurrency = registration.MaxConcurrency, Name = registration.Name, Version = registration.Version };
        request.StepTypes.Add(registration.StepTypes);
        request.Labels.Add(registration.Labels);
        ExecutorSession session;
        try
        {
            (_, var made) = await registry.RegisterAsync(
                request, caller, (id, capacity) => new ExecutorSession(id, capacity, timeProvider, registry.OnSessionCapacityChanged), callToken).ConfigureAwait(false);
            session = made!;
        }
        catch (Exception e) when (e is RegistrationRejectedException or RegistryFullException or ExecutorRegistrationDeniedException)
        {
            throw ExecutorRegistryGrpcService.Refused(e);
        }

        var reason = "the executor ended the session";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(callToken);
        using var stopping = lifetime.ApplicationStopping.Register(static s => ((ExecutorSession)s!).Drain(notify: true, "the orchestrator is shutting down"), session);
        Task? writer = null;
        try
        {
            var value = options.Value;
            await responses.WriteAsync(new ConnectResponse
            {
                Registered = new SessionRegistered
                {
                    ExecutorId = session.ExecutorId,
                    HeartbeatInterval = Duration.FromTimeSpan(value.HeartbeatInterval),
                    SessionTimeout = Duration.FromTimeSpan(value.LeaseDuration),
                    CallerTokenKey = tokens?.KeyFor(session.ExecutorId),
                    AcceptsResults = true,
                },
            }, callToken).ConfigureAwait(false);
            session.Grant(registration.Credits);
            writer = WriteAsync(session, responses, registration.AcceptsAttempts, stop.Token);
            var reader = ReadAsync(session, requests, stop.Token);
            var first = await Task.WhenAny(reader, writer, session.Drained).ConfigureAwait(false);
            if (first == session.Drained && session.CloseReason is null)
            {
                reason = "the session drained";
            }
            else if (first.IsFaulted)
            {
                reason = $"the call broke ({first.Exception!.InnerException!.Message})";
            }
            else if (first == writer)
            {
                reason = "the call ended";
            }

            // Let the writer send what is queued (a drain notice), then end the call.
            session.Close(reason);
            await writer.WaitAsync(TimeSpan.FromSeconds(5), timeProvider, callToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or TimeoutException or RpcException or InvalidOperationException)
        {
            reason = $"the call broke ({e.Message})";
        }
        finally
        {
            session.Close(reason);
            registry.RemoveSession(session);
            Log.SessionEnded(logger, session.ExecutorId, reason);
            await stop.CancelAsync().ConfigureAwait(false);
            if (writer is not null)
            {
                await writer.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
            }
        }
    }

    private static async Task ReadAsync(ExecutorSession session, IAsyncStreamReader<ConnectRequest> requests, CancellationToken cancellationToken)
    {
        while (await requests.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            session.Heard();
            var message = requests.Current;
            switch (message.KindCase)
            {
                case ConnectRequest.KindOneofCase.Credit:
                    session.Grant(message.Credit.Credits);
                    break;
                case ConnectRequest.KindOneofCase.Result:
                    Complete(session, message.Result);
                    break;
                case ConnectRequest.KindOneofCase.Results:
                    foreach (var result in message.Results.Results)
                    {
                        Complete(session, result);
                    }

                    break;
                case ConnectRequest.KindOneofCase.Drain:
                    session.Drain(notify: false, message.Drain.Reason);
                    break;
                case ConnectRequest.KindOneofCase.Registration:
                    throw new RpcException(new Status(StatusCode.InvalidArgument, "A session registers once, in its first message; open another session to register again."));
                default:
                    // A heartbeat, or a kind this orchestrator does not know yet: a sign of life.
                    break;
            }
        }
    }

    private static void Complete(ExecutorSession session, SessionResult result)
        => session.Complete(result.DispatchId, result.StatusCode != 0
            ? AttemptOutcomes.FromStatus((StatusCode)result.StatusCode, result.StatusMessage, session.Address)
            : AttemptOutcomes.FromResponse(result.Response ?? new ExecuteStepResponse(), session.Address), result.Credits);

    private static async Task WriteAsync(ExecutorSession session, IServerStreamWriter<ConnectResponse> responses, bool acceptsAttempts, CancellationToken cancellationToken)
    {
        var outbound = session.Outbound;
        while (await outbound.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (outbound.TryRead(out var message))
            {
                if (acceptsAttempts && message.Attempt is { } first && SessionPacking.TakeQueued(outbound, first, static m => m.Attempt) is { } attempts)
                {
                    message = new ConnectResponse { Attempts = new SessionAttempts { Attempts = { attempts } } };
                }

                // Coalesce: while more is queued, let the transport buffer; the last message of a burst flushes.
                responses.WriteOptions = outbound.Count > 0 ? Buffered : null;
                await responses.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
