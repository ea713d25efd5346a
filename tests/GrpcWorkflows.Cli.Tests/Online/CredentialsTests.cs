using System.Text.Json;
using GrpcWorkflows.Cli.Tests.Infrastructure;

namespace GrpcWorkflows.Cli.Tests.Online;

/// <summary><c>gwf dev</c> requires an API key and saves one; <c>gwf</c> finds it, or takes <c>--api-key</c> / <c>GWF_API_KEY</c>.</summary>
[Collection(DevClusterGroup.Name)]
public sealed class CredentialsTests(DevCluster cluster)
{
    [Fact]
    public async Task Run_DevSavedCredentials_SucceedsWithoutFlags()
    {
        var run = await cluster.RunAsync("run", Gwf.ExamplePath("simple_workflow.json"), "-o", "json");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(IsolatedCredentials.FilePath, cluster.CredentialsPath);
        Assert.StartsWith("gwf_", AdminKey(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_NoCredential_RefusedAsUnauthenticatedWithTheWayOut()
    {
        var empty = Path.Combine(Path.GetTempPath(), $"gwf-no-credentials-{Guid.NewGuid():N}");

        var list = await cluster.RunWithAsync(new Dictionary<string, string?> { ["GWF_CREDENTIALS_FILE"] = empty }, "list");

        Assert.Equal(4, list.ExitCode);
        Assert.Contains("UNAUTHENTICATED", list.StandardError, StringComparison.Ordinal);
        Assert.Contains("--api-key or GWF_API_KEY", list.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", list.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_WrongApiKeyFlag_OverridesTheFileAndIsRefused()
    {
        var list = await cluster.RunAsync("list", "--api-key", "gwf_not-the-dev-key");

        Assert.Equal(4, list.ExitCode);
        Assert.Contains("The credential was refused", list.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Executors_KeyFromEnvironment_Accepted()
    {
        var empty = Path.Combine(Path.GetTempPath(), $"gwf-no-credentials-{Guid.NewGuid():N}");

        var executors = await cluster.RunWithAsync(new Dictionary<string, string?> { ["GWF_CREDENTIALS_FILE"] = empty, ["GWF_API_KEY"] = AdminKey() }, "executors", "-o", "json");

        Assert.True(executors.ExitCode == 0, executors.ToString());
    }

    private string AdminKey()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(cluster.CredentialsPath));
        return document.RootElement.GetProperty("orchestrators").GetProperty(cluster.Address.ToLowerInvariant()).GetProperty("api_key").GetString()!;
    }
}
