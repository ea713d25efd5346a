using GrpcWorkflows.Executor.Hosting;

namespace GrpcWorkflows.TestExecutor;

/// <summary>
/// Builds the test executor: step types <c>noop</c>, <c>echo</c>, <c>sleep</c>, <c>flaky</c>, <c>fail</c>,
/// <c>hang</c>, <c>count</c> and <c>crash</c> on the executor SDK. <c>--log FILE</c> appends one JSON line per delivery.
/// </summary>
public static class TestExecutorApp
{
    /// <summary>The step types served.</summary>
    public static readonly string[] StepTypes = ["noop", "echo", "sleep", "flaky", "fail", "hang", "count", "crash"];

    /// <summary>Builds the application from command-line arguments (<c>--urls</c>, <c>--Executor:...</c>, <c>--log</c>).</summary>
    public static WebApplication Build(string[] args)
    {
        var builder = GrpcWorkflowsExecutorHost.CreateBuilder(args);
        builder.Logging.AddFilter("GrpcWorkflows", LogLevel.Warning);
        var deliveries = new DeliveryLog(builder.Configuration["log"]);
        var steps = new TestSteps(deliveries);
        builder.Services.AddSingleton(deliveries);
        builder.Services.AddSingleton(steps);
        builder.Services.AddGrpcWorkflowsExecutor()
            .AddStepHandler("noop", steps.NoopAsync, "Returns an empty output.")
            .AddStepHandler("echo", steps.EchoAsync, "Returns its input's fields, plus 'dependencies' (the outputs it received) and 'step_id'.")
            .AddStepHandler("sleep", steps.SleepAsync, "Waits input 'ms' milliseconds (cancellable).")
            .AddStepHandler("flaky", steps.FlakyAsync, "Fails input 'failures' times per execution and step with input 'code' (as a gRPC status, or in-band when 'in_band' is true), then succeeds.")
            .AddStepHandler("fail", steps.FailAsync, "Fails with input 'code', 'message' and 'retryable' (in-band; as a gRPC status when 'as_status' is true).")
            .AddStepHandler("hang", steps.HangAsync, "Runs until cancelled, then reports the cancellation on stdout ('CANCELLED <execution> <step> <attempt>').")
            .AddStepHandler("crash", steps.CrashAsync, "Kills its own process (SIGKILL) without answering.")
            .AddStepHandler("count", steps.CountAsync, "Counts calls in flight in this process: waits input 'ms' (default 20) and returns 'max_in_flight' seen so far.");
        return builder.Build().UseTestExecutor();
    }

    private static WebApplication UseTestExecutor(this WebApplication app)
    {
        app.MapGrpcWorkflowsExecutor();
        app.Lifetime.ApplicationStopped.Register(() => app.Services.GetRequiredService<DeliveryLog>().Dispose());
        return app;
    }
}
