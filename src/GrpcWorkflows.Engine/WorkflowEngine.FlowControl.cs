using GrpcWorkflows.Engine.Committing;
using GrpcWorkflows.Engine.Scheduling;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine;

/// <summary>Flow control: the engine's side of the flow gate (records why steps wait, refills buckets).</summary>
public sealed partial class WorkflowEngine
{
    /// <summary>The flow gate holds back a step: its machine records why. Under the lock, from the pump or an enqueue.</summary>
    private void Throttled(ExecutionRuntime runtime, int step, FlowWait wait)
    {
        if (runtime.Closed)
        {
            return;
        }

        var now = _time.GetUtcNow();
        runtime.Machine.Throttle(step, wait, now);
        if (runtime.Machine.Events.Count > 0)
        {
            _committer.MarkDirty(runtime);
        }
    }

    /// <summary>A rate limit's bucket is due for its refill (a timer, outside the lock): the steps waiting for it may start.</summary>
    private void OnRefillDue(string key)
    {
        AppendBatch[]? batches;
        lock (_gate)
        {
            _flow.Refill(key);
            _pump.Pump();
            batches = _committer.TakeDirty();
        }

        _committer.StartAppends(batches);
    }
}
