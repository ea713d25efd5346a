namespace GrpcWorkflows.Engine.Committing;

/// <summary>The backoff of store operations retried while the store fails: appends, and recovery reads.</summary>
internal static class StoreBackoff
{
    /// <summary>The wait before the first retry; it doubles with each failure.</summary>
    public static readonly TimeSpan First = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between two tries: the most a healed store waits to be used again.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromSeconds(5);

    /// <summary>The wait after <paramref name="delay"/>.</summary>
    public static TimeSpan Next(TimeSpan delay) => delay * 2 < Max ? delay * 2 : Max;
}
