using System.Globalization;
using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Cli.StoredWorkflows;

/// <summary>Reads <c>ID[@VERSION]</c>, the way stored workflows are named on the command line.</summary>
public static class WorkflowReferenceText
{
    /// <summary>The reference <paramref name="text"/> names: version 0 (the latest) when it has no <c>@VERSION</c>.</summary>
    /// <exception cref="UsageException">The id is empty or the version is not a number from 1.</exception>
    public static WorkflowReference Parse(string text, string option)
    {
        ArgumentNullException.ThrowIfNull(text);
        var at = text.LastIndexOf('@');
        var id = (at < 0 ? text : text[..at]).Trim();
        if (id.Length == 0)
        {
            throw new UsageException($"{option}: '{text}' names no workflow id; write ID or ID@VERSION (gwf workflow list shows the ids).");
        }

        if (at < 0)
        {
            return new WorkflowReference { Id = id };
        }

        if (!int.TryParse(text.AsSpan(at + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version < 1)
        {
            throw new UsageException($"{option}: '{text[(at + 1)..]}' is not a version number (1, 2, ...); write ID or ID@VERSION.");
        }

        return new WorkflowReference { Id = id, Version = version };
    }

    /// <summary><c>ID@VERSION</c>.</summary>
    public static string Format(string workflowId, int version) => string.Create(CultureInfo.InvariantCulture, $"{workflowId}@{version}");
}
