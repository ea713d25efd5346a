namespace GrpcWorkflows.Cli.Commands;

/// <summary>How a command prints its results.</summary>
public enum OutputFormat
{
    /// <summary>For people: tables, colours and live progress on a terminal; plain lines otherwise.</summary>
    Text,

    /// <summary>For scripts: one JSON document on stdout, or one JSON object per line for streams (protobuf JSON mapping).</summary>
    Json,
}
