using Google.Protobuf.Reflection;
using GrpcWorkflows.Orchestrator.Security;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Orchestrator.Tests.Security;

public sealed class RpcPoliciesTests
{
    /// <summary>Every service the orchestrator serves from the contract (StepExecutorService is served by executors).</summary>
    private static readonly ServiceDescriptor[] OrchestratorServices = [WorkflowService.Descriptor, ExecutorRegistryService.Descriptor];

    [Fact]
    public void RequiredRole_EveryMethodOfEveryOrchestratorService_IsInTheTable()
    {
        var methods = OrchestratorServices.SelectMany(s => s.Methods).Select(m => $"/{m.Service.FullName}/{m.Name}").ToList();

        Assert.DoesNotContain(methods, m => RpcPolicies.For(m) is null);
        Assert.Empty(RpcPolicies.RequiredRole.Keys.Except(methods));
    }

    [Fact]
    public void RequiredRole_ContractFiles_EveryOrchestratorServiceIsCovered()
    {
        // A new service added to the contract must be placed: served here (then in the table) or by executors.
        var services = typeof(WorkflowService).Assembly.GetTypes()
            .Select(t => t.GetProperty("Descriptor", typeof(FileDescriptor))?.GetValue(null))
            .OfType<FileDescriptor>()
            .Where(file => file.Package == "grpcworkflows.v1")
            .SelectMany(file => file.Services)
            .Select(s => s.FullName).Order().ToList();

        Assert.Equal(["grpcworkflows.v1.ExecutorRegistryService", "grpcworkflows.v1.StepExecutorService", "grpcworkflows.v1.WorkflowService"], services);
    }

    [Theory]
    [InlineData(Roles.Viewer, Roles.Viewer, true)]
    [InlineData(Roles.Viewer, Roles.Operator, false)]
    [InlineData(Roles.Operator, Roles.Viewer, true)]
    [InlineData(Roles.Operator, Roles.Admin, false)]
    [InlineData(Roles.Admin, Roles.Operator, true)]
    [InlineData(Roles.Admin, Roles.Executor, true)]
    [InlineData(Roles.Executor, Roles.Executor, true)]
    [InlineData(Roles.Executor, Roles.Viewer, false)]
    [InlineData(Roles.Operator, Roles.Executor, false)]
    [InlineData("superuser", Roles.Viewer, false)]
    public void Grants_RoleAgainstRequirement_FollowsTheHierarchy(string held, string required, bool expected)
        => Assert.Equal(expected, Roles.Grants(held, required));

    [Fact]
    public void ToMarkdown_SecurityDoc_ShowsTheCodeTable()
    {
        var doc = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "security.md")).ReplaceLineEndings("\n");

        Assert.Contains(RpcPolicies.ToMarkdown(), doc, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "GrpcWorkflows.sln")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? throw new InvalidOperationException("The repository root (GrpcWorkflows.sln) was not found above " + AppContext.BaseDirectory);
    }
}
