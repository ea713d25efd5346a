using System.Collections.Concurrent;
using System.Net.Security;
using Grpc.Net.Client;
using GrpcWorkflows.Orchestrator.Internal;
using GrpcWorkflows.Orchestrator.Registry;
using GrpcWorkflows.Orchestrator.Security.Internal;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Orchestrator.Dispatch;

/// <summary>
/// One <see cref="GrpcChannel"/> per executor endpoint, shared by every call to it (HTTP/2
/// multiplexing). The number of channels is bounded; a channel idle for
/// <see cref="DispatchOptions.ChannelIdleTimeout"/> with no call in flight is closed.
/// </summary>
/// <remarks>Thread-safe. The hot path is one dictionary read and one timestamp write.</remarks>
internal sealed class ChannelPool : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, PooledChannel> _channels = new(StringComparer.Ordinal);
    private readonly DispatchOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ChannelPool> _logger;
    private readonly Lock _createGate = new();
    private readonly ITimer _sweepTimer;
    private readonly Lazy<SslClientAuthenticationOptions?> _tls;
    private bool _disposed;

    /// <summary>Creates the pool.</summary>
    public ChannelPool(IOptions<DispatchOptions> options, TimeProvider timeProvider, ILogger<ChannelPool> logger)
    {
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
        var period = _options.ChannelIdleTimeout / 2;
        _sweepTimer = timeProvider.CreateTimer(static state => ((ChannelPool)state!).CloseIdle(), this, period, period);
        _tls = new Lazy<SslClientAuthenticationOptions?>(() => TlsFor(_options));
    }

    /// <summary>
    /// The TLS settings of channels to <c>https://</c> executors: the client certificate to present and the CAs to
    /// trust (<see cref="DispatchOptions.ClientCertificate"/>, <see cref="DispatchOptions.ExecutorCaPath"/>); null when
    /// neither is configured (the system's defaults). Loaded once, at the first channel (the options validator has
    /// checked the files at start).
    /// </summary>
    private static SslClientAuthenticationOptions? TlsFor(DispatchOptions options)
    {
        if (!options.ClientCertificate.Enabled && string.IsNullOrWhiteSpace(options.ExecutorCaPath))
        {
            return null;
        }

        var tls = new SslClientAuthenticationOptions();
        if (options.ClientCertificate is { Enabled: true } certificate)
        {
            tls.ClientCertificates = [CertificateFiles.Load(certificate.Path!, certificate.KeyPath, certificate.Password)];
        }

        if (!string.IsNullOrWhiteSpace(options.ExecutorCaPath))
        {
            tls.RemoteCertificateValidationCallback = CertificateFiles.TrustOnly(CertificateFiles.LoadAuthorities(options.ExecutorCaPath));
        }

        return tls;
    }

    /// <summary>The number of open channels.</summary>
    public int Count => _channels.Count;

    /// <summary>Returns the client of <paramref name="endpoint"/>'s pooled channel, opening the channel on first use.</summary>
    public StepExecutorService.StepExecutorServiceClient GetClient(ExecutorEndpoint endpoint)
    {
        if (!_channels.TryGetValue(endpoint.Address, out var pooled))
        {
            pooled = Open(endpoint);
        }

        pooled.Touch(_timeProvider.GetTimestamp());
        return pooled.Client;
    }

    /// <summary>
    /// Connects <paramref name="endpoint"/>'s channel now, cutting short the channel's own reconnect
    /// backoff, and completes when it is ready (or throws when <paramref name="cancellationToken"/> fires first).
    /// </summary>
    public Task ConnectAsync(ExecutorEndpoint endpoint, CancellationToken cancellationToken)
    {
        if (!_channels.TryGetValue(endpoint.Address, out var pooled))
        {
            pooled = Open(endpoint);
        }

        return pooled.Channel.ConnectAsync(cancellationToken);
    }

    /// <summary>Closes channels idle past <see cref="DispatchOptions.ChannelIdleTimeout"/> with no call in flight; returns how many.</summary>
    public int CloseIdle()
    {
        var now = _timeProvider.GetTimestamp();
        var closed = 0;
        foreach (var (address, pooled) in _channels)
        {
            if (pooled.Endpoint.InFlight == 0 && _timeProvider.GetElapsedTime(pooled.LastUsed, now) >= _options.ChannelIdleTimeout
                && _channels.TryRemove(new KeyValuePair<string, PooledChannel>(address, pooled)))
            {
                Close(pooled, "idle");
                closed++;
            }
        }

        return closed;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        lock (_createGate)
        {
            _disposed = true;
        }

        _sweepTimer.Dispose();
        foreach (var address in _channels.Keys)
        {
            if (_channels.TryRemove(address, out var pooled))
            {
                pooled.Channel.Dispose();
            }
        }

        return ValueTask.CompletedTask;
    }

    private PooledChannel Open(ExecutorEndpoint endpoint)
    {
        lock (_createGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_channels.TryGetValue(endpoint.Address, out var existing))
            {
                return existing;
            }

            if (_channels.Count >= _options.MaxChannels)
            {
                EvictLeastRecentlyUsedIdle();
            }

            var handler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                KeepAlivePingDelay = _options.KeepAlivePingDelay,
                KeepAlivePingTimeout = _options.KeepAlivePingTimeout,
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
                ConnectTimeout = _options.ConnectTimeout,
            };
            if (_tls.Value is { } tls)
            {
                handler.SslOptions = tls;
            }

            var channel = GrpcChannel.ForAddress(endpoint.Uri, new GrpcChannelOptions
            {
                HttpHandler = handler,
                DisposeHttpClient = true,
                MaxReceiveMessageSize = _options.MaxMessageBytes,
                MaxSendMessageSize = _options.MaxMessageBytes,
                // Cancellation surfaces as OperationCanceledException, so Polly tells its timeout from the caller's cancel.
                ThrowOperationCanceledOnCancellation = true,
                // A restarted executor is used again within this; the dispatcher also reconnects at once on a registration.
                InitialReconnectBackoff = _options.ReconnectBackoff,
                MaxReconnectBackoff = _options.MaxReconnectBackoff,
            });
            var pooled = new PooledChannel(endpoint, channel, new StepExecutorService.StepExecutorServiceClient(channel), _timeProvider.GetTimestamp());
            _channels[endpoint.Address] = pooled;
            Log.ChannelOpened(_logger, endpoint.Address, _channels.Count);
            return pooled;
        }
    }

    private void EvictLeastRecentlyUsedIdle()
    {
        PooledChannel? oldest = null;
        foreach (var pooled in _channels.Values)
        {
            if (pooled.Endpoint.InFlight == 0 && (oldest is null || pooled.LastUsed < oldest.LastUsed))
            {
                oldest = pooled;
            }
        }

        if (oldest is not null && _channels.TryRemove(new KeyValuePair<string, PooledChannel>(oldest.Endpoint.Address, oldest)))
        {
            Close(oldest, "pool full");
        }
    }

    private void Close(PooledChannel pooled, string why)
    {
        Log.ChannelClosed(_logger, pooled.Endpoint.Address, why);
        pooled.Channel.Dispose();
    }

    private sealed class PooledChannel(ExecutorEndpoint endpoint, GrpcChannel channel, StepExecutorService.StepExecutorServiceClient client, long lastUsed)
    {
        private long _lastUsed = lastUsed;

        public ExecutorEndpoint Endpoint { get; } = endpoint;

        public GrpcChannel Channel { get; } = channel;

        public StepExecutorService.StepExecutorServiceClient Client { get; } = client;

        public long LastUsed => Volatile.Read(ref _lastUsed);

        public void Touch(long timestamp) => Volatile.Write(ref _lastUsed, timestamp);
    }
}
