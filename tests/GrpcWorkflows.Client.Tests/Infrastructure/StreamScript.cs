namespace GrpcWorkflows.Client.Tests.Infrastructure;

/// <summary>What one call of a scripted stream does: how many events it writes, how it ends, and whether it first replays events the client already saw.</summary>
/// <param name="EventCount">How many events to write before <paramref name="Break"/> (int.MaxValue for all).</param>
/// <param name="Break">How the call ends.</param>
/// <param name="ReplayOverlap">How many events before the requested sequence to send again (a server that repeats itself).</param>
/// <param name="BreakAfter">Awaited before breaking, so the test can first confirm the client received what was written.</param>
internal sealed record StreamScript(int EventCount, StreamBreak Break, int ReplayOverlap = 0, Task? BreakAfter = null)
{
    public static readonly StreamScript ToTheEnd = new(int.MaxValue, StreamBreak.None);
}
