namespace GrpcWorkflows.Engine.DataFlow;

/// <summary>One <c>{{ ... }}</c> reference found in a string value.</summary>
/// <param name="Start">Index of the opening braces in the string.</param>
/// <param name="Length">Length of the reference, braces included.</param>
/// <param name="StepId">The referenced step, or null for <c>workflow.input</c>.</param>
/// <param name="Path">The path inside the output or input: field names and list indices.</param>
/// <param name="Text">The reference as written, for messages.</param>
internal sealed record TemplateReference(int Start, int Length, string? StepId, IReadOnlyList<PathSegment> Path, string Text)
{
    /// <summary>The path as text (<c>a.b[0]</c>), empty for the whole value.</summary>
    public string PathText => PathSegment.Format(Path);

    /// <summary>The secret of a <c>{{ secrets.NAME }}</c> reference (then <see cref="StepId"/> is null and <see cref="Path"/> empty); null otherwise.</summary>
    public string? SecretName { get; init; }

    /// <summary>A <c>{{ item }}</c> / <c>{{ item.&lt;path&gt; }}</c> reference (the current item of a <c>for_each</c> step; <see cref="StepId"/> is null).</summary>
    public bool IsItem { get; init; }

    /// <summary>A <c>{{ item_index }}</c> reference (the current item's 0-based index; <see cref="StepId"/> is null, <see cref="Path"/> empty).</summary>
    public bool IsItemIndex { get; init; }
}
