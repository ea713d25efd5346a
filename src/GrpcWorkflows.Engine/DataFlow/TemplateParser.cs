using System.Globalization;

namespace GrpcWorkflows.Engine.DataFlow;

/// <summary>
/// Finds <c>{{ steps.&lt;id&gt;.output.&lt;path&gt; }}</c>, <c>{{ workflow.input.&lt;path&gt; }}</c> and
/// <c>{{ secrets.&lt;name&gt; }}</c> references in string values. Step ids may contain dots, so the id is the shortest prefix
/// before <c>.output</c> that names a known step.
/// </summary>
internal static class TemplateParser
{
    private const string StepsPrefix = "steps.";
    private const string InputPrefix = "workflow.input";
    private const string OutputMarker = ".output";
    private const string SecretsPrefix = "secrets.";
    private const string ItemPrefix = "item";
    private const string ItemIndex = "item_index";

    /// <summary>Whether a string may hold a reference at all (the cheap test).</summary>
    public static bool MayContain(string text) => text.Contains("{{", StringComparison.Ordinal);

    /// <summary>Parses every reference of <paramref name="text"/>; a malformed one adds an error and is skipped.</summary>
    public static List<TemplateReference> Parse(string text, Func<string, bool> stepExists, List<string> errors)
    {
        var references = new List<TemplateReference>();
        var position = 0;
        while (true)
        {
            var open = text.IndexOf("{{", position, StringComparison.Ordinal);
            if (open < 0)
            {
                return references;
            }

            var close = text.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                errors.Add($"'{{{{' at position {open} is not closed by '}}}}'");
                return references;
            }

            var written = text[open..(close + 2)];
            var expression = text[(open + 2)..close].Trim();
            var reference = ParseExpression(expression, open, close + 2 - open, written, stepExists, out var error);
            if (reference is null)
            {
                errors.Add(error!);
            }
            else
            {
                references.Add(reference);
            }

            position = close + 2;
        }
    }

    private static TemplateReference? ParseExpression(string expression, int start, int length, string written, Func<string, bool> stepExists, out string? error)
    {
        error = null;
        if (expression.StartsWith(SecretsPrefix, StringComparison.Ordinal))
        {
            var name = expression[SecretsPrefix.Length..];
            if (!Secrets.SecretNames.IsValid(name))
            {
                error = $"'{written}' is not a secret reference: a secret name is 1 to {Secrets.SecretNames.MaxLength} letters, digits, '_', '-' and '.'";
                return null;
            }

            return new TemplateReference(start, length, null, [], written) { SecretName = name };
        }

        if (expression == ItemIndex)
        {
            return new TemplateReference(start, length, null, [], written) { IsItemIndex = true };
        }

        if (expression.StartsWith(ItemPrefix, StringComparison.Ordinal)
            && (expression.Length == ItemPrefix.Length || expression[ItemPrefix.Length] is '.' or '['))
        {
            return ParsePath(expression[ItemPrefix.Length..], written, out error) is { } itemPath
                ? new TemplateReference(start, length, null, itemPath, written) { IsItem = true }
                : null;
        }

        if (expression.StartsWith(InputPrefix, StringComparison.Ordinal))
        {
            var rest = expression[InputPrefix.Length..];
            if (rest.Length > 0 && rest[0] != '.' && rest[0] != '[')
            {
                error = $"'{written}' is not a reference: use '{{{{ workflow.input.<path> }}}}', '{{{{ steps.<id>.output.<path> }}}}' or '{{{{ secrets.<name> }}}}'";
                return null;
            }

            return ParsePath(rest, written, out error) is { } inputPath ? new TemplateReference(start, length, null, inputPath, written) : null;
        }

        if (expression.StartsWith(StepsPrefix, StringComparison.Ordinal))
        {
            var body = expression[StepsPrefix.Length..];
            string? firstCandidate = null;
            var search = 0;
            while (true)
            {
                var marker = body.IndexOf(OutputMarker, search, StringComparison.Ordinal);
                if (marker < 0)
                {
                    break;
                }

                var after = marker + OutputMarker.Length;
                if (marker > 0 && (after == body.Length || body[after] == '.' || body[after] == '['))
                {
                    var id = body[..marker];
                    firstCandidate ??= id;
                    if (stepExists(id))
                    {
                        return ParsePath(body[after..], written, out error) is { } outputPath
                            ? new TemplateReference(start, length, id, outputPath, written)
                            : null;
                    }
                }

                search = marker + 1;
            }

            if (firstCandidate is not null)
            {
                return ParsePath(body[(firstCandidate.Length + OutputMarker.Length)..], written, out error) is { } unknownPath
                    ? new TemplateReference(start, length, firstCandidate, unknownPath, written)
                    : null;
            }

            error = $"'{written}' is not a reference: a step reference reads '{{{{ steps.<id>.output.<path> }}}}'";
            return null;
        }

        error = $"'{written}' is not a reference: use '{{{{ workflow.input.<path> }}}}', '{{{{ steps.<id>.output.<path> }}}}' or '{{{{ secrets.<name> }}}}'";
        return null;
    }

    private static List<PathSegment>? ParsePath(string text, string written, out string? error)
    {
        error = null;
        var path = new List<PathSegment>();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '.')
            {
                var end = i + 1;
                while (end < text.Length && text[end] != '.' && text[end] != '[')
                {
                    end++;
                }

                var name = text[(i + 1)..end];
                if (name.Length == 0)
                {
                    error = $"'{written}' has an empty path segment";
                    return null;
                }

                path.Add(new PathSegment(name, 0));
                i = end;
            }
            else if (text[i] == '[')
            {
                var end = text.IndexOf(']', i);
                if (end < 0 || !int.TryParse(text.AsSpan(i + 1, end - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    error = $"'{written}' has a malformed list index";
                    return null;
                }

                path.Add(new PathSegment(null, index));
                i = end + 1;
            }
            else
            {
                error = $"'{written}' has an unexpected character '{text[i]}'";
                return null;
            }
        }

        return path;
    }
}
