using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Bench;

/// <summary>
/// A dispatcher whose attempts take a known time on a (usually fake) clock, or complete at once
/// on a thread-pool hop when the duration is zero (like a reply arriving on another thread).
/// </summary>
internal sealed class VirtualDispatcher(TimeProvider time, Func<ExecuteStepRequest, (TimeSpan Duration, bool Succeed)> script) : IStepDispatcher
{
    private static readonly Struct Output = new() { Fields = { ["ok"] = Value.ForBool(true) } };

    public event EventHandler? CapacityAvailable
    {
        add { }
        remove { }
    }

    public bool HasCapacity(string stepType) => true;

    public async ValueTask<StepAttemptResult> DispatchAsync(StepAttemptRequest request, CancellationToken cancellationToken = default)
    {
        var (duration, succeed) = script(request.Request);
        if (duration == TimeSpan.Zero)
        {
            await Task.Yield();
        }
        else
        {
            var done = new TaskCompletionSource();
            using var timer = time.CreateTimer(static s => ((TaskCompletionSource)s!).TrySetResult(), done, duration, Timeout.InfiniteTimeSpan);
            await done.Task.ConfigureAwait(false);
        }

        return succeed ? StepAttemptResult.Success(Output) : StepAttemptResult.Failure("UNAVAILABLE", "scripted", retryable: true);
    }
}
