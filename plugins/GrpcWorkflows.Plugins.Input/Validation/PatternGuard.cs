using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GrpcWorkflows.Executor;

namespace GrpcWorkflows.Plugins.Input.Validation;

/// <summary>
/// Runs every <c>pattern</c> and <c>patternProperties</c> regex of a schema against every string and property
/// name of the data, with a time budget, before the schema is evaluated. JSON Schema evaluation has no regex
/// timeout, so a catastrophically backtracking pattern (<c>^(a+)+$</c> on 30 characters: seconds to hours of
/// CPU) would otherwise run on long after the step's deadline. A pattern that overruns the budget fails the
/// step with <c>INVALID_ARGUMENT</c>; one that finishes here finishes as fast in the evaluation.
/// </summary>
public static class PatternGuard
{
    /// <summary>The total time all matches of one validation may take.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(1);

    /// <summary>Checks the patterns of <paramref name="schema"/> against <paramref name="data"/>.</summary>
    /// <param name="schema">The schema as JSON.</param>
    /// <param name="data">The data.</param>
    /// <param name="cancellationToken">The step's cancellation (its deadline): checked between matches.</param>
    /// <exception cref="StepFailedException">A pattern took longer than <see cref="Budget"/>.</exception>
    public static void Check(JsonNode? schema, JsonNode? data, CancellationToken cancellationToken)
    {
        var patterns = new HashSet<string>(StringComparer.Ordinal);
        CollectPatterns(schema, patterns);
        if (patterns.Count == 0)
        {
            return;
        }

        var texts = new HashSet<string>(StringComparer.Ordinal);
        CollectTexts(data, texts);
        var started = Stopwatch.GetTimestamp();
        foreach (var pattern in patterns)
        {
            foreach (var text in texts)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var left = Budget - Stopwatch.GetElapsedTime(started);
                try
                {
                    if (left <= TimeSpan.Zero)
                    {
                        throw new RegexMatchTimeoutException();
                    }

                    Regex.IsMatch(text, pattern, RegexOptions.None, left);
                }
                catch (RegexMatchTimeoutException)
                {
                    throw StepFailedException.InvalidInput(
                        $"schema: the pattern '{Shorten(pattern)}' took longer than {Budget.TotalSeconds:0.#} s on the data (catastrophic backtracking); simplify it, for example without nested quantifiers such as (a+)+.");
                }
                catch (ArgumentException)
                {
                    break; // Not a .NET regex: the schema evaluation reports it.
                }
            }
        }
    }

    private static void CollectPatterns(JsonNode? node, HashSet<string> patterns)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    if (name == "pattern" && value is JsonValue v && v.TryGetValue<string>(out var pattern))
                    {
                        patterns.Add(pattern);
                    }
                    else if (name == "patternProperties" && value is JsonObject properties)
                    {
                        foreach (var (key, _) in properties)
                        {
                            patterns.Add(key);
                        }
                    }

                    CollectPatterns(value, patterns);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    CollectPatterns(item, patterns);
                }

                break;
        }
    }

    private static void CollectTexts(JsonNode? node, HashSet<string> texts)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    texts.Add(name);
                    CollectTexts(value, texts);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    CollectTexts(item, texts);
                }

                break;
            case JsonValue value when value.TryGetValue<string>(out var text):
                texts.Add(text);
                break;
        }
    }

    private static string Shorten(string text) => text.Length > 80 ? text[..80] + "…" : text;
}
