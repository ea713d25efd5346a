using System.Text.RegularExpressions;

namespace GrpcWorkflows.Plugins.Ai.Internal;

/// <summary>
/// Splits text into sentences: after <c>.</c>, <c>!</c> or <c>?</c> (and closing quotes or brackets) followed by
/// white space and an upper-case letter, digit or opening quote; and at line breaks. Good enough for extractive
/// summaries of English prose; abbreviations followed by a capital ("Dr. Smith") split too.
/// </summary>
internal static partial class SentenceSplitter
{
    /// <summary>The sentences of <paramref name="text"/>, trimmed, without empty ones.</summary>
    public static List<string> Split(string text)
    {
        var sentences = new List<string>();
        foreach (var line in LineBreak().Split(text))
        {
            foreach (var sentence in SentenceEnd().Split(line))
            {
                var trimmed = sentence.Trim();
                if (trimmed.Length > 0)
                {
                    sentences.Add(trimmed);
                }
            }
        }

        return sentences;
    }

    [GeneratedRegex(@"\r?\n")]
    private static partial Regex LineBreak();

    [GeneratedRegex(@"(?<=[.!?][""')\]]*)\s+(?=[\p{Lu}\p{N}""'(\[])")]
    private static partial Regex SentenceEnd();
}
