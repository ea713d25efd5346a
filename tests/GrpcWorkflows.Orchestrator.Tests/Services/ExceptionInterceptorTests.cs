using Grpc.Core;
using GrpcWorkflows.Orchestrator.Services;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrpcWorkflows.Orchestrator.Tests.Services;

/// <summary>Unexpected exceptions become INTERNAL without their details; mapped statuses pass through.</summary>
public sealed class ExceptionInterceptorTests
{
    [Fact]
    public async Task UnaryServerHandler_UnexpectedException_InternalWithoutDetails()
    {
        var interceptor = new ExceptionInterceptor(NullLogger<ExceptionInterceptor>.Instance);

        var error = await Assert.ThrowsAsync<RpcException>(() => interceptor.UnaryServerHandler<string, string>(
            "request", new FakeCallContext(), (_, _) => throw new InvalidOperationException("connection string=secret")));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.DoesNotContain("secret", error.Status.Detail, StringComparison.Ordinal);
        Assert.Null(error.Status.DebugException);
    }

    [Fact]
    public async Task UnaryServerHandler_RpcException_PassesThroughUnchanged()
    {
        var interceptor = new ExceptionInterceptor(NullLogger<ExceptionInterceptor>.Instance);

        var error = await Assert.ThrowsAsync<RpcException>(() => interceptor.UnaryServerHandler<string, string>(
            "request", new FakeCallContext(), (_, _) => throw new RpcException(new Status(StatusCode.NotFound, "no such execution"))));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal("no such execution", error.Status.Detail);
    }

    [Fact]
    public async Task ServerStreamingServerHandler_UnexpectedException_InternalWithoutDetails()
    {
        var interceptor = new ExceptionInterceptor(NullLogger<ExceptionInterceptor>.Instance);

        var error = await Assert.ThrowsAsync<RpcException>(() => interceptor.ServerStreamingServerHandler<string, string>(
            "request", null!, new FakeCallContext(), (_, _, _) => throw new KeyNotFoundException("at Secret.Method()")));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.DoesNotContain("Secret", error.Status.Detail, StringComparison.Ordinal);
    }

    /// <summary>The smallest ServerCallContext: the interceptor reads only the method and the token.</summary>
    private sealed class FakeCallContext : ServerCallContext
    {
        protected override string MethodCore => "/grpcworkflows.v1.WorkflowService/GetExecution";

        protected override string HostCore => "127.0.0.1";

        protected override string PeerCore => "ipv4:127.0.0.1:1";

        protected override DateTime DeadlineCore => DateTime.MaxValue;

        protected override Metadata RequestHeadersCore { get; } = [];

        protected override CancellationToken CancellationTokenCore => CancellationToken.None;

        protected override Metadata ResponseTrailersCore { get; } = [];

        protected override Status StatusCore { get; set; }

        protected override WriteOptions? WriteOptionsCore { get; set; }

        protected override AuthContext AuthContextCore { get; } = new(null, []);

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
    }
}
