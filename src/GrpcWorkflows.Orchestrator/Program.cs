using GrpcWorkflows.Orchestrator.Hosting;

if (await ToolCommands.TryRunAsync(args, Console.In, Console.Out, Console.Error) is { } exitCode)
{
    // A one-shot command (validate, backup) for tools that start this executable; no server.
    return exitCode;
}

try
{
    var builder = OrchestratorHost.CreateBuilder(args);
    await using var app = builder.Build();
    if (OrchestratorHost.ValidateConfiguration(app.Services) is { Count: > 0 } invalid)
    {
        return await ReportAsync(invalid);
    }

    app.MapGrpcWorkflowsOrchestrator();
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (OrchestratorHost.ConfigurationFailures(ex) is { Count: > 0 } failures)
{
    return await ReportAsync(failures);
}
catch (Exception ex) when (OrchestratorHost.StoreFailure(ex) is { } store)
{
    // The execution store cannot be used (read-only, damaged): say why and what to do.
    await Console.Error.WriteLineAsync("The orchestrator did not start: " + store.Message);
    return 3;
}

// Invalid configuration: say what to change, without a stack trace.
static async Task<int> ReportAsync(IReadOnlyList<string> failures)
{
    await Console.Error.WriteLineAsync("The orchestrator did not start: its configuration is invalid.");
    foreach (var failure in failures)
    {
        await Console.Error.WriteLineAsync("  - " + failure);
    }

    return 2;
}
