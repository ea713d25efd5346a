using GrpcWorkflows.Orchestrator.Hosting;

try
{
    var builder = OrchestratorHost.CreateBuilder(args);
    await using var app = builder.Build();
    app.MapGrpcWorkflowsOrchestrator();
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (OrchestratorHost.ConfigurationFailures(ex) is { Count: > 0 } failures)
{
    // Invalid configuration: say what to change, without a stack trace.
    await Console.Error.WriteLineAsync("The orchestrator did not start: its configuration is invalid.");
    foreach (var failure in failures)
    {
        await Console.Error.WriteLineAsync("  - " + failure);
    }

    return 2;
}
