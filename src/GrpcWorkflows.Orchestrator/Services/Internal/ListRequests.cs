using GrpcWorkflows.Engine.Namespaces;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Orchestrator.Services.Internal;

/// <summary>Checks a <c>ListExecutionsRequest</c> and turns it into the engine's <see cref="ExecutionQuery"/>.</summary>
internal static class ListRequests
{
    /// <summary>The largest number of label filters in one request.</summary>
    public const int MaxLabelFilters = 32;

    /// <summary>The longest label key or value a filter may hold.</summary>
    public const int MaxLabelLength = 256;

    /// <summary>The longest execution id prefix a request may hold.</summary>
    public const int MaxIdPrefixLength = 64;

    /// <summary>The query of a request.</summary>
    /// <exception cref="Grpc.Core.RpcException"><c>INVALID_ARGUMENT</c> listing every problem of the request.</exception>
    public static ExecutionQuery Query(ListExecutionsRequest request, int defaultPageSize, int maxPageSize)
    {
        var problems = new List<ValidationProblem>();
        if (request.PageSize < 0)
        {
            problems.Add(Problem("page_size", "must be 0 (the default) or more."));
        }

        if (request.Labels.Count > MaxLabelFilters)
        {
            problems.Add(Problem("labels", $"has {request.Labels.Count} entries; at most {MaxLabelFilters} are allowed."));
        }

        foreach (var (key, value) in request.Labels)
        {
            if (string.IsNullOrWhiteSpace(key))
            {
                problems.Add(Problem("labels", "has an empty key; every label filter is key=value with a key."));
            }
            else if (key.Length > MaxLabelLength || value.Length > MaxLabelLength)
            {
                problems.Add(Problem($"labels[{key[..Math.Min(key.Length, 40)]}]", $"key and value must be at most {MaxLabelLength} characters each."));
            }
        }

        var prefix = request.ExecutionIdPrefix;
        if (prefix.Length > MaxIdPrefixLength || !prefix.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            problems.Add(Problem("execution_id_prefix", $"must be at most {MaxIdPrefixLength} letters, digits, '-' or '_' (the characters of an execution id)."));
        }

        var after = Time(request.CreatedAfter, "created_after", problems);
        var before = Time(request.CreatedBefore, "created_before", problems);
        if (after is { } a && before is { } b && a >= b)
        {
            problems.Add(Problem("created_before", $"({b:O}) must be later than created_after ({a:O})."));
        }

        var listed = ExecutionNamespace.OrDefault(request.Namespace);
        if (ExecutionNamespace.Problem(listed) is { } namespaceProblem)
        {
            problems.Add(Problem("namespace", $"'{RpcErrors.Truncate(listed, 80)}' {namespaceProblem}"));
        }

        if (problems.Count > 0)
        {
            throw RpcErrors.InvalidArgument("The ListExecutions request is not valid", problems);
        }

        var pageSize = request.PageSize == 0 ? defaultPageSize : Math.Min(request.PageSize, maxPageSize);
        return new ExecutionQuery(
            pageSize,
            string.IsNullOrEmpty(request.PageToken) ? null : request.PageToken,
            request.States.ToArray(),
            string.IsNullOrEmpty(request.WorkflowId) ? null : request.WorkflowId)
        {
            Labels = new Dictionary<string, string>(request.Labels, StringComparer.Ordinal),
            CreatedAfter = after,
            CreatedBefore = before,
            ExecutionIdPrefix = prefix.Length == 0 ? null : prefix,
            Namespace = listed,
        };
    }

    private static DateTimeOffset? Time(Google.Protobuf.WellKnownTypes.Timestamp? timestamp, string field, List<ValidationProblem> problems)
    {
        if (timestamp is null)
        {
            return null;
        }

        try
        {
            return timestamp.ToDateTimeOffset();
        }
        catch (InvalidOperationException)
        {
            problems.Add(Problem(field, "is not a valid timestamp (seconds from 0001-01-01 to 9999-12-31, nanos 0 to 999,999,999)."));
            return null;
        }
    }

    private static ValidationProblem Problem(string field, string description) => new() { Field = field, Description = description };
}
