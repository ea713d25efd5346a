using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Client.Tests.Infrastructure;

/// <summary>
/// A WorkflowService test double: one execution with a fixed event log, served from the requested
/// sequence, with each stream call following a script (write some events, then break in a given way).
/// </summary>
internal sealed class ScriptedWorkflowService : WorkflowService.WorkflowServiceBase
{
    public const string ExecutionId = "exec-1";

    private readonly ConcurrentQueue<StreamScript> _watchScripts = new();
    private readonly ConcurrentQueue<StreamScript> _runScripts = new();

    public ScriptedWorkflowService(int eventCount)
    {
        Log = [.. Enumerable.Range(1, eventCount).Select(i => MakeEvent(i, last: i == eventCount))];
    }

    public IReadOnlyList<ExecutionEvent> Log { get; }

    public ConcurrentQueue<long> WatchFromSequences { get; } = new();

    public ConcurrentQueue<string> Calls { get; } = new();

    public ConcurrentQueue<SubmitWorkflowRequest> Submissions { get; } = new();

    public void ScriptWatch(params StreamScript[] scripts)
    {
        foreach (var script in scripts)
        {
            _watchScripts.Enqueue(script);
        }
    }

    public void ScriptRun(params StreamScript[] scripts)
    {
        foreach (var script in scripts)
        {
            _runScripts.Enqueue(script);
        }
    }

    public override async Task WatchExecution(WatchExecutionRequest request, IServerStreamWriter<WatchExecutionResponse> responseStream, ServerCallContext context)
    {
        Calls.Enqueue(nameof(WatchExecution));
        WatchFromSequences.Enqueue(request.FromSequence);
        var script = _watchScripts.TryDequeue(out var next) ? next : StreamScript.ToTheEnd;
        await ServeAsync(request.ExecutionId, request.FromSequence, script, e => responseStream.WriteAsync(new WatchExecutionResponse { Event = e }), context);
    }

    public override async Task RunWorkflow(RunWorkflowRequest request, IServerStreamWriter<RunWorkflowResponse> responseStream, ServerCallContext context)
    {
        Calls.Enqueue(nameof(RunWorkflow));
        var script = _runScripts.TryDequeue(out var next) ? next : StreamScript.ToTheEnd;
        await ServeAsync(ExecutionId, 1, script, e => responseStream.WriteAsync(new RunWorkflowResponse { Event = e }), context);
    }

    public override Task<SubmitWorkflowResponse> SubmitWorkflow(SubmitWorkflowRequest request, ServerCallContext context)
    {
        Calls.Enqueue(nameof(SubmitWorkflow));
        if (request.Definition?.Id == "unserved")
        {
            var failure = new PreconditionFailure();
            failure.Violations.Add(new PreconditionFailure.Types.Violation { Type = "STEP_TYPE_NOT_SERVED", Subject = "steps.b.type", Description = "No executor serves step type 'teleport'." });
            throw new Google.Rpc.Status { Code = (int)Code.FailedPrecondition, Message = "Unserved step types.", Details = { Any.Pack(failure) } }.ToRpcException();
        }

        Submissions.Enqueue(request);
        return Task.FromResult(new SubmitWorkflowResponse { ExecutionId = ExecutionId, Existing = request.IdempotencyKey.Length > 0 });
    }

    public override Task<GetExecutionResponse> GetExecution(GetExecutionRequest request, ServerCallContext context)
    {
        Calls.Enqueue(nameof(GetExecution));
        if (request.ExecutionId != ExecutionId)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.NotFound, $"Execution '{request.ExecutionId}' does not exist."));
        }

        return Task.FromResult(new GetExecutionResponse
        {
            Execution = new Execution { ExecutionId = ExecutionId, State = ExecutionState.Succeeded, LastSequence = Log.Count },
        });
    }

    public override Task<ValidateWorkflowResponse> ValidateWorkflow(ValidateWorkflowRequest request, ServerCallContext context)
    {
        Calls.Enqueue(nameof(ValidateWorkflow));
        var badRequest = new BadRequest();
        badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = "steps.b.depends_on[0]", Description = "Step 'b' depends on 'missing', which does not exist." });
        badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = "steps.a", Description = "The steps a -> c -> a form a cycle." });
        var status = new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = "The workflow definition has 2 problems.",
            Details = { Any.Pack(badRequest) },
        };
        throw status.ToRpcException();
    }

    private async Task ServeAsync(string executionId, long fromSequence, StreamScript script, Func<ExecutionEvent, Task> write, ServerCallContext context)
    {
        if (executionId != ExecutionId || script.Break == StreamBreak.NotFound)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.NotFound, $"Execution '{executionId}' does not exist."));
        }

        var start = (int)Math.Max(Math.Max(fromSequence, 1) - script.ReplayOverlap, 1);
        var written = 0;
        for (var sequence = start; sequence <= Log.Count && written < script.EventCount; sequence++, written++)
        {
            await write(Log[sequence - 1]);
        }

        if (script.BreakAfter is not null)
        {
            await script.BreakAfter.WaitAsync(context.CancellationToken);
        }

        switch (script.Break)
        {
            case StreamBreak.Unavailable:
                throw new RpcException(new Grpc.Core.Status(StatusCode.Unavailable, "The test server went away."));
            case StreamBreak.AbortConnection:
                context.GetHttpContext().Abort();
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
                break;
            default:
                break;
        }
    }

    private static ExecutionEvent MakeEvent(int sequence, bool last)
    {
        var e = new ExecutionEvent { ExecutionId = ExecutionId, Sequence = sequence, Time = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch.AddSeconds(sequence)) };
        if (sequence == 1)
        {
            e.Submitted = new ExecutionSubmitted();
        }
        else if (last)
        {
            e.Finished = new ExecutionFinished { State = ExecutionState.Succeeded };
        }
        else
        {
            e.StepSucceeded = new StepSucceeded { StepId = $"step_{sequence}", Attempt = 1 };
        }

        return e;
    }
}
