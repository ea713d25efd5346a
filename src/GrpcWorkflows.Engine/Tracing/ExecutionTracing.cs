using System.Diagnostics;
using GrpcWorkflows.Engine.Scheduling;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Tracing;

/// <summary>
/// The engine's activities: one per execution and per step, started detached (they outlive the
/// call that started them), and one per attempt around the dispatcher call.
/// </summary>
internal static class ExecutionTracing
{
    private static readonly ActivitySource Source = new(Instrumentation.ActivitySourceName);

    /// <summary>Starts the execution's activity when someone listens.</summary>
    public static void StartExecution(ExecutionRuntime runtime)
    {
        if (!Source.HasListeners())
        {
            return;
        }

        runtime.Activity = StartDetached("execution " + runtime.Fold.Execution.WorkflowId, default, runtime, null, null);
        runtime.StepActivities = new Activity?[runtime.Compiled.Graph.Count];
    }

    /// <summary>Starts a step's activity at its first dispatched attempt.</summary>
    public static void StartStep(ExecutionRuntime runtime, int step)
    {
        if (runtime.Activity is not null && runtime.StepActivities is { } activities && activities[step] is null)
        {
            var graph = runtime.Compiled.Graph;
            activities[step] = StartDetached("step " + graph.Ids[step], runtime.Activity.Context, runtime, graph.Ids[step], graph.Steps[step].Type);
        }
    }

    /// <summary>Ends a step's activity when the step reaches a terminal state.</summary>
    public static void StopStep(ExecutionRuntime runtime, int step, bool succeeded)
    {
        if (runtime.StepActivities?[step] is { } activity)
        {
            activity.SetStatus(succeeded ? ActivityStatusCode.Ok : ActivityStatusCode.Error);
            activity.Stop();
            runtime.StepActivities[step] = null;
        }
    }

    /// <summary>Ends the execution's activity.</summary>
    public static void FinishExecution(ExecutionRuntime runtime)
    {
        if (runtime.Activity is { } activity)
        {
            activity.SetStatus(runtime.Fold.Execution.State == ExecutionState.Succeeded ? ActivityStatusCode.Ok : ActivityStatusCode.Error);
            activity.Stop();
        }
    }

    /// <summary>Starts the activity of one attempt, child of its step's; null when the execution is not traced.</summary>
    public static Activity? StartAttempt(ExecutionRuntime runtime, int step, ExecuteStepRequest request)
    {
        if (runtime.Activity is null)
        {
            return null;
        }

        var parent = runtime.StepActivities?[step]?.Context ?? runtime.Activity.Context;
        var activity = Source.StartActivity("attempt " + request.StepId, ActivityKind.Internal, parent);
        activity?.SetTag(TelemetryTags.ExecutionId, runtime.Id);
        activity?.SetTag(TelemetryTags.StepId, request.StepId);
        activity?.SetTag(TelemetryTags.StepType, request.StepType);
        activity?.SetTag(TelemetryTags.Attempt, request.Attempt);
        return activity;
    }

    private static Activity? StartDetached(string name, ActivityContext parent, ExecutionRuntime runtime, string? stepId, string? stepType)
    {
        var previous = Activity.Current;
        var activity = Source.CreateActivity(name, ActivityKind.Internal, parent);
        if (activity is null)
        {
            return null;
        }

        activity.SetTag(TelemetryTags.ExecutionId, runtime.Id);
        activity.SetTag(TelemetryTags.WorkflowId, runtime.Fold.Execution.WorkflowId);
        if (stepId is not null)
        {
            activity.SetTag(TelemetryTags.StepId, stepId);
            activity.SetTag(TelemetryTags.StepType, stepType);
        }

        activity.Start();
        Activity.Current = previous;
        return activity;
    }
}
