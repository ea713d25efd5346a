using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using GrpcWorkflows.Executor.Internal;
using GrpcWorkflows.V1;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Executor.Registration;

/// <summary>
/// Registers the executor with the orchestrator's <c>ExecutorRegistryService</c> once the server listens, keeps the
/// lease alive with heartbeats (registering again when the orchestrator answers <c>NOT_FOUND</c>), and deregisters
/// when the application begins to stop. Does nothing when <see cref="ExecutorOptions.OrchestratorAddress"/> is unset
/// or the mode is <see cref="ExecutorMode.Connect"/> (sessions register themselves).
/// </summary>
internal sealed class ExecutorRegistrationService(
    IOptions<ExecutorOptions> options,
    StepHandlerCatalog catalog,
    ShutdownSignal shutdown,
    IServer server,
    IHostApplicationLifetime lifetime,
    TimeProvider timeProvider,
    CallerTokenVerifier callerTokens,
    ILogger<ExecutorRegistrationService> logger) : BackgroundService, IHostedLifecycleService
{
    private readonly ExecutorOptions _options = options.Value;
    private GrpcChannel? _channel;
    private CallInvoker? _invoker;
    private volatile string? _executorId;

    /// <summary>The id the orchestrator gave, while registered.</summary>
    public string? ExecutorId => _executorId;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        // Runs before any hosted service (and the server) stops: new calls are refused from here on (UNAVAILABLE, so
        // the orchestrator sends them elsewhere), in-flight ones finish, and the orchestrator is told to stop routing here.
        shutdown.Begin();
        var id = Interlocked.Exchange(ref _executorId, null);
        if (id is null || _invoker is null)
        {
            return;
        }

        try
        {
            var client = new ExecutorRegistryService.ExecutorRegistryServiceClient(_invoker);
            await client.DeregisterExecutorAsync(
                new DeregisterExecutorRequest { ExecutorId = id },
                deadline: timeProvider.GetUtcNow().UtcDateTime.Add(_options.DeregisterTimeout),
                cancellationToken: cancellationToken).ConfigureAwait(false);
            Log.Deregistered(logger, id);
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException or HttpRequestException)
        {
            Log.DeregisterFailed(logger, id, ex.Message);
        }
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Dispose()
    {
        _channel?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (string.IsNullOrEmpty(_options.OrchestratorAddress) || _options.Mode != ExecutorMode.Push)
        {
            return;
        }

        if (!await WaitForStartAsync(stoppingToken).ConfigureAwait(false))
        {
            return;
        }

        var endpoint = AdvertisedEndpoint();
        if (endpoint is null)
        {
            Log.NoAdvertisedAddress(logger);
            return;
        }

        _channel = OrchestratorChannel.Create(_options, new SocketsHttpHandler { EnableMultipleHttp2Connections = true });
        _invoker = _channel.Intercept(ApiKeyHeader.For(_options));
        var client = new ExecutorRegistryService.ExecutorRegistryServiceClient(_invoker);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var (id, interval) = await RegisterAsync(client, endpoint, stoppingToken).ConfigureAwait(false);
                await HeartbeatUntilLostAsync(client, id, interval, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StoppingAsync deregisters.
        }
    }


    private async Task<bool> WaitForStartAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStarted = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        using var onStopping = stoppingToken.Register(() => started.TrySetCanceled(stoppingToken));
        try
        {
            await started.Task.ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private string? AdvertisedEndpoint()
    {
        if (!string.IsNullOrEmpty(_options.AdvertisedAddress))
        {
            return _options.AdvertisedAddress.TrimEnd('/');
        }

        var bound = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (bound is null || !Uri.TryCreate(bound.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri))
        {
            return null;
        }

        // A wildcard bind is reachable on loopback from this machine; set AdvertisedAddress for anything else.
        var host = uri.Host is "0.0.0.0" or "[::]" or "::" ? "127.0.0.1" : uri.Host;
        return $"{uri.Scheme}://{(host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host)}:{uri.Port}";
    }

    private async Task<(string Id, TimeSpan Interval)> RegisterAsync(
        ExecutorRegistryService.ExecutorRegistryServiceClient client, string endpoint, CancellationToken stoppingToken)
    {
        var request = new RegisterExecutorRequest
        {
            Endpoint = endpoint,
            MaxConcurrency = _options.MaxConcurrency,
            Name = ExecutorIdentity.Name(_options),
            Version = ExecutorIdentity.Version(_options),
        };
        request.StepTypes.Add(catalog.Registrations.Select(r => r.StepType));
        request.Labels.Add(_options.Labels);

        var delay = _options.RegistrationRetryInitialDelay;
        while (true)
        {
            try
            {
                callerTokens.BeginRegistration();
                var response = await client.RegisterExecutorAsync(request, cancellationToken: stoppingToken).ConfigureAwait(false);
                callerTokens.Accept(response.CallerTokenKey);
                var interval = _options.HeartbeatInterval
                    ?? (response.HeartbeatInterval is { } d && d.ToTimeSpan() > TimeSpan.Zero ? d.ToTimeSpan() : ExecutorOptions.DefaultHeartbeatInterval);
                _executorId = response.ExecutorId;
                Log.Registered(logger, _options.OrchestratorAddress!, response.ExecutorId, endpoint, string.Join(",", request.StepTypes), interval);
                return (response.ExecutorId, interval);
            }
            catch (Exception ex) when ((ex is RpcException or HttpRequestException) && !stoppingToken.IsCancellationRequested)
            {
                Log.RegistrationFailed(logger, _options.OrchestratorAddress!, ex.Message, delay);
                await Task.Delay(delay, timeProvider, stoppingToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.RegistrationRetryMaxDelay.Ticks));
            }
        }
    }

    private async Task HeartbeatUntilLostAsync(
        ExecutorRegistryService.ExecutorRegistryServiceClient client, string id, TimeSpan interval, CancellationToken stoppingToken)
    {
        while (true)
        {
            await Task.Delay(interval, timeProvider, stoppingToken).ConfigureAwait(false);
            try
            {
                await client.HeartbeatAsync(
                    new HeartbeatRequest { ExecutorId = id },
                    deadline: timeProvider.GetUtcNow().UtcDateTime.Add(interval),
                    cancellationToken: stoppingToken).ConfigureAwait(false);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
                Log.LeaseLost(logger, id);
                _executorId = null;
                return;
            }
            catch (Exception ex) when ((ex is RpcException or HttpRequestException) && !stoppingToken.IsCancellationRequested)
            {
                Log.HeartbeatFailed(logger, id, ex.Message);
            }
        }
    }
}
