namespace GrpcWorkflows.Engine.FlowControl;

/// <summary>
/// One step's flow control in one execution, its keys resolved against the workflow input and
/// scoped to the execution's namespace. Steps without any flow control have none (null), so that
/// they take the dispatch pump's plain path.
/// </summary>
/// <param name="Queue">The key of the flow queue the step waits in: its concurrency key, else its rate key, else the priority-only queue.</param>
/// <param name="ConcurrencyKey">The scoped concurrency key, or null.</param>
/// <param name="ConcurrencyMax">How many attempts with <paramref name="ConcurrencyKey"/> may be in flight.</param>
/// <param name="Rate">The definition's rate limit, or null.</param>
/// <param name="TypeRate">The engine's rate limit of the step type (<see cref="EngineOptions.StepTypeRateLimits"/>), or null.</param>
/// <param name="Priority">Higher is served first within <paramref name="Queue"/>.</param>
internal sealed record FlowStep(string Queue, string? ConcurrencyKey, int ConcurrencyMax, RateKey? Rate, RateKey? TypeRate, int Priority)
{
    /// <summary>The key as users wrote it (without the namespace scope), for reasons.</summary>
    public static string Display(string scopedKey)
    {
        var key = scopedKey[(scopedKey.IndexOf('/', StringComparison.Ordinal) + 1)..];
        return key.StartsWith(RatePrefix, StringComparison.Ordinal) ? key[RatePrefix.Length..] : key;
    }

    /// <summary>Sets a rate limit's queue and bucket apart from a concurrency key of the same name.</summary>
    public const string RatePrefix = "rate:";
}

/// <summary>A token bucket's key and settings: <paramref name="Limit"/> tokens every <paramref name="Period"/>.</summary>
/// <param name="Key">The scoped key; buckets are shared by key.</param>
/// <param name="Limit">Tokens per period, and the bucket's size.</param>
/// <param name="Period">The refill period.</param>
internal sealed record RateKey(string Key, int Limit, TimeSpan Period);
