using System.Collections.Frozen;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Storage.Internal;

/// <summary>The labels an execution is indexed with.</summary>
internal static class ExecutionLabels
{
    /// <summary>The definition's labels overlaid with the submission's labels.</summary>
    public static IReadOnlyDictionary<string, string> Of(ExecutionSubmitted submitted)
    {
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
}
