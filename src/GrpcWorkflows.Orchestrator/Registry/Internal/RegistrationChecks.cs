using GrpcWorkflows.V1;

namespace GrpcWorkflows.Orchestrator.Registry.Internal;

/// <summary>The limits every registration must respect, whichever way it comes (<c>RegisterExecutor</c> or <c>Connect</c>).</summary>
internal static class RegistrationChecks
{
    /// <summary>The problems of <paramref name="request"/> beside its endpoint (checked by <see cref="ExecutorEndpointPolicy"/>), by field.</summary>
    public static void Check(RegisterExecutorRequest request, ExecutorRegistryOptions limits, List<ValidationProblem> problems)
    {
        void Add(string field, string description) => problems.Add(new ValidationProblem { Field = field, Description = description });

        if (request.StepTypes.Count == 0)
        {
            Add("step_types", "must list at least one step type.");
        }
        else if (request.StepTypes.Count > limits.MaxStepTypes)
        {
            Add("step_types", $"lists {request.StepTypes.Count} step types; the limit is {limits.MaxStepTypes} (Executors:MaxStepTypes).");
        }

        for (var i = 0; i < Math.Min(request.StepTypes.Count, limits.MaxStepTypes); i++)
        {
            if (string.IsNullOrWhiteSpace(request.StepTypes[i]))
            {
                Add($"step_types[{i}]", "must not be empty.");
            }
            else if (request.StepTypes[i].Length > limits.MaxLabelLength)
            {
                Add($"step_types[{i}]", TooLong(request.StepTypes[i], limits.MaxLabelLength));
            }
        }

        if (request.MaxConcurrency < 0)
        {
            Add("max_concurrency", "must be 0 (the orchestrator's default) or more.");
        }

        if (request.Name.Length > limits.MaxLabelLength)
        {
            Add("name", TooLong(request.Name, limits.MaxLabelLength));
        }

        if (request.Version.Length > limits.MaxLabelLength)
        {
            Add("version", TooLong(request.Version, limits.MaxLabelLength));
        }

        if (request.Labels.Count > limits.MaxLabels)
        {
            Add("labels", $"has {request.Labels.Count} labels; the limit is {limits.MaxLabels} (Executors:MaxLabels).");
            return;
        }

        foreach (var (key, value) in request.Labels)
        {
            if (key.Length > limits.MaxLabelLength)
            {
                Add("labels", $"a key {TooLong(key, limits.MaxLabelLength)}");
            }
            else if (value.Length > limits.MaxLabelLength)
            {
                Add($"labels.{key}", TooLong(value, limits.MaxLabelLength));
            }
        }
    }

    private static string TooLong(string text, int limit) => $"is {text.Length} characters; the limit is {limit} (Executors:MaxLabelLength).";
}
