using System.Net;
using System.Net.Sockets;
using GrpcWorkflows.Cli.Tests.Infrastructure;

namespace GrpcWorkflows.Cli.Tests.Offline;

/// <summary>Parse errors reported like graph errors, the exit codes in --help, a busy port, a chat workflow with no endpoint, a bad executors file.</summary>
public sealed class NewcomerOfflineTests
{
    [Fact]
    public async Task Validate_ParseErrors_EveryProblemWithLineColumnAndFieldPath()
    {
        var file = Gwf.WorkflowPath("parse_errors.yaml");

        var result = await Gwf.RunAsync(["validate", file, "--offline"]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith($"{file}: 5 problems", result.OutputLines[0], StringComparison.Ordinal);
        Assert.Equal(
            [
                $"{file}:5:5: steps.load.dependson: unknown field 'dependson'; did you mean 'depends_on'?",
                $"{file}:6:5: steps.load.timeout: \"abc\" is not a duration: use a number of seconds ending in s, such as 2s, 0.5s or 90s",
                $"{file}:7:20: steps.load.retry_policy.max_attempts: must be a number, not the text \"three\"",
                $"{file}:7:43: steps.load.retry_policy.initial_backoff: 2 is not a duration: use a number of seconds ending in s, such as 2s, 0.5s or 90s",
                $"{file}:10:5: steps.report.depends_on: must be a list, not the text \"load\"",
            ],
            result.OutputLines.Skip(1));
    }

    [Fact]
    public async Task Validate_ParseErrorsAsJson_EveryProblemWithItsFieldPath()
    {
        var result = await Gwf.RunAsync(["validate", Gwf.WorkflowPath("parse_errors.yaml"), "--offline", "-o", "json"]);

        Assert.True(result.ExitCode == 2, result.ToString());
        using var document = System.Text.Json.JsonDocument.Parse(result.StandardOutput);
        var fields = document.RootElement.GetProperty("problems").EnumerateArray().Select(p => p.GetProperty("field").GetString()).ToList();
        Assert.Equal(["steps.load.dependson", "steps.load.timeout", "steps.load.retry_policy.max_attempts", "steps.load.retry_policy.initial_backoff", "steps.report.depends_on"], fields);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("run", "--help")]
    public async Task Help_Any_ListsEveryExitCode(params string[] arguments)
    {
        var result = await Gwf.RunAsync(arguments);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("EXIT CODES:", result.StandardOutput, StringComparison.Ordinal);
        foreach (var code in new[] { "0", "1", "2", "3", "4", "5", "130" })
        {
            Assert.Contains(result.OutputLines, l => l.StartsWith(code + " ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Dev_PortInUse_OneLineWithTheFixAndExits4()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var result = await Gwf.RunAsync(["dev", "--port", port, "--storage", "memory"]);

        Assert.True(result.ExitCode == 4, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.Contains($"127.0.0.1:{port} is already in use", line, StringComparison.Ordinal);
        Assert.Contains("gwf dev --port 0", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ChatStepWithNoEndpointAndNoOrchestrator_SkipsNamingTheSettingAndExits5()
    {
        var result = await Gwf.RunAsync(["run", Gwf.ExamplePath("ai_summary_chat.json")], new Dictionary<string, string?> { ["Ai__Chat__Endpoint"] = null });

        Assert.True(result.ExitCode == 5, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.Contains("skipped", line, StringComparison.Ordinal);
        Assert.Contains("step summary needs a chat provider", line, StringComparison.Ordinal);
        Assert.Contains("Ai__Chat__Endpoint", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dev_ExecutorsFileWithProblems_ListsEveryProblemAndExits2()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("gwf-executors-").FullName, "gwf.executors.json");
        await File.WriteAllTextAsync(file, """{"executors": [{"name": "a", "command": "node"}, {"name": "", "step_types": ["x"], "command": "node", "arguments": [1]}]}""");

        var result = await Gwf.RunAsync(["dev", "--port", "0", "--executors", file]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("3 problem(s)", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("executors[0].step_types: required", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("executors[1].name: required", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("executors[1].arguments: a list of strings", result.StandardError, StringComparison.Ordinal);
    }
}
