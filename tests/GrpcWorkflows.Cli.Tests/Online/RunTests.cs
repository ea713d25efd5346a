using System.Text.Json;
using GrpcWorkflows.Cli.Tests.Infrastructure;

namespace GrpcWorkflows.Cli.Tests.Online;

[Collection(DevClusterGroup.Name)]
public sealed class RunTests(DevCluster cluster)
{
    [Fact]
    public async Task Run_SimpleWorkflow_PrintsEveryStepAndTheResultAndExits0()
    {
        var result = await cluster.RunAsync("run", Gwf.ExamplePath("simple_workflow.json"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(result.OutputLines, l => l.EndsWith("collect_data: running (attempt 1)", StringComparison.Ordinal));
        Assert.Contains(result.OutputLines, l => l.Contains("process_data: succeeded", StringComparison.Ordinal));
        Assert.Contains(result.OutputLines, l => l.StartsWith("Execution ", StringComparison.Ordinal) && l.EndsWith(" SUCCEEDED", StringComparison.Ordinal));
        Assert.Contains("\"message\": \"HELLO\"", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_JsonOutput_EveryLineIsAnEventInSequenceEndingWithFinished()
    {
        var result = await cluster.RunAsync("run", Gwf.ExamplePath("parallel_workflow.json"), "--output", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var events = result.OutputLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), events.Select(e => e.GetProperty("sequence").GetString()));
        var finished = events[^1].GetProperty("finished");
        Assert.Equal("EXECUTION_STATE_SUCCEEDED", finished.GetProperty("state").GetString());
        Assert.Equal(6, events.Count(e => e.TryGetProperty("stepSucceeded", out _)));
        Assert.Equal("local", finished.GetProperty("result").GetProperty("provider").GetString());
    }

    [Fact]
    public async Task Run_WorkflowInputFromOption_ReachesTheSteps()
    {
        var result = await cluster.RunAsync("run", Gwf.WorkflowPath("greeting.yaml"), "--input", "greeting=good morning", "-o", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var finished = JsonDocument.Parse(result.OutputLines[^1]).RootElement.GetProperty("finished");
        Assert.Equal("GOOD MORNING", finished.GetProperty("result").GetProperty("shout").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Run_StepFailsWithNonRetryableError_NamesStepAndErrorAndExits1()
    {
        var result = await cluster.RunAsync("run", Gwf.WorkflowPath("failing.json"));

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains(result.OutputLines, l => l.Contains("transform: failed after 1 attempt(s): INVALID_ARGUMENT", StringComparison.Ordinal) && l.Contains("explode", StringComparison.Ordinal));
        Assert.Contains(result.OutputLines, l => l.Contains("deliver: skipped", StringComparison.Ordinal));
        Assert.Contains(result.OutputLines, l => l.Contains(" FAILED", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_StepTypeNoExecutorServes_PrintsTheServersFieldViolationAndExits2()
    {
        var result = await cluster.RunAsync("run", Gwf.WorkflowPath("unknown_type.json"));

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(result.ErrorLines, l => l.Contains("unknown_type.json: steps.b.type", StringComparison.Ordinal) && l.Contains("teleport", StringComparison.Ordinal));
        Assert.DoesNotContain(result.OutputLines, l => l.Contains("running", StringComparison.Ordinal));
    }
}
