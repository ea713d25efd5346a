using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Definitions;

/// <summary>
/// Reads workflow definitions from their text forms: proto-JSON (the seed's format verbatim,
/// field names in <c>snake_case</c> or <c>lowerCamelCase</c>) and YAML (the same document).
/// Duplicate keys and unknown fields are errors, reported with their line, column and path.
/// </summary>
public static class WorkflowDefinitionLoader
{
    /// <summary>Reads a definition from proto-JSON.</summary>
    /// <exception cref="DefinitionFormatException">The text is not a well-formed definition.</exception>
    public static WorkflowDefinition FromJson(string json) => throw new NotImplementedException();

    /// <summary>Reads a definition from YAML (the proto-JSON document written as YAML).</summary>
    /// <exception cref="DefinitionFormatException">The text is not a well-formed definition.</exception>
    public static WorkflowDefinition FromYaml(string yaml) => throw new NotImplementedException();

    /// <summary>Reads a definition from a file: <c>.json</c> as JSON, <c>.yaml</c>/<c>.yml</c> as YAML.</summary>
    /// <exception cref="DefinitionFormatException">The file is not a well-formed definition or has another extension.</exception>
    public static WorkflowDefinition FromFile(string path) => throw new NotImplementedException();
}
