using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using GrpcWorkflows.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GrpcWorkflows.Executor.Tests.Infrastructure;

/// <summary>A small real ExecutorRegistryService on loopback Kestrel that records every call it gets.</summary>
internal sealed class TestRegistryServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestRegistryServer(WebApplication app, string address, Recorder recorder)
    {
        _app = app;
        Address = address;
        Calls = recorder;
    }

    public string Address { get; }

    public Recorder Calls { get; }

    public static async Task<TestRegistryServer> StartAsync(TimeSpan heartbeatInterval, int failFirstRegistrations = 0)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(l => l.Protocols = HttpProtocols.Http2));
        var recorder = new Recorder(heartbeatInterval, failFirstRegistrations);
        builder.Services.AddSingleton(recorder);
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<RegistryService>();
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new TestRegistryServer(app, address, recorder);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await _app.DisposeAsync();
    }

    /// <summary>Every call, in order, as "register:ID", "heartbeat:ID", "deregister:ID".</summary>
    internal sealed class Recorder(TimeSpan heartbeatInterval, int failFirstRegistrations)
    {
        private int _registrations;
        private int _registerAttempts;

        public Channel<string> Events { get; } = System.Threading.Channels.Channel.CreateUnbounded<string>();

        /// <summary>Every message of every session, in the order read.</summary>
        public Channel<ConnectRequest> SessionMessages { get; } = System.Threading.Channels.Channel.CreateUnbounded<ConnectRequest>();

        public List<RegisterExecutorRequest> Registrations { get; } = [];

        public TimeSpan HeartbeatInterval => heartbeatInterval;

        /// <summary>When set, registrations receive a caller-token key: this secret, issuer "test-orchestrator", audience the executor id.</summary>
        public byte[]? CallerTokenSecret { get; set; }

        /// <summary>DeregisterExecutor waits for this before it answers (already complete unless a test holds it).</summary>
        public TaskCompletionSource DeregisterGate { get; } = CompletedGate();

        /// <summary>Heartbeats for these ids are answered NOT_FOUND (an expired lease).</summary>
        public HashSet<string> ForgottenIds { get; } = [];

        public int RegisterAttempts => Volatile.Read(ref _registerAttempts);

        /// <summary>How many of the next <c>Connect</c> calls are refused with <c>UNAVAILABLE</c> (an orchestrator that went away).</summary>
        public int RefuseSessions;

        /// <summary>Completing it ends the open session (as an orchestrator that goes away); replace it before the next one.</summary>
        public TaskCompletionSource EndSession { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private int _sessions;

        public int NextSession() => Interlocked.Increment(ref _sessions);

        public bool ShouldFailRegistration() => Interlocked.Increment(ref _registerAttempts) <= failFirstRegistrations;

        public string NextId() => $"executor-{Interlocked.Increment(ref _registrations)}";

        public Recorder HoldDeregistration()
        {
            _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return this;
        }

        public Task DeregisterReleased => (_held ?? DeregisterGate).Task;

        public void ReleaseDeregistration() => _held?.TrySetResult();

        private TaskCompletionSource? _held;

        private static TaskCompletionSource CompletedGate()
        {
            var gate = new TaskCompletionSource();
            gate.SetResult();
            return gate;
        }
    }

    private sealed class RegistryService(Recorder recorder) : ExecutorRegistryService.ExecutorRegistryServiceBase
    {
        public override Task<RegisterExecutorResponse> RegisterExecutor(RegisterExecutorRequest request, ServerCallContext context)
        {
            if (recorder.ShouldFailRegistration())
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "starting up"));
            }

            var id = recorder.NextId();
            lock (recorder.Registrations)
            {
                recorder.Registrations.Add(request);
            }

            recorder.Events.Writer.TryWrite($"register:{id}");
            return Task.FromResult(new RegisterExecutorResponse
            {
                ExecutorId = id,
                HeartbeatInterval = Duration.FromTimeSpan(recorder.HeartbeatInterval),
                LeaseDuration = Duration.FromTimeSpan(recorder.HeartbeatInterval * 3),
                CallerTokenKey = recorder.CallerTokenSecret is { } secret
                    ? new CallerTokenKey { Algorithm = "HS256", Key = Google.Protobuf.ByteString.CopyFrom(secret), Issuer = "test-orchestrator", Audience = id }
                    : null,
            });
        }

        public override async Task Connect(IAsyncStreamReader<ConnectRequest> requestStream, IServerStreamWriter<ConnectResponse> responseStream, ServerCallContext context)
        {
            var n = recorder.NextSession();
            if (Interlocked.Decrement(ref recorder.RefuseSessions) >= 0)
            {
                recorder.Events.Writer.TryWrite($"connect-refused:{n}");
                throw new RpcException(new Status(StatusCode.Unavailable, "the orchestrator is away"));
            }

            Interlocked.Exchange(ref recorder.RefuseSessions, 0);
            if (!await requestStream.MoveNext(context.CancellationToken))
            {
                return;
            }

            recorder.SessionMessages.Writer.TryWrite(requestStream.Current);
            await responseStream.WriteAsync(new ConnectResponse
            {
                Registered = new SessionRegistered { ExecutorId = $"session-{n}", HeartbeatInterval = Duration.FromTimeSpan(recorder.HeartbeatInterval) },
            });
            recorder.Events.Writer.TryWrite($"connect:{n}");
            var end = recorder.EndSession.Task;
            var reading = Task.Run(async () =>
            {
                while (await requestStream.MoveNext(context.CancellationToken))
                {
                    recorder.SessionMessages.Writer.TryWrite(requestStream.Current);
                }
            });
            await Task.WhenAny(end, reading);
        }

        public override Task<HeartbeatResponse> Heartbeat(HeartbeatRequest request, ServerCallContext context)
        {
            recorder.Events.Writer.TryWrite($"heartbeat:{request.ExecutorId}");
            bool forgotten;
            lock (recorder.ForgottenIds)
            {
                forgotten = recorder.ForgottenIds.Contains(request.ExecutorId);
            }

            if (forgotten)
            {
                throw new RpcException(new Status(StatusCode.NotFound, "lease expired"));
            }

            return Task.FromResult(new HeartbeatResponse { LeaseExpireTime = Timestamp.FromDateTime(DateTime.UtcNow.Add(recorder.HeartbeatInterval * 3)) });
        }

        public override async Task<DeregisterExecutorResponse> DeregisterExecutor(DeregisterExecutorRequest request, ServerCallContext context)
        {
            recorder.Events.Writer.TryWrite($"deregister:{request.ExecutorId}");
            await recorder.DeregisterReleased.WaitAsync(TimeSpan.FromSeconds(30), context.CancellationToken);
            return new DeregisterExecutorResponse();
        }
    }
}
