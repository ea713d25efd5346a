using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Executor;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Plugins.Tests.Infrastructure;

/// <summary>Builds step contexts from JSON text, as the orchestrator would send them.</summary>
internal static class Steps
{
    public static StepContext Context(string type, string inputJson = "{}", params (string StepId, string OutputJson)[] dependencies)
    {
        var request = new ExecuteStepRequest
        {
            ExecutionId = "exec-test",
            WorkflowId = "wf-test",
            StepId = $"{type}_step",
            StepType = type,
            Attempt = 1,
            IdempotencyKey = $"exec-test/{type}_step/1",
            Input = StructJson.ParseStruct(inputJson),
        };
        foreach (var (stepId, output) in dependencies)
        {
            request.Dependencies[stepId] = StructJson.ParseStruct(output);
        }

        return new StepContext(request);
    }

    public static string Json(Struct value) => StructJson.Format(value);

    /// <summary>Normalises JSON text so tests can compare it with an expected literal.</summary>
    public static string Canonical(string json) => StructJson.Format(StructJson.ParseStruct(json));
}
