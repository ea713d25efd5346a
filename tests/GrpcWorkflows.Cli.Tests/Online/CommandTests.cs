using System.Text.Json;
using GrpcWorkflows.Cli.Tests.Infrastructure;

namespace GrpcWorkflows.Cli.Tests.Online;

[Collection(DevClusterGroup.Name)]
public sealed class CommandTests(DevCluster cluster)
{
    [Fact]
    public async Task Watch_FromSequence_ReplaysTheLogFromThatSequenceOnly()
    {
        var run = await cluster.RunAsync("run", Gwf.ExamplePath("simple_workflow.json"), "-o", "json");
        var executionId = JsonDocument.Parse(run.OutputLines[0]).RootElement.GetProperty("executionId").GetString()!;

        var all = await cluster.RunAsync("watch", executionId, "-o", "json");
        var tail = await cluster.RunAsync("watch", executionId, "--from-sequence", "4", "-o", "json");

        Assert.True(all.ExitCode == 0 && tail.ExitCode == 0, $"{all}\n{tail}");
        Assert.Equal(run.OutputLines, all.OutputLines);
        Assert.Equal(all.OutputLines.Skip(3), tail.OutputLines);
        Assert.Equal("4", JsonDocument.Parse(tail.OutputLines[0]).RootElement.GetProperty("sequence").GetString());
    }

    [Fact]
    public async Task SubmitThenStatusListAndCancel_JsonOutputsParseAndAgree()
    {
        var submitted = await cluster.RunAsync("submit", Gwf.ExamplePath("simple_workflow.json"), "-o", "json");
        var executionId = JsonDocument.Parse(submitted.StandardOutput).RootElement.GetProperty("executionId").GetString()!;
        var watched = await cluster.RunAsync("watch", executionId, "-o", "json");

        var status = await cluster.RunAsync("status", executionId, "-o", "json");
        var list = await cluster.RunAsync("list", "--state", "succeeded", "-o", "json");
        var cancel = await cluster.RunAsync("cancel", executionId, "-o", "json");

        Assert.True(watched.ExitCode == 0, watched.ToString());
        var execution = JsonDocument.Parse(status.StandardOutput).RootElement;
        Assert.Equal("EXECUTION_STATE_SUCCEEDED", execution.GetProperty("state").GetString());
        Assert.Equal("HELLO", execution.GetProperty("result").GetProperty("process_data").GetProperty("message").GetString());
        var listed = JsonDocument.Parse(list.StandardOutput).RootElement.GetProperty("executions").EnumerateArray().Select(e => e.GetProperty("executionId").GetString());
        Assert.Contains(executionId, listed);
        Assert.Equal("EXECUTION_STATE_SUCCEEDED", JsonDocument.Parse(cancel.StandardOutput).RootElement.GetProperty("state").GetString());
        Assert.Equal((0, 0, 0, 0), (submitted.ExitCode, status.ExitCode, list.ExitCode, cancel.ExitCode));
    }

    [Fact]
    public async Task SubmitAndList_NamespaceFlagOrVariable_ListedInItsNamespaceOnly()
    {
        var team = "team-" + Guid.NewGuid().ToString("N")[..8];

        var submitted = await cluster.RunAsync("submit", Gwf.ExamplePath("simple_workflow.json"), "--namespace", team, "-o", "json");
        var executionId = JsonDocument.Parse(submitted.StandardOutput).RootElement.GetProperty("executionId").GetString()!;
        var inTeam = await cluster.RunWithAsync(new Dictionary<string, string?> { ["GWF_NAMESPACE"] = team }, "list", "-o", "json");
        var inDefault = await cluster.RunAsync("list", "-o", "json");
        var status = await cluster.RunAsync("status", executionId, "-o", "json");

        Assert.True(submitted.ExitCode == 0, submitted.ToString());
        Assert.Equal([executionId], Ids(inTeam));
        Assert.DoesNotContain(executionId, Ids(inDefault));
        Assert.Equal(team, JsonDocument.Parse(status.StandardOutput).RootElement.GetProperty("namespace").GetString());

        static IEnumerable<string?> Ids(GwfResult result)
            => JsonDocument.Parse(result.StandardOutput).RootElement.TryGetProperty("executions", out var executions)
                ? [.. executions.EnumerateArray().Select(e => e.GetProperty("executionId").GetString())]
                : [];
    }

    [Fact]
    public async Task Executors_Json_ListsEveryBuiltInStepTypeAndTheNodeExecutorOfGwfExecutorsJson()
    {
        var result = await cluster.RunAsync("executors", "--output", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var types = JsonDocument.Parse(result.StandardOutput).RootElement.GetProperty("executors").EnumerateArray()
            .SelectMany(e => e.GetProperty("stepTypes").EnumerateArray().Select(t => t.GetString()!)).Order().ToArray();
        // gwf dev runs in the test's output folder, inside the clone: the repository's gwf.executors.json starts the Node executor.
        Assert.Equal(["ai", "input", "output", "process", "text_stats"], types);
    }

    [Fact]
    public async Task Validate_CyclicFileAgainstTheOrchestrator_NamesTheCycleWithItsLine()
    {
        var result = await cluster.RunAsync("validate", Gwf.WorkflowPath("cyclic.json"));

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("checked by the orchestrator", result.OutputLines[0], StringComparison.Ordinal);
        Assert.Contains(result.OutputLines, l => l.Contains("cyclic.json:4:", StringComparison.Ordinal) && l.Contains("extract -> transform -> load -> extract", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Status_UnknownExecution_SaysNoIdStartsSoAndExits2()
    {
        var result = await cluster.RunAsync("status", "no-such-execution");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no execution id is or starts with 'no-such-execution'", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retry_FailedExecution_RunsTheFailedStepsAgainAndExits1WhenTheyFailAgain()
    {
        var run = await cluster.RunAsync("run", Gwf.WorkflowPath("failing.json"), "-o", "json");
        var executionId = JsonDocument.Parse(run.OutputLines[0]).RootElement.GetProperty("executionId").GetString()!;

        var retry = await cluster.RunAsync("retry", executionId, "--watch", "-o", "json");

        Assert.True(run.ExitCode == 1 && retry.ExitCode == 1, $"{run}\n{retry}");
        var events = retry.OutputLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var retried = events[0].GetProperty("retried").GetProperty("stepIds").EnumerateArray().Select(s => s.GetString()!).Order();
        Assert.Equal(["deliver", "transform"], retried);
        Assert.True(events[^1].TryGetProperty("finished", out _));
    }
}
