using Xunit.Abstractions;

namespace GrpcWorkflows.Dashboard.Tests;

[CollectionDefinition(Name)]
public sealed class DashboardTestGroup : ICollectionFixture<DashboardCluster>
{
    public const string Name = "dashboard";
}

/// <summary>
/// The dashboard in a real headless Chromium against the real orchestrator and executors; each test one
/// scenario of ui/tests/browser.mjs, which also takes the screenshots in docs/screenshots/.
/// </summary>
[Collection(DashboardTestGroup.Name)]
public sealed class DashboardTests(DashboardCluster stack, ITestOutputHelper output)
{
    [Fact]
    public Task ExecutionsList_ShowsSubmittedExecutionsWithLabels_AndFindsOneByIdPrefix() => RunAsync("list");

    [Fact]
    public Task ParallelWorkflow_ShowsSixNodes_ThatTurnGreenLive() => RunAsync("parallel");

    [Fact]
    public Task FailingStep_ShowsItsErrorAndEveryAttemptWithItsEndpoint() => RunAsync("failing");

    [Fact]
    public Task CancelButton_CancelsTheRunningExecution() => RunAsync("cancel");

    [Fact]
    public async Task UnreachableExecutor_TheStepShowsItsWaitForAnExecutorInTheTimelineAndPanel()
    {
        await stack.RegisterUnreachableExecutorAsync("unreachable");
        await RunAsync("awaiting");
    }

    [Fact]
    public Task TenThousandSteps_OpenCollapsedByLevel_AndAnswerClicks() => RunAsync("large");

    [Fact]
    public Task ExecutorsPage_ListsEveryRegisteredExecutor() => RunAsync("executors");

    [Fact]
    public Task ViewerKey_SeesExecutionsWithoutCancelOrRetry_AndNoKeyIsAskedForOne() => RunAsync("viewer");

    [Fact]
    public Task ValidatePage_ShowsProblemsByPath_OrThePlanWithItsCriticalPath() => RunAsync("validate");

    private async Task RunAsync(string scenario)
    {
        var result = await stack.RunScenarioAsync(scenario);
        output.WriteLine(result);
    }
}
