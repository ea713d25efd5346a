using System.Text;
using Google.Protobuf;
using GrpcWorkflows.Client.Definitions.Internal;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Client.Definitions;

/// <summary>
/// Reads workflow definitions from their text forms: proto-JSON (the seed's format verbatim,
/// field names in <c>snake_case</c> or <c>lowerCamelCase</c>) and YAML (the same document).
/// Syntax errors and duplicate keys are reported with their line and column; unknown fields, values of
/// the wrong kind, bad durations and enum names with their field path; every problem at once.
/// </summary>
public static class WorkflowDefinitionLoader
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));

    /// <summary>Reads a definition from proto-JSON.</summary>
    /// <exception cref="DefinitionFormatException">The text is not a well-formed definition.</exception>
    public static WorkflowDefinition FromJson(string json) => FromJson(json, source: null);

    /// <summary>Reads a definition from YAML (the proto-JSON document written as YAML).</summary>
    /// <exception cref="DefinitionFormatException">The text is not a well-formed definition.</exception>
    public static WorkflowDefinition FromYaml(string yaml) => FromYaml(yaml, source: null);

    /// <summary>Reads a definition from a file: <c>.json</c> as JSON, <c>.yaml</c>/<c>.yml</c> as YAML.</summary>
    /// <exception cref="DefinitionFormatException">The file is not a well-formed definition or has another extension.</exception>
    public static WorkflowDefinition FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var extension = Path.GetExtension(path).ToUpperInvariant();
        if (extension is not (".JSON" or ".YAML" or ".YML"))
        {
            throw new DefinitionFormatException($"{path}: unknown extension '{Path.GetExtension(path)}'; use .json, .yaml or .yml.");
        }

        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (IOException e)
        {
            throw new DefinitionFormatException($"{path}: {e.Message}", e);
        }

        return extension == ".JSON" ? FromJson(text, path) : FromYaml(text, path);
    }

    private static WorkflowDefinition FromJson(string json, string? source)
    {
        ArgumentNullException.ThrowIfNull(json);
        var problems = JsonDocumentScanner.Scan(Encoding.UTF8.GetBytes(json));
        if (problems.Count > 0)
        {
            throw Failure(source, problems);
        }

        return ParseProtoJson(json, source);
    }

    private static WorkflowDefinition FromYaml(string yaml, string? source)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var (json, problems) = YamlToJsonConverter.Convert(yaml);
        if (problems.Count > 0 || json is null)
        {
            throw Failure(source, problems);
        }

        return ParseProtoJson(json, source);
    }

    private static WorkflowDefinition ParseProtoJson(string json, string? source)
    {
        var problems = ProtoJsonShapeChecker.Check(json);
        if (problems.Count > 0)
        {
            throw Failure(source, problems);
        }

        try
        {
            return Parser.Parse<WorkflowDefinition>(json);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw Failure(source, [new ValidationProblem { Description = e.Message }], e);
        }
        catch (InvalidJsonException e)
        {
            throw Failure(source, [new ValidationProblem { Description = e.Message }], e);
        }
        catch (FormatException e)
        {
            throw Failure(source, [new ValidationProblem { Description = e.Message }], e);
        }
    }

    private static DefinitionFormatException Failure(string? source, IReadOnlyList<ValidationProblem> problems, Exception? inner = null)
    {
        var message = new StringBuilder(source is null ? "The workflow definition cannot be read:" : $"{source}: the workflow definition cannot be read:");
        foreach (var problem in problems)
        {
            message.Append('\n');
            if (problem.Field.Length > 0)
            {
                message.Append(problem.Field).Append(": ");
            }

            message.Append(problem.Description);
        }

        return new DefinitionFormatException(message.ToString(), problems, inner);
    }
}
