using GrpcWorkflows.Cli.Tests.Infrastructure;

namespace GrpcWorkflows.Cli.Tests.Offline;

public sealed class NetworkFailureTests
{
    [Theory]
    [InlineData("status", "some-id")]
    [InlineData("watch", "some-id")]
    [InlineData("list")]
    [InlineData("executors")]
    [InlineData("cancel", "some-id")]
    public async Task Command_NothingListeningAtAddress_OneLineNamingTheAddressAndExits3(params string[] command)
    {
        var address = Gwf.ClosedAddress();

        var result = await Gwf.RunAsync([.. command, "--address", address]);

        Assert.Equal(3, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"gwf: cannot reach the orchestrator at {address}", line, StringComparison.Ordinal);
        Assert.Empty(result.StandardOutput);
    }

    [Fact]
    public async Task Run_AddressFromEnvironmentUnreachable_DoesNotStartEmbeddedAndExits3()
    {
        var address = Gwf.ClosedAddress();

        var result = await Gwf.RunAsync(["run", Gwf.ExamplePath("simple_workflow.json")], new Dictionary<string, string?> { ["GWF_ADDRESS"] = address });

        Assert.Equal(3, result.ExitCode);
        Assert.Equal([$"gwf: cannot reach the orchestrator at {address} (Connection refused)."], result.ErrorLines);
    }
}
