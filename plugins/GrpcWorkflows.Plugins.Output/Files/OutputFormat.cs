namespace GrpcWorkflows.Plugins.Output.Files;

/// <summary>The formats <c>file.format</c> names.</summary>
public enum OutputFormat
{
    /// <summary>The payload as one indented JSON document.</summary>
    Json,

    /// <summary>JSON Lines: one record per line.</summary>
    JsonLines,

    /// <summary>CSV with a header row: the union of the records' fields, in order of first appearance.</summary>
    Csv,
}
