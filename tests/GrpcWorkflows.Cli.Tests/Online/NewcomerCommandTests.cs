using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using GrpcWorkflows.Cli.Tests.Infrastructure;

namespace GrpcWorkflows.Cli.Tests.Online;

/// <summary>What a newcomer asked of gwf: the id first, event times and sequences, id prefixes, outputs, label filters, schemas.</summary>
[Collection(DevClusterGroup.Name)]
public sealed partial class NewcomerCommandTests(DevCluster cluster)
{
    [Fact]
    public async Task Run_Text_PrintsTheExecutionIdFirstAndNumbersEveryEventLine()
    {
        var result = await cluster.RunAsync("run", Gwf.ExamplePath("simple_workflow.json"));

        Assert.True(result.ExitCode == 0, result.ToString());
        var id = FirstLineId().Match(result.OutputLines[0]);
        Assert.True(id.Success, result.ToString());
        var sequences = result.OutputLines.Select(l => EventLine().Match(l)).Where(m => m.Success).Select(m => long.Parse(m.Groups["seq"].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (long)i), sequences);
        Assert.Contains(result.OutputLines, l => l == $"Execution {id.Groups["id"].Value} SUCCEEDED");
    }

    [Fact]
    public async Task Watch_FinishedExecution_StampsAreEventTimesSinceCreation()
    {
        var id = await RunToEndAsync("simple_workflow.json");

        var watch = await cluster.RunAsync("watch", id);
        var status = JsonDocument.Parse((await cluster.RunAsync("status", id, "-o", "json")).StandardOutput).RootElement;

        Assert.True(watch.ExitCode == 0, watch.ToString());
        var created = DateTimeOffset.Parse(status.GetProperty("createTime").GetString()!, CultureInfo.InvariantCulture);
        var ended = DateTimeOffset.Parse(status.GetProperty("endTime").GetString()!, CultureInfo.InvariantCulture);
        var last = watch.OutputLines.Last(l => l.Contains("finished: SUCCEEDED", StringComparison.Ordinal));
        var stamp = EventLine().Match(last).Groups["t"].Value;
        Assert.Equal((ended - created).TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture), stamp);
    }

    [Fact]
    public async Task Watch_FromSequence_FirstLineShowsThatSequence()
    {
        var id = await RunToEndAsync("simple_workflow.json");

        var watch = await cluster.RunAsync("watch", id, "--from-sequence", "3");

        Assert.True(watch.ExitCode == 0, watch.ToString());
        var first = watch.OutputLines.Select(l => EventLine().Match(l)).First(m => m.Success);
        Assert.Equal("3", first.Groups["seq"].Value);
    }

    [Fact]
    public async Task StatusAndCancel_UniqueIdPrefix_NameTheExecution()
    {
        var id = await RunToEndAsync("simple_workflow.json");
        var prefix = id[..^2];

        var status = await cluster.RunAsync("status", prefix);
        var cancel = await cluster.RunAsync("cancel", prefix);
        var otherCase = await cluster.RunAsync("status", prefix.ToUpperInvariant());
        var notAnId = await cluster.RunAsync("status", prefix + "%");

        Assert.True(status.ExitCode == 0 && cancel.ExitCode == 0 && otherCase.ExitCode == 0, $"{status}\n{cancel}\n{otherCase}");
        Assert.StartsWith($"Execution {id} of simple_workflow: SUCCEEDED", status.OutputLines[0], StringComparison.Ordinal);
        Assert.StartsWith($"Execution {id} of simple_workflow: SUCCEEDED", otherCase.OutputLines[0], StringComparison.Ordinal);
        Assert.NotEqual(0, notAnId.ExitCode);
        Assert.Contains(cancel.OutputLines, l => l.Contains(id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Status_Text_ShowsStepOutputsCutShortUnlessFull()
    {
        var id = await RunToEndAsync("parallel_workflow.json");

        var brief = await cluster.RunAsync("status", id);
        var full = await cluster.RunAsync("status", id, "--full");

        Assert.True(brief.ExitCode == 0 && full.ExitCode == 0, $"{brief}\n{full}");
        Assert.Contains(brief.OutputLines, l => l == "process_a: {\"value\":1}");
        var analysis = Assert.Single(brief.OutputLines, l => l.StartsWith("ai_analysis: ", StringComparison.Ordinal));
        Assert.EndsWith("…", analysis, StringComparison.Ordinal);
        Assert.True(analysis.Length <= "ai_analysis: ".Length + 161, analysis);
        Assert.Contains(full.OutputLines, l => l == "ai_analysis:");
        Assert.True(full.OutputLines.Length > brief.OutputLines.Length + 5, full.ToString());
    }

    [Fact]
    public async Task List_LabelAndSince_OnlyTheLabelledRecentExecutions()
    {
        var label = $"newcomer={Guid.NewGuid():N}";
        var labelled = await cluster.RunAsync("run", Gwf.ExamplePath("simple_workflow.json"), "--label", label, "-o", "json");
        var other = await RunToEndAsync("simple_workflow.json");
        var labelledId = JsonDocument.Parse(labelled.OutputLines[0]).RootElement.GetProperty("executionId").GetString()!;

        var list = await cluster.RunAsync("list", "--label", label, "--since", "1h", "-o", "json");
        var future = await cluster.RunAsync("list", "--label", label, "--since", DateTimeOffset.UtcNow.AddHours(1).ToString("O", CultureInfo.InvariantCulture), "-o", "json");

        Assert.True(list.ExitCode == 0 && future.ExitCode == 0, $"{list}\n{future}");
        var ids = JsonDocument.Parse(list.StandardOutput).RootElement.GetProperty("executions").EnumerateArray().Select(e => e.GetProperty("executionId").GetString()).ToList();
        Assert.Equal([labelledId], ids);
        Assert.DoesNotContain(other, ids);
        Assert.Empty(JsonDocument.Parse(future.StandardOutput).RootElement.GetProperty("executions").EnumerateArray());
    }

    [Fact]
    public async Task Executors_Schemas_PrintsEachStepTypesDeclaredInputSchema()
    {
        var result = await cluster.RunAsync("executors", "--schemas", "--type", "input");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(result.OutputLines, l => l.StartsWith("input: ", StringComparison.Ordinal));
        Assert.Contains("\"A file under Input:DataRoot.\"", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(result.OutputLines, l => l.StartsWith("process: ", StringComparison.Ordinal));
    }

    private async Task<string> RunToEndAsync(string example)
    {
        var run = await cluster.RunAsync("run", Gwf.ExamplePath(example), "-o", "json");
        Assert.True(run.ExitCode == 0, run.ToString());
        return JsonDocument.Parse(run.OutputLines[0]).RootElement.GetProperty("executionId").GetString()!;
    }

    [GeneratedRegex(@"^Execution (?<id>\S+)$")]
    private static partial Regex FirstLineId();

    [GeneratedRegex(@"^#(?<seq>\d+)\s+\[\s*(?<t>\d+\.\d\d)s\] ")]
    private static partial Regex EventLine();
}
