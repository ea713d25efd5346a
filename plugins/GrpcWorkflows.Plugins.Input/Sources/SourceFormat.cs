namespace GrpcWorkflows.Plugins.Input.Sources;

/// <summary>The formats <c>source.format</c> names.</summary>
public enum SourceFormat
{
    /// <summary>One JSON document: an array (becomes <c>items</c>) or an object (its fields are merged).</summary>
    Json,

    /// <summary>JSON Lines: one JSON value per line, blank lines skipped; the values become <c>items</c>.</summary>
    JsonLines,

    /// <summary>CSV (RFC 4180) with a header row; each row becomes an object in <c>items</c>.</summary>
    Csv,
}
