using GrpcWorkflows.Client.Definitions;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Examples.Tests;

/// <summary>Loads example definitions from examples/ with the engine's loader (JSON or YAML by extension).</summary>
internal static class ExampleFiles
{
    public static WorkflowDefinition Load(string fileName) => WorkflowDefinitionLoader.FromFile(Path.Combine(RepositoryPaths.Examples, fileName));

    public static IReadOnlyDictionary<string, StepExecution> StepsById(this Execution execution) => execution.Steps.ToDictionary(s => s.StepId);
}
