using Grpc.Core;
using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Cli.Embedded;
using GrpcWorkflows.Cli.Output;
using GrpcWorkflows.Cli.Running;
using GrpcWorkflows.Client.Errors;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Cli.Validation;

/// <summary>
/// <c>gwf validate FILE</c>: every problem of a definition with its location, or its execution plan
/// (levels, width, critical path). Asks the orchestrator (which also checks that executors serve
/// every step type) when one is configured or answers; otherwise checks offline with the engine's rules.
/// </summary>
public sealed class ValidateCommand : GwfCommand<ValidateSettings>
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(ValidateSettings settings, CancellationToken cancellationToken)
    {
        WorkflowDefinition definition;
        try
        {
            definition = DefinitionFile.Load(settings.File);
        }
        catch (DefinitionFileException e) when (e.Problems.Count > 0)
        {
            // Parse problems come out like graph problems: all of them, with their positions and paths.
            return Report(settings, new ValidateWorkflowResponse { Valid = false, Problems = { e.Problems } }, "the file cannot be read as a definition; the graph is checked once it can");
        }

        var address = settings.ResolveAddress();
        var offline = settings.Offline
            || (!settings.HasExplicitAddress && !await OrchestratorProbe.IsListeningAsync(address, TimeSpan.FromSeconds(1), cancellationToken));
        ValidateWorkflowResponse response;
        string checkedBy;
        if (offline)
        {
            response = await OfflineValidator.ValidateAsync(definition, cancellationToken);
            checkedBy = "checked offline with the engine's rules; step types not checked against executors";
        }
        else
        {
            using var client = Connect(address);
            checkedBy = $"checked by the orchestrator at {Describe(address)}";
            try
            {
                response = await client.ValidateAsync(definition, cancellationToken);
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.FailedPrecondition)
            {
                response = new ValidateWorkflowResponse { Valid = false, Problems = { e.GetValidationProblems() } };
                if (response.Problems.Count == 0)
                {
                    response.Problems.Add(new ValidationProblem { Description = e.Status.Detail });
                }
            }
        }

        return Report(settings, response, checkedBy);
    }

    private static int Report(ValidateSettings settings, ValidateWorkflowResponse response, string checkedBy)
    {
        if (settings.Output == OutputFormat.Json)
        {
            JsonOutput.WriteLine(response);
        }
        else
        {
            Print(settings.File, response, checkedBy);
        }

        return response.Valid ? ExitCodes.Success : ExitCodes.BadInput;
    }

    private static void Print(string file, ValidateWorkflowResponse response, string checkedBy)
    {
        if (!response.Valid)
        {
            ProblemReport.Print(Console.Out, file, response.Problems, checkedBy);
            return;
        }

        Console.Out.WriteLine($"{file}: valid ({checkedBy}).");
        if (response.Plan is not { } plan)
        {
            return;
        }

        Console.Out.WriteLine($"  {plan.StepCount} steps, {plan.EdgeCount} dependencies, {plan.Levels.Count} levels, width {plan.MaxWidth}");
        for (var i = 0; i < plan.Levels.Count; i++)
        {
            Console.Out.WriteLine($"  level {i}: {string.Join(", ", plan.Levels[i].StepIds)}");
        }

        Console.Out.WriteLine($"  critical path: {string.Join(" -> ", plan.CriticalPath)}");
    }
}
