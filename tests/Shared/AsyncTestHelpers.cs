using System.Diagnostics;

namespace GrpcWorkflows.Testing;

/// <summary>Every awaited test step is bounded (after dotnet/aspire's AsyncTestHelpers).</summary>
internal static class AsyncTestHelpers
{
    /// <summary>The default bound of an awaited test step; generous for a shared 2-core machine.</summary>
    public static readonly TimeSpan DefaultTimeoutSpan = Debugger.IsAttached ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(60);

    /// <summary>Bounds a task by <see cref="DefaultTimeoutSpan"/>.</summary>
    public static Task DefaultTimeout(this Task task) => task.WaitAsync(DefaultTimeoutSpan);

    /// <summary>Bounds a task by <see cref="DefaultTimeoutSpan"/>.</summary>
    public static Task<T> DefaultTimeout<T>(this Task<T> task) => task.WaitAsync(DefaultTimeoutSpan);

    /// <summary>Bounds a task by <see cref="DefaultTimeoutSpan"/>.</summary>
    public static Task<T> DefaultTimeout<T>(this ValueTask<T> task) => task.AsTask().WaitAsync(DefaultTimeoutSpan);

    /// <summary>Polls a condition until it holds, failing after the deadline. For state that raises no event.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? DefaultTimeoutSpan;
        while (!condition())
        {
            if (deadline.Elapsed > limit)
            {
                throw new TimeoutException($"Timed out after {limit} waiting until {what}.");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    /// <summary>Polls an async condition until it holds, failing after the deadline.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? DefaultTimeoutSpan;
        while (!await condition().ConfigureAwait(false))
        {
            if (deadline.Elapsed > limit)
            {
                throw new TimeoutException($"Timed out after {limit} waiting until {what}.");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }
}
