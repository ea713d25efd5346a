using System.Diagnostics;
using System.Text.Json;
using GrpcWorkflows.Cli.Tests.Infrastructure;
using GrpcWorkflows.Testing;

namespace GrpcWorkflows.Cli.Tests.Interrupting;

/// <summary>
/// Ctrl-C (SIGINT) on <c>gwf run</c> while a step runs: a <c>gwf dev</c> cluster whose executors file
/// starts the Node executor with a long simulated latency, so the execution is still running when
/// the signal arrives.
/// </summary>
public sealed class InterruptTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);
    private readonly string _folder = Directory.CreateTempSubdirectory("gwf-interrupt-").FullName;
    private TestProcess? _dev;
    private string _address = string.Empty;

    public async Task InitializeAsync()
    {
        var executors = Path.Combine(_folder, "gwf.executors.json");
        var file = new
        {
            executors = new[]
            {
                new
                {
                    name = "slow-text-stats",
                    step_types = new[] { "text_stats" },
                    command = "node",
                    arguments = new[] { "plugins/text-stats-node/src/server.js", "--host", "127.0.0.1", "--port", "0", "--orchestrator", "{orchestrator}", "--simulate-latency-ms", "600000" },
                    working_directory = Gwf.RepositoryRoot,
                },
            },
        };
        await File.WriteAllTextAsync(executors, JsonSerializer.Serialize(file));
        _dev = TestProcess.StartDotnet("gwf", ["dev", "--port", "0", "--storage", "memory", "--output", "json", "--executors", executors]);
        var line = await _dev.WaitForLineAsync(l => l.StartsWith("{\"orchestrator\"", StringComparison.Ordinal), Deadline);
        using var document = JsonDocument.Parse(line);
        _address = document.RootElement.GetProperty("orchestrator").GetString()!;
    }

    public async Task DisposeAsync()
    {
        if (_dev is not null)
        {
            await _dev.StopAsync(TimeSpan.FromSeconds(20));
            await _dev.DisposeAsync();
        }

        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Run_CtrlC_LeavesTheExecutionRunningAndSaysHowToFollowOrCancelIt()
    {
        var (id, run) = await InterruptWhileRunningAsync();

        Assert.True(run.ExitCode == 130, run.Output);
        Assert.Contains($"execution {id} keeps running: 'gwf watch {id}' follows it again, 'gwf cancel {id}' cancels it.", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Call canceled", run.Output, StringComparison.Ordinal);
        Assert.Equal("EXECUTION_STATE_RUNNING", await StateAsync(id));
        Assert.Equal(0, (await Gwf.RunAsync(["cancel", id, "--address", _address])).ExitCode);
    }

    [Fact]
    public async Task Run_CtrlCWithCancelOnInterrupt_CancelsTheExecution()
    {
        var (id, run) = await InterruptWhileRunningAsync("--cancel-on-interrupt");

        Assert.True(run.ExitCode == 130, run.Output);
        Assert.Contains($"execution {id} cancelled.", run.Output, StringComparison.Ordinal);
        await AsyncTestHelpers.WaitUntilAsync(async () => await StateAsync(id) == "EXECUTION_STATE_CANCELLED", "the execution cancelled", Deadline);
    }

    private async Task<(string Id, TestProcess Run)> InterruptWhileRunningAsync(params string[] options)
    {
        var run = TestProcess.StartDotnet("gwf", ["run", Path.Combine(Gwf.RepositoryRoot, "samples", "text_stats_workflow.json"), "--address", _address, .. options]);
        var first = await run.WaitForLineAsync(l => l.StartsWith("Execution ", StringComparison.Ordinal), Deadline);
        await run.WaitForLineAsync(l => l.Contains("stats: running (attempt 1)", StringComparison.Ordinal), Deadline);

        using (var signal = Process.Start("kill", ["-INT", run.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await signal!.WaitForExitAsync().WaitAsync(Deadline);
        }

        await run.WaitForExitAsync(Deadline);
        return (first["Execution ".Length..].Trim(), run);
    }

    private async Task<string> StateAsync(string id)
    {
        var status = await Gwf.RunAsync(["status", id, "--address", _address, "-o", "json"]);
        Assert.True(status.ExitCode == 0, status.ToString());
        return JsonDocument.Parse(status.StandardOutput).RootElement.GetProperty("state").GetString()!;
    }
}
