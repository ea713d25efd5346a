using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Cli.Output;
using GrpcWorkflows.V1;
using Spectre.Console;

namespace GrpcWorkflows.Cli.Inspecting;

/// <summary><c>gwf executors</c>: the executor endpoints the orchestrator knows.</summary>
public sealed class ExecutorsCommand : GwfCommand<ExecutorsSettings>
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(ExecutorsSettings settings, CancellationToken cancellationToken)
    {
        using var client = Connect(settings);
        var executors = await client.ListExecutorsAsync(settings.StepType, cancellationToken);
        if (settings.Schemas)
        {
            await ExecutorSchemas.PrintAsync(executors, settings.StepType, settings.Output, cancellationToken);
            return ExitCodes.Success;
        }

        if (settings.Output == OutputFormat.Json)
        {
            JsonOutput.WriteLine(new ListExecutorsResponse { Executors = { executors } });
            return ExitCodes.Success;
        }

        if (executors.Count == 0)
        {
            Console.Out.WriteLine("No executors registered.");
            return ExitCodes.Success;
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumns("executor", "endpoint", "step types", "health", "in flight", "circuit", "source");
        foreach (var e in executors)
        {
            table.AddRow(
                new Text(e.Name.Length > 0 ? $"{e.Name} ({e.ExecutorId})" : e.ExecutorId),
                new Text(e.Endpoint),
                new Text(string.Join(", ", e.StepTypes)),
                new Text(e.Health == ExecutorHealth.Serving ? "serving" : "not serving"),
                new Text($"{e.InFlight}/{e.MaxConcurrency}"),
                new Text(e.CircuitState.ToString().ToLowerInvariant()),
                new Text(e.Source.ToString().ToLowerInvariant()));
        }

        AnsiConsole.Write(table);
        return ExitCodes.Success;
    }
}
