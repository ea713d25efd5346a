using System.Text.Json.Nodes;
using GrpcWorkflows.Executor;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Plugins.Ai.Tests.Infrastructure;

/// <summary>Builds step attempts from JSON, as the orchestrator would send them.</summary>
internal static class Steps
{
    public static ExecuteStepRequest Request(string inputJson, IReadOnlyDictionary<string, string>? dependencies = null, string stepId = "ai_step")
    {
        var request = new ExecuteStepRequest
        {
            ExecutionId = "exec-1",
            WorkflowId = "wf",
            StepId = stepId,
            StepType = "ai",
            Attempt = 1,
            IdempotencyKey = "exec-1/" + stepId + "/1",
            Input = StructJson.ParseStruct(inputJson),
        };
        foreach (var (id, output) in dependencies ?? new Dictionary<string, string>())
        {
            request.Dependencies[id] = StructJson.ParseStruct(output);
        }

        return request;
    }

    public static StepContext Context(string inputJson, IReadOnlyDictionary<string, string>? dependencies = null) =>
        new(Request(inputJson, dependencies));

    /// <summary>Runs the handler and returns its output as JSON.</summary>
    public static async Task<JsonObject> RunAsync(this IStepHandler handler, string inputJson, IReadOnlyDictionary<string, string>? dependencies = null)
    {
        var output = await handler.ExecuteAsync(Context(inputJson, dependencies), CancellationToken.None).AsTask().DefaultTimeout();
        return StructJson.ToJsonObject(output);
    }

    /// <summary>Runs the handler and returns the step failure it throws.</summary>
    public static async Task<StepFailedException> FailAsync(this IStepHandler handler, string inputJson, IReadOnlyDictionary<string, string>? dependencies = null) =>
        await Assert.ThrowsAsync<StepFailedException>(() => handler.RunAsync(inputJson, dependencies));
}
