using System.Text.Json;
using GrpcWorkflows.Cli.Tests.Infrastructure;

namespace GrpcWorkflows.Cli.Tests.Offline;

public sealed class ValidateOfflineTests
{
    [Fact]
    public async Task Validate_CyclicFile_NamesTheCycleAndEveryProblemWithItsLineAndExits2()
    {
        var result = await Gwf.RunAsync(["validate", Gwf.WorkflowPath("cyclic.json"), "--offline"]);

        Assert.Equal(2, result.ExitCode);
        var cycle = Assert.Single(result.OutputLines, l => l.Contains("cycle", StringComparison.Ordinal));
        Assert.Contains("extract -> transform -> load -> extract", cycle, StringComparison.Ordinal);
        Assert.Contains("cyclic.json:4:", cycle, StringComparison.Ordinal);
        var unknown = Assert.Single(result.OutputLines, l => l.Contains("archive", StringComparison.Ordinal));
        Assert.Contains("cyclic.json:6:60: steps.load.depends_on[1]", unknown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_ValidFile_PrintsLevelsWidthAndCriticalPath()
    {
        var result = await Gwf.RunAsync(["validate", Gwf.ExamplePath("parallel_workflow.json"), "--offline"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("level 0: input_a, input_b", result.OutputLines);
        Assert.Contains("level 3: output", result.OutputLines);
        Assert.Contains("6 steps, 5 dependencies, 4 levels, width 2", result.OutputLines);
        Assert.Contains("critical path: input_a -> process_a -> ai_analysis -> output", result.OutputLines);
    }

    [Fact]
    public async Task Validate_JsonOutput_IsOneParsableDocument()
    {
        var valid = await Gwf.RunAsync(["validate", Gwf.ExamplePath("parallel_workflow.json"), "--offline", "--output", "json"]);
        var invalid = await Gwf.RunAsync(["validate", Gwf.WorkflowPath("cyclic.json"), "--offline", "-o", "json"]);
        var malformed = await Gwf.RunAsync(["validate", Gwf.WorkflowPath("malformed.json"), "-o", "json", "--offline"]);

        using var plan = JsonDocument.Parse(valid.StandardOutput);
        Assert.True(plan.RootElement.GetProperty("valid").GetBoolean());
        Assert.Equal(2, plan.RootElement.GetProperty("plan").GetProperty("maxWidth").GetInt32());
        using var problems = JsonDocument.Parse(invalid.StandardOutput);
        Assert.False(problems.RootElement.GetProperty("valid").GetBoolean());
        Assert.Equal(2, problems.RootElement.GetProperty("problems").GetArrayLength());
        using var unreadable = JsonDocument.Parse(malformed.StandardOutput);
        Assert.False(unreadable.RootElement.GetProperty("valid").GetBoolean());
        Assert.Equal((0, 2, 2), (valid.ExitCode, invalid.ExitCode, malformed.ExitCode));
    }
}
