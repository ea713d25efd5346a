using System.Diagnostics;

namespace GrpcWorkflows.Cli.Embedded;

/// <summary>Starts the embedded orchestrator of a <c>gwf run</c> that found no orchestrator, saying so on stderr.</summary>
internal static class EmbeddedRun
{
    public static async Task<LocalCluster> StartAsync(Uri missingAddress, CancellationToken cancellationToken)
    {
        Console.Error.WriteLine($"gwf: no orchestrator at {missingAddress.GetLeftPart(UriPartial.Authority)}; starting an embedded one (memory storage) with the built-in executors for this run...");
        var clock = Stopwatch.StartNew();
        var cluster = await LocalCluster.StartAsync(new LocalClusterOptions(), cancellationToken);
        Console.Error.WriteLine($"gwf: embedded orchestrator at {cluster.OrchestratorAddress.GetLeftPart(UriPartial.Authority)} ready in {clock.Elapsed.TotalSeconds:0.0}s.");
        return cluster;
    }
}
