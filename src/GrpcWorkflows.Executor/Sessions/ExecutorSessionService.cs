using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using GrpcWorkflows.Executor.Internal;
using GrpcWorkflows.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Executor.Sessions;

/// <summary>
/// Connect mode (<see cref="ExecutorMode.Connect"/>): opens a session with the orchestrator's
/// <c>ExecutorRegistryService.Connect</c> (no inbound connection needed), grants one credit per free
/// slot of <see cref="ExecutorOptions.MaxConcurrency"/>, runs the attempts it receives on their
/// handlers and answers each on the session. A lost session is opened again with exponential backoff
/// and jitter; an orchestrator that drains ends the session once the attempts in flight have answered,
/// and the executor connects again. On shutdown the executor drains: it tells the orchestrator, takes
/// nothing new, lets the attempts in flight finish (up to <see cref="ExecutorOptions.DrainTimeout"/>).
/// </summary>
internal sealed class ExecutorSessionService(
    IOptions<ExecutorOptions> options,
    StepHandlerCatalog catalog,
    ConcurrencyGate gate,
    ShutdownSignal shutdown,
    StepRunner runner,
    CallerTokenVerifier callerTokens,
    IServiceScopeFactory scopes,
    TimeProvider timeProvider,
    ILogger<ExecutorSessionService> logger) : BackgroundService, IHostedLifecycleService
{
    /// <summary>How much later than the attempt's timeout the executor gives up on it by itself.</summary>
    private static readonly TimeSpan DeadlineGrace = TimeSpan.FromSeconds(1);

    private readonly ExecutorOptions _options = options.Value;
    private GrpcChannel? _channel;
    private volatile SessionConnection? _current;
    private volatile string? _executorId;

    /// <summary>The session's executor id, while connected.</summary>
    public string? ExecutorId => _executorId;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        // Before any hosted service stops: tell the orchestrator, take nothing new, let in-flight attempts answer.
        shutdown.Begin();
        if (_current is not { } session)
        {
            return;
        }

        await session.DrainAsync(notify: true, "the executor is shutting down").ConfigureAwait(false);
        try
        {
            await session.Idle.WaitAsync(_options.DrainTimeout, timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            Log.DrainTimedOut(logger, session.Running.Count, _options.DrainTimeout);
        }
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Dispose()
    {
        _current?.Abort();
        _channel?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.Mode != ExecutorMode.Connect || string.IsNullOrEmpty(_options.OrchestratorAddress))
        {
            return;
        }

        var handler = new SocketsHttpHandler
        {
            // A dead orchestrator or a cut network ends the session instead of leaving it hanging.
            KeepAlivePingDelay = TimeSpan.FromSeconds(15),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            EnableMultipleHttp2Connections = true,
        };
        _channel = OrchestratorChannel.Create(_options, handler, maxReceiveMessageSize: null);
        var client = new ExecutorRegistryService.ExecutorRegistryServiceClient(_channel.Intercept(ApiKeyHeader.For(_options)));
        var delay = _options.RegistrationRetryInitialDelay;
        while (!stoppingToken.IsCancellationRequested && !shutdown.IsStopping)
        {
            string reason;
            try
            {
                reason = await RunSessionAsync(client, () => delay = _options.RegistrationRetryInitialDelay, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is RpcException or HttpRequestException or IOException or OperationCanceledException or InvalidOperationException)
            {
                reason = e is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : e.Message;
            }

            if (stoppingToken.IsCancellationRequested || shutdown.IsStopping)
            {
                return;
            }

            // Full jitter over the upper half: replicas that lost the same orchestrator do not return in lockstep.
            var wait = TimeSpan.FromTicks((long)(delay.Ticks * (0.5 + (Random.Shared.NextDouble() / 2))));
            Log.SessionLost(logger, _options.OrchestratorAddress!, reason, wait);
            try
            {
                await Task.Delay(wait, timeProvider, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.RegistrationRetryMaxDelay.Ticks));
        }
    }

    /// <summary>Runs one session until it ends; returns why it ended.</summary>
    private async Task<string> RunSessionAsync(ExecutorRegistryService.ExecutorRegistryServiceClient client, Action connected, CancellationToken stoppingToken)
    {
        using var session = new SessionConnection(client.Connect(cancellationToken: CancellationToken.None), _options.MaxConcurrency);
        using var stopping = stoppingToken.Register(static s => ((SessionConnection)s!).Abort(), session);
        var registration = new SessionRegistration
        {
            MaxConcurrency = _options.MaxConcurrency,
            Name = ExecutorIdentity.Name(_options),
            Version = ExecutorIdentity.Version(_options),
            Credits = _options.MaxConcurrency,
            AcceptsAttempts = true,
        };
        registration.StepTypes.Add(catalog.Registrations.Select(r => r.StepType));
        registration.Labels.Add(_options.Labels);
        var writer = session.WriteLoopAsync();
        await session.SendAsync(new ConnectRequest { Registration = registration }).ConfigureAwait(false);
        try
        {
            if (!await session.Responses.MoveNext(session.Token).ConfigureAwait(false) || session.Responses.Current.KindCase != ConnectResponse.KindOneofCase.Registered)
            {
                return "the orchestrator ended the session before accepting the registration";
            }

            var registered = session.Responses.Current.Registered;
            callerTokens.Accept(registered.CallerTokenKey);
            session.AcceptsResults = registered.AcceptsResults;
            _executorId = registered.ExecutorId;
            _current = session;
            connected();
            var interval = _options.HeartbeatInterval ?? (registered.HeartbeatInterval?.ToTimeSpan() is { } d && d > TimeSpan.Zero ? d : ExecutorOptions.DefaultHeartbeatInterval);
            Log.Connected(logger, _options.OrchestratorAddress!, registered.ExecutorId, string.Join(",", registration.StepTypes), _options.MaxConcurrency);
            var heartbeats = HeartbeatAsync(session, interval);
            while (await session.Responses.MoveNext(session.Token).ConfigureAwait(false))
            {
                var message = session.Responses.Current;
                switch (message.KindCase)
                {
                    case ConnectResponse.KindOneofCase.Attempt:
                        _ = RunAttemptAsync(session, message.Attempt);
                        break;
                    case ConnectResponse.KindOneofCase.Attempts:
                        foreach (var attempt in message.Attempts.Attempts)
                        {
                            _ = RunAttemptAsync(session, attempt);
                        }

                        break;
                    case ConnectResponse.KindOneofCase.Cancel:
                        if (session.Running.TryGetValue(message.Cancel.DispatchId, out var running))
                        {
                            await running.CancelAsync().ConfigureAwait(false);
                        }

                        break;
                    case ConnectResponse.KindOneofCase.Drain:
                        Log.OrchestratorDraining(logger, _options.OrchestratorAddress!, message.Drain.Reason);
                        await session.DrainAsync(notify: false, message.Drain.Reason).ConfigureAwait(false);
                        break;
                }
            }

            return session.Draining ? "the session drained" : "the orchestrator ended the session";
        }
        finally
        {
            _current = null;
            _executorId = null;
            session.Abort();
            try
            {
                await writer.ConfigureAwait(false);
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException or IOException or InvalidOperationException)
            {
                // The call is over; the writer's failure says nothing more.
            }
        }
    }

    private async Task HeartbeatAsync(SessionConnection session, TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(session.Token).ConfigureAwait(false))
            {
                var heartbeat = new SessionHeartbeat();
                heartbeat.RunningDispatchIds.Add(session.Running.Keys);
                if (!await session.SendAsync(new ConnectRequest { Heartbeat = heartbeat }).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The session is over.
        }
    }

    private async Task RunAttemptAsync(SessionConnection session, SessionAttempt attempt)
    {
        var request = attempt.Request ?? new ExecuteStepRequest();
        var timeout = request.Timeout?.ToTimeSpan() ?? TimeSpan.Zero;
        using var timeoutSource = timeout > TimeSpan.Zero ? new CancellationTokenSource(timeout + DeadlineGrace, timeProvider) : null;
        using var cancel = timeoutSource is null
            ? CancellationTokenSource.CreateLinkedTokenSource(session.Token)
            : CancellationTokenSource.CreateLinkedTokenSource(session.Token, timeoutSource.Token);
        session.Running[attempt.DispatchId] = cancel;
        DateTime? deadline = timeout > TimeSpan.Zero ? timeProvider.GetUtcNow().UtcDateTime + timeout : null;
        gate.TryEnter(int.MaxValue);
        var result = new SessionResult { DispatchId = attempt.DispatchId };
        try
        {
            using var activity = StepExecutorServiceImpl.StartActivity(request, attempt.Traceparent, attempt.Tracestate);
            try
            {
                if (await callerTokens.CheckAsync(attempt.CallerToken, request, cancel.Token).ConfigureAwait(false) is { } refused)
                {
                    throw new RpcException(refused);
                }

                result.Response = await ExecuteAsync(request, deadline, cancel.Token).ConfigureAwait(false);
                if (result.Response.Error is { } error)
                {
                    activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, error.Message);
                    activity?.SetTag(TelemetryTags.ErrorCode, error.Code);
                }
            }
            catch (RpcException ex)
            {
                // The handler raised a gRPC status: the orchestrator classifies it as it would an ExecuteStep call's.
                activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Status.Detail);
                result.StatusCode = (int)ex.StatusCode;
                result.StatusMessage = ex.Status.Detail;
            }
        }
        finally
        {
            gate.Exit();
            session.Running.TryRemove(attempt.DispatchId, out _);
        }

        result.Credits = session.Draining || shutdown.IsStopping ? 0 : 1;
        await session.SendAsync(new ConnectRequest { Result = result }).ConfigureAwait(false);
        session.CheckIdle();
    }

    private async Task<ExecuteStepResponse> ExecuteAsync(ExecuteStepRequest request, DateTime? deadline, CancellationToken cancellationToken)
    {
        await Task.Yield();
        if (!catalog.TryGet(request.StepType, out var registration))
        {
            Log.UnknownStepType(logger, request.StepId, request.StepType);
            var served = string.Join(", ", catalog.Registrations.Select(r => r.StepType));
            return runner.Failed(request, "UNIMPLEMENTED", $"Step type '{request.StepType}' is not served by this executor (it serves: {served}).", retryable: false, retryAfter: null, details: null);
        }

        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            try
            {
                var started = timeProvider.GetTimestamp();
                var response = await runner.RunAsync(registration.CreateHandler, request, deadline, scope.ServiceProvider, cancellationToken).ConfigureAwait(false);
                if (response.Error is null)
                {
                    Log.StepSucceeded(logger, request.StepId, request.StepType, request.ExecutionId, request.Attempt, timeProvider.GetElapsedTime(started).TotalMilliseconds);
                }

                return response;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return runner.Expired(deadline)
                    ? runner.Failed(request, "DEADLINE_EXCEEDED", "The step's deadline passed.", retryable: true, retryAfter: null, details: null)
                    : runner.Failed(request, "CANCELLED", "The step was cancelled by the orchestrator.", retryable: true, retryAfter: null, details: null);
            }
        }
    }
}
