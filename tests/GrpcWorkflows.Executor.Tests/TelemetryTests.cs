using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using GrpcWorkflows.Executor.Hosting;
using GrpcWorkflows.Executor.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace GrpcWorkflows.Executor.Tests;

public sealed class TelemetryTests
{
    [Fact]
    public async Task Otlp_EndpointConfigured_StepSpanExportedWithTheCallersTraceId()
    {
        var exports = Channel.CreateUnbounded<byte[]>();
        await using var collector = await StartCollectorAsync(exports.Writer);
        var traceId = ActivityTraceId.CreateRandom();
        var server = await ExecutorServer.StartAsync(
            b => b.AddStepHandler("echo", (c, _) => ValueTask.FromResult(c.Input)),
            o => o.Name = "otel-test",
            $"--{GrpcWorkflowsExecutorHost.OtlpEndpointKey}", collector.Urls.Single());
        var client = new StepExecutorService.StepExecutorServiceClient(server.Channel);

        await client.ExecuteStepAsync(
            new ExecuteStepRequest { ExecutionId = "exec-otel-4711", StepId = "s1", StepType = "echo", Attempt = 1, Input = new Struct() },
            new Metadata { { "traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01" } }).ResponseAsync.DefaultTimeout();
        await server.DisposeAsync(); // the tracer provider flushes on shutdown

        var body = await exports.Reader.ReadAsync().AsTask().DefaultTimeout();
        var text = Encoding.Latin1.GetString(body);
        Assert.Contains("exec-otel-4711", text, StringComparison.Ordinal);
        Assert.Contains("otel-test", text, StringComparison.Ordinal);
        Assert.Contains(Encoding.Latin1.GetString(Convert.FromHexString(traceId.ToHexString())), text, StringComparison.Ordinal);
    }

    /// <summary>A minimal OTLP/gRPC trace collector: records each Export request body and answers OK.</summary>
    private static async Task<WebApplication> StartCollectorAsync(ChannelWriter<byte[]> exports)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(l => l.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        app.MapPost("/opentelemetry.proto.collector.trace.v1.TraceService/Export", async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            exports.TryWrite(buffer.ToArray());
            context.Response.ContentType = "application/grpc";
            await context.Response.Body.WriteAsync(new byte[5]); // an empty ExportTraceServiceResponse
            context.Response.AppendTrailer("grpc-status", "0");
        });
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return app;
    }
}
