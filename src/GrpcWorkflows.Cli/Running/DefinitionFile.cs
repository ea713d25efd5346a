using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Client.Definitions;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Cli.Running;

/// <summary>Reads a definition file with the engine's loader (which names the file, line, column or field path of every problem).</summary>
internal static class DefinitionFile
{
    /// <exception cref="UsageException">The file does not exist.</exception>
    /// <exception cref="DefinitionFileException">The file is not a well-formed definition; every problem is listed.</exception>
    public static WorkflowDefinition Load(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new UsageException("a workflow definition file is required.");
        }

        if (!File.Exists(path))
        {
            throw new UsageException($"{path}: no such file.");
        }

        try
        {
            return WorkflowDefinitionLoader.FromFile(path);
        }
        catch (DefinitionFormatException e)
        {
            throw new DefinitionFileException(path, e.Problems, e.Message, e);
        }
    }
}
