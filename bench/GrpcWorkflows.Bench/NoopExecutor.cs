using Google.Protobuf.WellKnownTypes;

namespace GrpcWorkflows.Bench;

/// <summary>
/// The no-op executor the benchmark measures against, run as a separate process
/// (<c>GrpcWorkflows.Bench executor</c>). Its only work is to stamp when the call arrived and
/// when the reply left (UTC, microseconds), so per-step overhead can be split from executor time.
/// </summary>
internal static class NoopExecutor
{
    public const string StepType = "noop";
    public const string ReceivedField = "recv_us";
    public const string SentField = "send_us";

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Executor.Hosting.GrpcWorkflowsExecutorHost.CreateBuilder(args);
        // Push: a large limit (the orchestrator's static capacity is what bounds it). Connect: the credits granted.
        var capacity = int.TryParse(builder.Configuration["Executor:MaxConcurrency"], System.Globalization.CultureInfo.InvariantCulture, out var given) ? given : 10_000;
        builder.Services.AddGrpcWorkflowsExecutor(options =>
            {
                options.Name = "bench-noop";
                options.MaxConcurrency = capacity;
            })
            .AddStepHandler(StepType, (_, _) =>
            {
                var received = NowMicros();
                var output = new Struct();
                output.Fields[ReceivedField] = Value.ForNumber(received);
                output.Fields[SentField] = Value.ForNumber(NowMicros());
                return ValueTask.FromResult(output);
            });
        var app = builder.Build();
        app.MapGrpcWorkflowsExecutor();
        await app.RunAsync();
        return 0;
    }

    public static double NowMicros() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks / 10.0;
}
