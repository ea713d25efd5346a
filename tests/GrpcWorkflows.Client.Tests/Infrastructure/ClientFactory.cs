using GrpcWorkflows.Client.Watching;

namespace GrpcWorkflows.Client.Tests.Infrastructure;

internal static class ClientFactory
{
    /// <summary>A client with short resume delays, so tests that break streams stay quick.</summary>
    public static WorkflowClient Create(Uri address, int maxResumeAttempts = 5) => WorkflowClient.Create(address, new WorkflowClientOptions
    {
        Address = address,
        WatchResume = new WatchResumeOptions { MaxAttempts = maxResumeAttempts, InitialDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(50) },
    });

    public static async Task<List<ExecutionEventSummary>> CollectAsync(IAsyncEnumerable<GrpcWorkflows.V1.ExecutionEvent> events, long? signalAt = null, TaskCompletionSource? signal = null)
    {
        var seen = new List<ExecutionEventSummary>();
        await foreach (var e in events)
        {
            seen.Add(new ExecutionEventSummary(e.Sequence, e.KindCase.ToString()));
            if (e.Sequence == signalAt)
            {
                signal?.TrySetResult();
            }
        }

        return seen;
    }
}

internal sealed record ExecutionEventSummary(long Sequence, string Kind);
