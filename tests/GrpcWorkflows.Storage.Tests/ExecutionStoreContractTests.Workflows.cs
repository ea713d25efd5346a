using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.StoredWorkflows;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Storage.Tests.TestEvents;

namespace GrpcWorkflows.Storage.Tests;

/// <summary>The contract of <see cref="IWorkflowStore"/>, which every execution store also implements.</summary>
public abstract partial class ExecutionStoreContractTests
{
    private IWorkflowStore Workflows => Assert.IsAssignableFrom<IWorkflowStore>(Store);

    private static WorkflowDefinition StoredDefinition(string id, string description = "", params string[] steps)
    {
        var definition = new WorkflowDefinition { Id = id, Description = description };
        foreach (var step in steps.DefaultIfEmpty("a"))
        {
            definition.Steps[step] = new StepDefinition { Type = "echo", Input = new Struct { Fields = { ["step"] = Value.ForString(step) } } };
        }

        return definition;
    }

    [SkippableFact]
    public async Task RegisterWorkflowAsync_ChangesMakeVersions_IdenticalReturnsTheLatest()
    {
        var v1 = await Workflows.RegisterWorkflowAsync("default", StoredDefinition("orders", "first"), Epoch).DefaultTimeout();
        var again = await Workflows.RegisterWorkflowAsync("default", StoredDefinition("orders", "first"), Epoch.AddSeconds(1)).DefaultTimeout();
        var v2 = await Workflows.RegisterWorkflowAsync("default", StoredDefinition("orders", "second", "a", "b"), Epoch.AddSeconds(2)).DefaultTimeout();

        Assert.Equal((1, false), (v1.Workflow.Version, v1.Existing));
        Assert.Equal((1, true, Epoch), (again.Workflow.Version, again.Existing, again.Workflow.CreateTime));
        Assert.Equal((2, false), (v2.Workflow.Version, v2.Existing));
        var latest = await Workflows.GetWorkflowAsync("default", "orders", 0).DefaultTimeout();
        var first = await Workflows.GetWorkflowAsync("default", "orders", 1).DefaultTimeout();
        Assert.Equal((2, 2, "second", 2), (latest!.Version, latest.LatestVersion, latest.Definition.Description, latest.Definition.Steps.Count));
        Assert.Equal((1, 2, "first", Epoch), (first!.Version, first.LatestVersion, first.Definition.Description, first.CreateTime));
        Assert.Equal(StoredDefinition("orders", "first"), first.Definition);
        Assert.Null(await Workflows.GetWorkflowAsync("default", "orders", 3).DefaultTimeout());
        Assert.Null(await Workflows.GetWorkflowAsync("default", "unknown", 0).DefaultTimeout());
    }

    [SkippableFact]
    public async Task RegisterWorkflowAsync_SameIdInTwoNamespaces_AreSeparateWorkflows()
    {
        await Workflows.RegisterWorkflowAsync("default", StoredDefinition("orders", "d1"), Epoch).DefaultTimeout();
        await Workflows.RegisterWorkflowAsync("default", StoredDefinition("orders", "d2"), Epoch).DefaultTimeout();
        var other = await Workflows.RegisterWorkflowAsync("team-a", StoredDefinition("orders", "a1"), Epoch).DefaultTimeout();

        Assert.Equal(1, other.Workflow.Version);
        Assert.Equal("a1", (await Workflows.GetWorkflowAsync("team-a", "orders", 0).DefaultTimeout())!.Definition.Description);
        Assert.Equal("d2", (await Workflows.GetWorkflowAsync("default", "orders", 0).DefaultTimeout())!.Definition.Description);
        Assert.Empty((await Workflows.ListWorkflowsAsync("team-b", 10, null).DefaultTimeout()).Items);
    }

    [SkippableFact]
    public async Task DeleteWorkflowAsync_HidesTheWorkflow_RegisteringAgainContinuesTheVersions()
    {
        await Workflows.RegisterWorkflowAsync("default", StoredDefinition("orders", "v1"), Epoch).DefaultTimeout();
        await Workflows.RegisterWorkflowAsync("default", StoredDefinition("orders", "v2"), Epoch).DefaultTimeout();
        await Workflows.RegisterWorkflowAsync("default", StoredDefinition("kept"), Epoch).DefaultTimeout();

        Assert.Equal(2, await Workflows.DeleteWorkflowAsync("default", "orders").DefaultTimeout());
        Assert.Equal(0, await Workflows.DeleteWorkflowAsync("default", "orders").DefaultTimeout());
        Assert.Equal(0, await Workflows.DeleteWorkflowAsync("default", "unknown").DefaultTimeout());
        Assert.Null(await Workflows.GetWorkflowAsync("default", "orders", 0).DefaultTimeout());
        Assert.Null(await Workflows.GetWorkflowAsync("default", "orders", 1).DefaultTimeout());
        Assert.Equal(["kept"], (await Workflows.ListWorkflowsAsync("default", 10, null).DefaultTimeout()).Items.Select(w => w.WorkflowId));

        var again = await Workflows.RegisterWorkflowAsync("default", StoredDefinition("orders", "v2"), Epoch).DefaultTimeout();

        Assert.Equal((3, false), (again.Workflow.Version, again.Existing));
        Assert.Equal("v1", (await Workflows.GetWorkflowAsync("default", "orders", 1).DefaultTimeout())!.Definition.Description);
    }

    [SkippableFact]
    public async Task ListWorkflowsAsync_Pages_LatestVersionsById()
    {
        foreach (var id in new[] { "e", "b", "d", "a", "c" })
        {
            await Workflows.RegisterWorkflowAsync("default", StoredDefinition(id, "one"), Epoch).DefaultTimeout();
        }

        await Workflows.RegisterWorkflowAsync("default", StoredDefinition("c", "two"), Epoch).DefaultTimeout();

        var seen = new List<(string, int, string)>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await Workflows.ListWorkflowsAsync("default", 2, token).DefaultTimeout();
            seen.AddRange(page.Items.Select(w => (w.WorkflowId, w.Version, w.Definition.Description)));
            token = page.NextPageToken;
            pages++;
        }
        while (token is not null);

        Assert.Equal(3, pages);
        Assert.Equal([("a", 1, "one"), ("b", 1, "one"), ("c", 2, "two"), ("d", 1, "one"), ("e", 1, "one")], seen);
        var firstPage = await Workflows.ListWorkflowsAsync("default", 2, null).DefaultTimeout();
        await Assert.ThrowsAsync<ArgumentException>(async () => await Workflows.ListWorkflowsAsync("team-a", 2, firstPage.NextPageToken));
        await Assert.ThrowsAsync<ArgumentException>(async () => await Workflows.ListWorkflowsAsync("default", 2, "not-a-token"));
    }

    [SkippableFact]
    public async Task RegisterWorkflowAsync_Concurrently_EveryChangeGetsItsOwnVersion()
    {
        var registrations = await Task.WhenAll(Enumerable.Range(0, 8)
            .Select(i => Task.Run(async () => await Workflows.RegisterWorkflowAsync("default", StoredDefinition("busy", $"change {i}"), Epoch)))).DefaultTimeout();

        Assert.Equal(Enumerable.Range(1, 8), registrations.Select(r => r.Workflow.Version).Order());
        Assert.Equal(8, (await Workflows.GetWorkflowAsync("default", "busy", 0).DefaultTimeout())!.LatestVersion);
    }
}
