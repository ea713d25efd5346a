using System.Text.Json;
using GrpcWorkflows.Cli.Tests.Infrastructure;

namespace GrpcWorkflows.Cli.Tests.Online;

/// <summary><c>gwf workflow register|list|get|delete</c> and <c>gwf run --ref</c> against <c>gwf dev</c>, as real processes.</summary>
[Collection(DevClusterGroup.Name)]
public sealed class WorkflowCommandTests(DevCluster cluster) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("gwf-stored-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task RegisterTwice_RunByReference_PinsTheVersion_DeleteStopsRuns()
    {
        var id = $"cli-stored-{Guid.NewGuid():N}"[..24];
        var v1 = Write("v1.json", """{"id": "ID", "description": "first", "steps": {"one": {"type": "input", "input": {"data": {"v": 1}}}}}""".Replace("ID", id, StringComparison.Ordinal));
        var v2 = Write("v2.json", """{"id": "ID", "description": "second", "steps": {"two": {"type": "input", "input": {"data": {"v": 2}}}}}""".Replace("ID", id, StringComparison.Ordinal));

        var first = await cluster.RunAsync("workflow", "register", v1);
        var unchanged = await cluster.RunAsync("workflow", "register", v1);
        var second = await cluster.RunAsync("workflow", "register", v2);
        var list = await cluster.RunAsync("workflow", "list");
        var get = await cluster.RunAsync("workflow", "get", $"{id}@1", "-o", "json");
        var runLatest = await cluster.RunAsync("run", "--ref", id);
        var submitPinned = await cluster.RunAsync("submit", "--ref", $"{id}@1", "-o", "json");
        var delete = await cluster.RunAsync("workflow", "delete", id);
        var afterDelete = await cluster.RunAsync("run", "--ref", id);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains($"{id}@1: registered", first.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"{id}@1: unchanged", unchanged.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"{id}@2: registered", second.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(id, list.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("second", list.StandardOutput, StringComparison.Ordinal);
        var got = JsonDocument.Parse(get.StandardOutput).RootElement;
        Assert.Equal((1, 2), (got.GetProperty("workflow").GetProperty("version").GetInt32(), got.GetProperty("latestVersion").GetInt32()));
        Assert.True(runLatest.ExitCode == 0, runLatest.ToString());
        Assert.Contains("two", runLatest.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("one:", runLatest.StandardOutput, StringComparison.Ordinal);
        Assert.True(submitPinned.ExitCode == 0, submitPinned.ToString());
        var executionId = JsonDocument.Parse(submitPinned.StandardOutput).RootElement.GetProperty("executionId").GetString()!;
        Assert.Equal(0, (await cluster.RunAsync("watch", executionId)).ExitCode);
        var status = await cluster.RunAsync("status", executionId);
        Assert.Contains($"of {id}@1: SUCCEEDED", status.StandardOutput, StringComparison.Ordinal);
        Assert.True(delete.ExitCode == 0, delete.ToString());
        Assert.Contains("2 version(s) stay stored", delete.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(2, afterDelete.ExitCode);
        Assert.Contains("NOT_FOUND", afterDelete.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_InvalidDefinition_EveryProblemAndExitCode2()
    {
        var bad = Write("bad.json", """{"id": "cli-bad", "steps": {"a": {"type": "process", "depends_on": ["missing"]}}}""");

        var result = await cluster.RunAsync("workflow", "register", bad);
        var both = await cluster.RunAsync("run", bad, "--ref", "cli-bad");
        var badVersion = await cluster.RunAsync("workflow", "get", "cli-bad@x");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("steps.a.depends_on[0]", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("not both", both.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, badVersion.ExitCode);
        Assert.Contains("not a version number", badVersion.StandardError, StringComparison.Ordinal);
    }

    private string Write(string name, string json)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, json);
        return path;
    }
}
