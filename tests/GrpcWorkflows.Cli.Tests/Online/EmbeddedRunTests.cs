using System.Text.RegularExpressions;
using GrpcWorkflows.Cli.Tests.Infrastructure;

namespace GrpcWorkflows.Cli.Tests.Online;

public sealed partial class EmbeddedRunTests
{
    [Fact]
    public async Task Run_NoAddressConfiguredAndNoneAtTheDefault_StartsAnEmbeddedOrchestratorRunsAndStopsIt()
    {
        var result = await Gwf.RunAsync(["run", Gwf.ExamplePath("simple_workflow.json")], timeout: TimeSpan.FromSeconds(150));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("starting an embedded one (memory storage)", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("\"message\": \"HELLO\"", result.StandardOutput, StringComparison.Ordinal);
        var address = EmbeddedAddress().Match(result.StandardError);
        Assert.True(address.Success, result.ToString());
        using var probe = new System.Net.Sockets.TcpClient();
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => probe.ConnectAsync("127.0.0.1", int.Parse(address.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [GeneratedRegex(@"embedded orchestrator at http://127\.0\.0\.1:(?<port>\d+) ready")]
    private static partial Regex EmbeddedAddress();
}
