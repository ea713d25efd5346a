using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Orchestrator.Tests.Infrastructure;

/// <summary>Small builders for workflow definitions in tests.</summary>
internal static class Workflows
{
    /// <summary>A retry policy with short backoffs, so retry tests take milliseconds.</summary>
    public static RetryPolicy FastRetry(int maxAttempts = 3, int initialMs = 50) => new()
    {
        MaxAttempts = maxAttempts,
        InitialBackoff = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(initialMs)),
        BackoffMultiplier = 2,
        MaxBackoff = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)),
        Jitter = 0,
    };

    public static Struct Json(string json) => JsonParser.Default.Parse<Struct>(json);

    public static StepDefinition Step(string type, string? inputJson = null, params string[] dependsOn)
    {
        var step = new StepDefinition { Type = type };
        if (inputJson is not null)
        {
            step.Input = Json(inputJson);
        }

        step.DependsOn.Add(dependsOn);
        return step;
    }

    public static WorkflowDefinition Define(string id, params (string Id, StepDefinition Step)[] steps)
    {
        var definition = new WorkflowDefinition { Id = id, DefaultRetryPolicy = FastRetry() };
        foreach (var (stepId, step) in steps)
        {
            definition.Steps[stepId] = step;
        }

        return definition;
    }
}
