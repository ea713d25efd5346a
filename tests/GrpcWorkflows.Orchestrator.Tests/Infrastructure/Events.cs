using Grpc.Core;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Orchestrator.Tests.Infrastructure;

/// <summary>Helpers to run and follow executions through the public API.</summary>
internal static class Events
{
    /// <summary>Watches an execution from the start until its stream ends; returns every event.</summary>
    public static async Task<List<ExecutionEvent>> WatchToEndAsync(this WorkflowService.WorkflowServiceClient client, string executionId, long fromSequence = 1, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? AsyncTestHelpers.DefaultTimeoutSpan);
        using var call = client.WatchExecution(new WatchExecutionRequest { ExecutionId = executionId, FromSequence = fromSequence }, cancellationToken: deadline.Token);
        var events = new List<ExecutionEvent>();
        await foreach (var response in call.ResponseStream.ReadAllAsync(deadline.Token))
        {
            events.Add(response.Event);
        }

        return events;
    }

    /// <summary>Calls RunWorkflow and returns every event of its stream.</summary>
    public static async Task<List<ExecutionEvent>> RunStreamAsync(this WorkflowService.WorkflowServiceClient client, RunWorkflowRequest request)
    {
        using var deadline = new CancellationTokenSource(AsyncTestHelpers.DefaultTimeoutSpan);
        using var call = client.RunWorkflow(request, cancellationToken: deadline.Token);
        var events = new List<ExecutionEvent>();
        await foreach (var response in call.ResponseStream.ReadAllAsync(deadline.Token))
        {
            events.Add(response.Event);
        }

        return events;
    }

    /// <summary>Submits, waits for the end, and returns the finished execution.</summary>
    public static async Task<Execution> RunToEndAsync(this WorkflowService.WorkflowServiceClient client, WorkflowDefinition definition, string? inputJson = null)
    {
        var request = new SubmitWorkflowRequest { Definition = definition };
        if (inputJson is not null)
        {
            request.Input = Workflows.Json(inputJson);
        }

        var submitted = await client.SubmitWorkflowAsync(request).ResponseAsync.DefaultTimeout();
        await client.WatchToEndAsync(submitted.ExecutionId);
        return (await client.GetExecutionAsync(new GetExecutionRequest { ExecutionId = submitted.ExecutionId }).ResponseAsync.DefaultTimeout()).Execution;
    }

    public static ExecutionState FinalState(this IReadOnlyList<ExecutionEvent> events)
        => events.Last(e => e.KindCase == ExecutionEvent.KindOneofCase.Finished).Finished.State;
}
