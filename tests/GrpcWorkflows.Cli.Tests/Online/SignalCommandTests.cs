using System.Text.Json;
using GrpcWorkflows.Cli.Tests.Infrastructure;
using GrpcWorkflows.Testing;

namespace GrpcWorkflows.Cli.Tests.Online;

/// <summary><c>gwf signal</c> against <c>gwf dev</c>: the human-approval example, approved from the command line.</summary>
[Collection(DevClusterGroup.Name)]
public sealed class SignalCommandTests(DevCluster cluster)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Signal_WaitingApproval_CompletesItAndTheOrderShips_ASecondSignalIsRefused()
    {
        var submitted = await cluster.RunAsync("submit", Gwf.ExamplePath("human_approval.json"), "-o", "json");
        var id = JsonDocument.Parse(submitted.StandardOutput).RootElement.GetProperty("executionId").GetString()!;
        await AsyncTestHelpers.WaitUntilAsync(async () => await StepStateAsync(id, "approve") == "STEP_STATE_SUSPENDED", "the approval waits", Deadline);

        var badPayload = await cluster.RunAsync("signal", id, "approval", "--data", "not json");
        var signal = await cluster.RunAsync("signal", id, "approval", "--data", """{"approved": true, "by": "ada"}""");
        var watched = await cluster.RunAsync("watch", id);
        var again = await cluster.RunAsync("signal", id, "approval", "--data", """{"approved": false, "by": "bob"}""");

        Assert.NotEqual(0, badPayload.ExitCode);
        Assert.Contains("--data: not a JSON object", badPayload.StandardError, StringComparison.Ordinal);
        Assert.True(signal.ExitCode == 0, signal.ToString());
        Assert.Contains("signal 'approval' completed approve", signal.StandardOutput, StringComparison.Ordinal);
        Assert.True(watched.ExitCode == 0, watched.ToString());
        Assert.Contains("approve: waits for signal 'approval'", watched.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("STEP_STATE_SUCCEEDED", await StepStateAsync(id, "ship"));
        Assert.Equal("STEP_STATE_SKIPPED", await StepStateAsync(id, "escalate"));
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains("FAILED_PRECONDITION", again.StandardError, StringComparison.Ordinal);
    }

    private async Task<string?> StepStateAsync(string id, string stepId)
    {
        var status = await cluster.RunAsync("status", id, "-o", "json");
        return JsonDocument.Parse(status.StandardOutput).RootElement.GetProperty("steps").EnumerateArray()
            .Where(s => s.GetProperty("stepId").GetString() == stepId)
            .Select(s => s.GetProperty("state").GetString())
            .FirstOrDefault();
    }
}
