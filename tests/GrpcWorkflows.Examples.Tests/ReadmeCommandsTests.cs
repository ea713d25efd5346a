using GrpcWorkflows.Testing;

namespace GrpcWorkflows.Examples.Tests;

/// <summary>
/// Every <c>gwf</c> line of examples/README.md, run exactly as written from the repository root on a
/// machine with no orchestrator running: gwf starts its embedded one, and the examples succeed (or,
/// for a chat example with no chat endpoint set, are skipped with a message saying what to set).
/// </summary>
public sealed class ReadmeCommandsTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(4);

    public static TheoryData<string> Lines() => [.. ReadmeCommands.All()];

    [Fact]
    public void Readme_EveryExampleFile_HasACommandLine()
    {
        var files = Directory.EnumerateFiles(RepositoryPaths.Examples).Where(f => f.EndsWith(".json", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal)).Select(Path.GetFileName);

        var commanded = ReadmeCommands.All().Select(l => Path.GetFileName(ReadmeCommands.Arguments(l)[^1]));

        Assert.Equal(files.Order(StringComparer.Ordinal), commanded.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Lines))]
    public async Task ReadmeLine_RunAsWrittenWithNoChatEndpoint_SucceedsOrIsSkippedNamingTheSetting(string line)
    {
        var result = await RunGwfAsync(ReadmeCommands.Arguments(line), chatEndpoint: null);

        if (result.ExitCode == 5)
        {
            Assert.Contains("skipped", result.StandardError, StringComparison.Ordinal);
            Assert.Contains("Ai__Chat__Endpoint", result.StandardError, StringComparison.Ordinal);
            Assert.Contains("ai_summary_chat", line, StringComparison.Ordinal);
            return;
        }

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(" SUCCEEDED", result.StandardOutput, StringComparison.Ordinal);
        Assert.StartsWith("Execution ", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadmeLine_EtlSales_ReportsTheFolderItWroteTo()
    {
        var line = ReadmeCommands.All().Single(l => l.EndsWith("etl_sales.yaml", StringComparison.Ordinal));

        var result = await RunGwfAsync(ReadmeCommands.Arguments(line), chatEndpoint: null);

        Assert.True(result.ExitCode == 0, result.ToString());
        var written = Path.Combine(RepositoryPaths.Root, "output", "revenue_by_region.json");
        Assert.Contains($"wrote {written}", result.StandardOutput, StringComparison.Ordinal);
        Assert.True(File.Exists(written), written);
    }

    [Fact]
    public async Task ReadmeLine_ChatExampleWithEndpointSet_RunsAgainstTheProvider()
    {
        await using var provider = await OpenAiWireDouble.StartAsync();
        provider.EnqueueCompletion("Checkout timed out after a deploy; a rollback fixed it.");
        var line = ReadmeCommands.All().Single(l => l.Contains("ai_summary_chat", StringComparison.Ordinal));

        var result = await RunGwfAsync(ReadmeCommands.Arguments(line), provider.Endpoint);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Checkout timed out after a deploy", result.StandardOutput, StringComparison.Ordinal);
    }

    private static Task<CommandResult> RunGwfAsync(string[] arguments, Uri? chatEndpoint)
    {
        var environment = new Dictionary<string, string?>
        {
            ["GWF_ADDRESS"] = null,
            ["Ai__Chat__Endpoint"] = chatEndpoint?.ToString(),
            ["Ai__Chat__Model"] = chatEndpoint is null ? null : "test-model",
            ["Ai__Chat__ApiKey"] = chatEndpoint is null ? null : "test-key",
        };
        return CommandRun.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "gwf.dll"), .. arguments], RepositoryPaths.Root, environment, RunTimeout);
    }
}
