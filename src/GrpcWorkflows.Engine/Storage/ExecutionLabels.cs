using System.Collections.Frozen;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Storage;

/// <summary>
/// An execution's labels: the one place that says how the definition's and the submission's labels
/// combine, and what a label filter matches. The engine's fold and every store use it.
/// </summary>
public static class ExecutionLabels
{
    /// <summary>The definition's labels overlaid with the submission's labels (a submission label wins over a definition label with the same key).</summary>
    /// <param name="submitted">The execution's first event.</param>
    /// <returns>The merged labels; empty when there are none.</returns>
    public static IReadOnlyDictionary<string, string> Of(ExecutionSubmitted submitted)
    {
        ArgumentNullException.ThrowIfNull(submitted);
        var definitionLabels = submitted.Definition?.Labels;
        if ((definitionLabels is null || definitionLabels.Count == 0) && submitted.Labels.Count == 0)
        {
            return FrozenDictionary<string, string>.Empty;
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (definitionLabels is not null)
        {
            foreach (var (key, value) in definitionLabels)
            {
                labels[key] = value;
            }
        }

        foreach (var (key, value) in submitted.Labels)
        {
            labels[key] = value;
        }

        return labels.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Whether <paramref name="labels"/> carries every label of <paramref name="filter"/> with exactly its value (an empty filter matches everything).</summary>
    /// <param name="labels">An execution's labels.</param>
    /// <param name="filter">The labels required.</param>
    /// <returns>True when every required label is present with the required value.</returns>
    public static bool Match(IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string> filter)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(filter);
        foreach (var (key, value) in filter)
        {
            if (!labels.TryGetValue(key, out var actual) || !string.Equals(actual, value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
