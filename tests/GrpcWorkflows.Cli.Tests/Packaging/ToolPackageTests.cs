using GrpcWorkflows.Cli.Tests.Infrastructure;
using GrpcWorkflows.Testing;

namespace GrpcWorkflows.Cli.Tests.Packaging;

/// <summary>
/// The README's install command, into a throwaway tool path: <c>dotnet pack</c> then
/// <c>dotnet tool install --add-source</c>; the installed <c>gwf</c> then runs a workflow on the
/// orchestrator and executors it carries.
/// </summary>
public sealed class ToolPackageTests
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(8);

    [Fact]
    public async Task PackAndInstall_IntoAToolPath_InstalledGwfRunsAWorkflowEmbedded()
    {
        var work = Directory.CreateTempSubdirectory("gwf-tool-").FullName;
        var packages = Path.Combine(work, "packages");
        var tools = Path.Combine(work, "tools");
        try
        {
            var pack = await RunAsync("dotnet", ["pack", Path.Combine(Gwf.RepositoryRoot, "src", "GrpcWorkflows.Cli"), "-c", "Release", "--no-build", "-o", packages], Gwf.RepositoryRoot);
            Assert.True(pack.ExitCode == 0, pack.ToString());

            var install = await RunAsync("dotnet", ["tool", "install", "--tool-path", tools, "--add-source", packages, "GrpcWorkflows.Cli"], work);
            Assert.True(install.ExitCode == 0, install.ToString());

            var run = await RunAsync(Path.Combine(tools, "gwf"), ["run", Path.Combine(AppContext.BaseDirectory, "examples", "simple_workflow.json")], work);
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains("\"message\": \"HELLO\"", run.StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static Task<CommandResult> RunAsync(string fileName, string[] arguments, string workingDirectory) =>
        CommandRun.RunAsync(fileName, arguments, workingDirectory, new Dictionary<string, string?> { ["GWF_ADDRESS"] = null }, CommandTimeout);
}
