namespace GrpcWorkflows.Plugins.Input.Validation;

/// <summary>One way the data breaks the schema.</summary>
/// <param name="Path">Where, as a JSON path such as <c>$.items[0].amount</c>.</param>
/// <param name="Keyword">The schema keyword that failed, such as <c>required</c> or <c>type</c>.</param>
/// <param name="Message">What is wrong.</param>
public sealed record SchemaViolation(string Path, string Keyword, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Path}: {Message}";
}
