using GrpcWorkflows.Engine;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Storage.Tests.TestEvents;

namespace GrpcWorkflows.Storage.Tests;

/// <summary>
/// The behaviour every <see cref="IExecutionStore"/> owes its callers, written once and run
/// against every implementation: subclass it and create the store.
/// </summary>
public abstract partial class ExecutionStoreContractTests : IAsyncLifetime
{
    private IExecutionStore? _store;

    /// <summary>The store under test, fresh and empty for each test.</summary>
    protected IExecutionStore Store => _store ?? throw new InvalidOperationException("The store is not created yet.");

    /// <summary>Creates an empty store.</summary>
    protected abstract Task<IExecutionStore> CreateStoreAsync();

    /// <summary>Releases the store.</summary>
    protected virtual async Task DisposeStoreAsync(IExecutionStore store)
    {
        if (store is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }

    public async Task InitializeAsync() => _store = await CreateStoreAsync().DefaultTimeout();

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await DisposeStoreAsync(_store).DefaultTimeout();
        }
    }

    [SkippableFact]
    public async Task CreateAsync_NewExecution_IsPendingWithItsSubmittedEvent()
    {
        var submitted = Submitted("e1", Epoch, workflowId: "orders", steps: 4, labels: new Dictionary<string, string> { ["team"] = "blue" });

        var result = await Store.CreateAsync(submitted).DefaultTimeout();

        Assert.Equal(new CreateExecutionResult("e1", Existing: false), result);
        var record = await Store.GetAsync("e1").DefaultTimeout();
        Assert.NotNull(record);
        Assert.Equal("orders", record.WorkflowId);
        Assert.Equal(ExecutionState.Pending, record.State);
        Assert.Equal(Epoch, record.CreateTime);
        Assert.Null(record.EndTime);
        Assert.Equal(1, record.LastSequence);
        Assert.Null(record.IdempotencyKey);
        Assert.Equal(4, record.StepCount);
        Assert.Equal(0, record.SucceededStepCount);
        Assert.Equal("blue", record.Labels["team"]);
        var events = await ReadAllAsync("e1");
        Assert.Equal([submitted], events);
    }

    [SkippableFact]
    public async Task CreateAsync_Namespaces_RecordCarriesItsNamespaceAndEmptyMeansDefault()
    {
        var inTeam = Submitted("in-team", inNamespace: "team-a");
        await Store.CreateAsync(inTeam).DefaultTimeout();
        await Store.CreateAsync(Submitted("unnamed")).DefaultTimeout();

        Assert.Equal("team-a", (await Store.GetAsync("in-team").DefaultTimeout())!.Namespace);
        Assert.Equal("default", (await Store.GetAsync("unnamed").DefaultTimeout())!.Namespace);
        Assert.Equal([inTeam], await ReadAllAsync("in-team"));
    }

    [SkippableFact]
    public async Task CreateAsync_ChildOfAStoredWorkflow_ReadsBackItsParentDepthAndVersion()
    {
        var child = Submitted("child", inNamespace: "team-a");
        child.Submitted.WorkflowVersion = 3;
        child.Submitted.ParentExecutionId = "parent";
        child.Submitted.ParentStepId = "sub";
        child.Submitted.Depth = 2;

        await Store.CreateAsync(child).DefaultTimeout();

        // Every field of the submitted event comes back: recovery and GetExecution fold the execution from it.
        Assert.Equal([child], await ReadAllAsync("child"));
    }

    [SkippableFact]
    public async Task CreateAsync_SameIdempotencyKeyInAnotherNamespace_CreatesASecondExecution()
    {
        await Store.CreateAsync(Submitted("a", idempotencyKey: "key-1", inNamespace: "team-a")).DefaultTimeout();

        var other = await Store.CreateAsync(Submitted("b", idempotencyKey: "key-1", inNamespace: "team-b")).DefaultTimeout();
        var again = await Store.CreateAsync(Submitted("c", idempotencyKey: "key-1", inNamespace: "team-b")).DefaultTimeout();
        var unnamed = await Store.CreateAsync(Submitted("d", idempotencyKey: "key-1")).DefaultTimeout();

        Assert.Equal(new CreateExecutionResult("b", Existing: false), other);
        Assert.Equal(new CreateExecutionResult("b", Existing: true), again);
        Assert.Equal(new CreateExecutionResult("d", Existing: false), unnamed);
    }

    [SkippableFact]
    public async Task ListAsync_ByNamespace_NeverReturnsAnotherNamespacesExecutions()
    {
        await Store.CreateAsync(Submitted("a1", Epoch, inNamespace: "team-a")).DefaultTimeout();
        await Store.CreateAsync(Submitted("b1", Epoch.AddSeconds(1), inNamespace: "team-b")).DefaultTimeout();
        await Store.CreateAsync(Submitted("a2", Epoch.AddSeconds(2), inNamespace: "team-a")).DefaultTimeout();
        await Store.CreateAsync(Submitted("d1", Epoch.AddSeconds(3))).DefaultTimeout();

        var teamA = await Store.ListAsync(new ExecutionQuery(1, null, [], null) { Namespace = "team-a" }).DefaultTimeout();
        var teamANext = await Store.ListAsync(new ExecutionQuery(1, teamA.NextPageToken, [], null) { Namespace = "team-a" }).DefaultTimeout();
        var byDefault = await Store.ListAsync(new ExecutionQuery(10, null, [ExecutionState.Pending], "wf")).DefaultTimeout();

        Assert.Equal(["a2"], teamA.Items.Select(r => r.ExecutionId));
        Assert.Equal(["a1"], teamANext.Items.Select(r => r.ExecutionId));
        Assert.Null(teamANext.NextPageToken);
        Assert.Equal(["d1"], byDefault.Items.Select(r => r.ExecutionId));
        Assert.All(teamA.Items.Concat(teamANext.Items), r => Assert.Equal("team-a", r.Namespace));
        Assert.Throws<ArgumentException>(() => new ExecutionQuery(1, teamA.NextPageToken, [], null) { Namespace = "team-b" }.ReadPageToken());
    }

    [SkippableFact]
    public async Task CreateAsync_SameIdempotencyKey_ReturnsFirstExecutionAndWritesNothing()
    {
        await Store.CreateAsync(Submitted("first", idempotencyKey: "key-1")).DefaultTimeout();

        var second = await Store.CreateAsync(Submitted("second", idempotencyKey: "key-1")).DefaultTimeout();

        Assert.Equal(new CreateExecutionResult("first", Existing: true), second);
        Assert.Null(await Store.GetAsync("second").DefaultTimeout());
        Assert.Equal("key-1", (await Store.GetAsync("first").DefaultTimeout())!.IdempotencyKey);
        Assert.Single((await Store.ListAsync(new ExecutionQuery(10, null, [], null)).DefaultTimeout()).Items);
    }

    [SkippableFact]
    public async Task CreateAsync_ConcurrentSubmissionsWithOneKey_CreateExactlyOneExecution()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(index =>
            Store.CreateAsync(Submitted($"e{index}", idempotencyKey: "shared")).AsTask())).DefaultTimeout();

        var winner = Assert.Single(results, result => !result.Existing);
        Assert.All(results, result => Assert.Equal(winner.ExecutionId, result.ExecutionId));
        Assert.Single((await Store.ListAsync(new ExecutionQuery(100, null, [], null)).DefaultTimeout()).Items);
    }

    [SkippableFact]
    public async Task CreateAsync_ExistingExecutionId_ThrowsSequenceConflict()
    {
        await Store.CreateAsync(Submitted("e1")).DefaultTimeout();

        await Assert.ThrowsAsync<SequenceConflictException>(() => Store.CreateAsync(Submitted("e1")).AsTask()).DefaultTimeout();
    }

    [SkippableFact]
    public async Task CreateAsync_FirstEventNotSubmittedWithSequenceOne_ThrowsArgumentException()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.CreateAsync(Started("e1", 1)).AsTask()).DefaultTimeout();
        var wrongSequence = Submitted("e2");
        wrongSequence.Sequence = 2;
        await Assert.ThrowsAsync<ArgumentException>(() => Store.CreateAsync(wrongSequence).AsTask()).DefaultTimeout();
    }

    [SkippableFact]
    public async Task AppendAsync_ContinuingSequences_StoresEventsInOrder()
    {
        await Store.CreateAsync(Submitted("e1")).DefaultTimeout();
        var appended = new[] { Started("e1", 2), Ready("e1", 3, "s0"), AttemptStarted("e1", 4, "s0") };

        await Store.AppendAsync("e1", appended[..1]).AsTask().DefaultTimeout();
        await Store.AppendAsync("e1", appended[1..]).AsTask().DefaultTimeout();

        var events = await ReadAllAsync("e1");
        Assert.Equal([1L, 2, 3, 4], events.Select(e => e.Sequence));
        Assert.Equal(appended, events.Skip(1));
        Assert.Equal(4, (await Store.GetAsync("e1").DefaultTimeout())!.LastSequence);
    }

    [SkippableTheory]
    [InlineData(4)]
    [InlineData(2)]
    [InlineData(1)]
    public async Task AppendAsync_SequenceNotNext_ThrowsSequenceConflictAndWritesNothing(long firstSequence)
    {
        await Store.CreateAsync(Submitted("e1")).DefaultTimeout();
        await Store.AppendAsync("e1", [Started("e1", 2)]).AsTask().DefaultTimeout();

        var conflict = await Assert.ThrowsAsync<SequenceConflictException>(() =>
            Store.AppendAsync("e1", [Ready("e1", firstSequence, "s0"), Ready("e1", firstSequence + 1, "s1")]).AsTask()).DefaultTimeout();

        Assert.Equal("e1", conflict.ExecutionId);
        Assert.Equal(3, conflict.ExpectedSequence);
        Assert.Equal(firstSequence, conflict.ActualSequence);
        Assert.Equal([1L, 2], (await ReadAllAsync("e1")).Select(e => e.Sequence));
        Assert.Equal(2, (await Store.GetAsync("e1").DefaultTimeout())!.LastSequence);
    }

    [SkippableFact]
    public async Task AppendAsync_GapInsideTheBatch_ThrowsSequenceConflictAndWritesNothing()
    {
        await Store.CreateAsync(Submitted("e1")).DefaultTimeout();

        await Assert.ThrowsAsync<SequenceConflictException>(() =>
            Store.AppendAsync("e1", [Started("e1", 2), Ready("e1", 4, "s0")]).AsTask()).DefaultTimeout();

        Assert.Equal([1L], (await ReadAllAsync("e1")).Select(e => e.Sequence));
    }

    [SkippableFact]
    public async Task AppendAsync_TwoWritersRaceForOneSequence_ExactlyOneWins()
    {
        await Store.CreateAsync(Submitted("e1")).DefaultTimeout();

        var attempts = Enumerable.Range(0, 10).Select(async index =>
        {
            try
            {
                await Store.AppendAsync("e1", [Ready("e1", 2, $"s{index}")]);
                return true;
            }
            catch (SequenceConflictException)
            {
                return false;
            }
        });
        var outcomes = await Task.WhenAll(attempts).DefaultTimeout();

        Assert.Single(outcomes, won => won);
        Assert.Equal([1L, 2], (await ReadAllAsync("e1")).Select(e => e.Sequence));
    }

    [SkippableFact]
    public async Task AppendAsync_UnknownExecution_ThrowsExecutionNotFound()
    {
        await Assert.ThrowsAsync<ExecutionNotFoundException>(() =>
            Store.AppendAsync("missing", [Started("missing", 2)]).AsTask()).DefaultTimeout();
    }

    [SkippableFact]
    public async Task AppendAsync_EventOfAnotherExecution_ThrowsArgumentException()
    {
        await Store.CreateAsync(Submitted("e1")).DefaultTimeout();

        await Assert.ThrowsAsync<ArgumentException>(() => Store.AppendAsync("e1", [Started("e2", 2)]).AsTask()).DefaultTimeout();
        await Assert.ThrowsAsync<ArgumentException>(() => Store.AppendAsync("e1", []).AsTask()).DefaultTimeout();
    }

    [SkippableFact]
    public async Task ReadEventsAsync_FromSequence_ReturnsThatSequenceOnwards()
    {
        await Store.CreateAsync(Submitted("e1")).DefaultTimeout();
        await Store.AppendAsync("e1", [Started("e1", 2), Ready("e1", 3, "s0"), AttemptStarted("e1", 4, "s0"), Succeeded("e1", 5, "s0")]).AsTask().DefaultTimeout();

        var tail = await ReadAllAsync("e1", fromSequence: 4);
        var beyond = await ReadAllAsync("e1", fromSequence: 6);
        var unknown = await ReadAllAsync("missing");

        Assert.Equal([4L, 5], tail.Select(e => e.Sequence));
        Assert.Equal("s0", tail[1].StepSucceeded.StepId);
        Assert.Equal("s0", tail[1].StepSucceeded.Output.Fields["step"].StringValue);
        Assert.Empty(beyond);
        Assert.Empty(unknown);
    }

    [SkippableFact]
    public async Task ReadEventsAsync_LongLog_ReturnsEveryEventInOrder()
    {
        await Store.CreateAsync(Submitted("long", steps: 1)).DefaultTimeout();
        for (var sequence = 2L; sequence <= 700; sequence += 50)
        {
            var start = sequence;
            await Store.AppendAsync("long", [.. Enumerable.Range(0, 50).Select(i => Ready("long", start + i, $"s{start + i}"))]).AsTask().DefaultTimeout();
        }

        var all = await ReadAllAsync("long");
        var tail = await ReadAllAsync("long", fromSequence: 300);

        Assert.Equal(Enumerable.Range(1, 701).Select(n => (long)n), all.Select(e => e.Sequence));
        Assert.Equal(Definition(steps: 1), all[0].Submitted.Definition);
        Assert.Equal(Enumerable.Range(300, 402).Select(n => (long)n), tail.Select(e => e.Sequence));
    }

    [SkippableFact]
    public async Task GetAsync_ThroughStartedFinishedAndRetried_DerivesStateTimesAndCounts()
    {
        var end = Epoch.AddMinutes(5);
        var retriedEnd = Epoch.AddMinutes(9);
        await Store.CreateAsync(Submitted("e1", Epoch, steps: 2)).DefaultTimeout();

        await Store.AppendAsync("e1", [Started("e1", 2)]).AsTask().DefaultTimeout();
        var running = await Store.GetAsync("e1").DefaultTimeout();
        await Store.AppendAsync("e1", [Succeeded("e1", 3, "s0"), StepFailed("e1", 4, "s1"), Finished("e1", 5, ExecutionState.Failed, end)]).AsTask().DefaultTimeout();
        var failed = await Store.GetAsync("e1").DefaultTimeout();
        await Store.AppendAsync("e1", [Retried("e1", 6, "s1")]).AsTask().DefaultTimeout();
        var retried = await Store.GetAsync("e1").DefaultTimeout();
        await Store.AppendAsync("e1", [Succeeded("e1", 7, "s1"), Finished("e1", 8, ExecutionState.Succeeded, retriedEnd)]).AsTask().DefaultTimeout();
        var succeeded = await Store.GetAsync("e1").DefaultTimeout();

        Assert.Equal((ExecutionState.Running, (DateTimeOffset?)null, 2L, 0), (running!.State, running.EndTime, running.LastSequence, running.SucceededStepCount));
        Assert.Equal((ExecutionState.Failed, (DateTimeOffset?)end, 5L, 1), (failed!.State, failed.EndTime, failed.LastSequence, failed.SucceededStepCount));
        Assert.Equal((ExecutionState.Running, (DateTimeOffset?)null, 6L, 1), (retried!.State, retried.EndTime, retried.LastSequence, retried.SucceededStepCount));
        Assert.Equal((ExecutionState.Succeeded, (DateTimeOffset?)retriedEnd, 8L, 2), (succeeded!.State, succeeded.EndTime, succeeded.LastSequence, succeeded.SucceededStepCount));
        Assert.Equal(Epoch, succeeded.CreateTime);
    }

    [SkippableFact]
    public async Task GetAsync_UnknownExecution_ReturnsNull()
    {
        Assert.Null(await Store.GetAsync("missing").DefaultTimeout());
    }

    [SkippableFact]
    public async Task ListAsync_PagesThroughEveryExecution_NewestFirstWithoutOverlap()
    {
        // Two executions share a create time: the order between them must still be stable.
        for (var index = 0; index < 7; index++)
        {
            await Store.CreateAsync(Submitted($"e{index}", Epoch.AddSeconds(index == 6 ? 5 : index))).DefaultTimeout();
        }

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await Store.ListAsync(new ExecutionQuery(3, token, [], null)).DefaultTimeout();
            Assert.InRange(page.Items.Count, 1, 3);
            seen.AddRange(page.Items.Select(r => r.ExecutionId));
            token = page.NextPageToken;
            pages++;
        }
        while (token is not null && pages < 10);

        Assert.Equal(["e6", "e5", "e4", "e3", "e2", "e1", "e0"], seen);
        Assert.Equal(3, pages);
    }

    [SkippableFact]
    public async Task ListAsync_FilteredByStateAndWorkflow_ReturnsOnlyMatches()
    {
        await Store.CreateAsync(Submitted("pending-a", Epoch, workflowId: "a")).DefaultTimeout();
        await Store.CreateAsync(Submitted("running-a", Epoch.AddSeconds(1), workflowId: "a")).DefaultTimeout();
        await Store.AppendAsync("running-a", [Started("running-a", 2)]).AsTask().DefaultTimeout();
        await Store.CreateAsync(Submitted("done-b", Epoch.AddSeconds(2), workflowId: "b")).DefaultTimeout();
        await Store.AppendAsync("done-b", [Started("done-b", 2), Finished("done-b", 3, ExecutionState.Succeeded)]).AsTask().DefaultTimeout();
        await Store.CreateAsync(Submitted("running-b", Epoch.AddSeconds(3), workflowId: "b")).DefaultTimeout();
        await Store.AppendAsync("running-b", [Started("running-b", 2)]).AsTask().DefaultTimeout();

        var running = await Store.ListAsync(new ExecutionQuery(10, null, [ExecutionState.Running], null)).DefaultTimeout();
        var ofB = await Store.ListAsync(new ExecutionQuery(10, null, [], "b")).DefaultTimeout();
        var runningOrDoneOfB = await Store.ListAsync(new ExecutionQuery(10, null, [ExecutionState.Running, ExecutionState.Succeeded], "b")).DefaultTimeout();
        var runningOfAPaged = await Store.ListAsync(new ExecutionQuery(1, null, [ExecutionState.Pending, ExecutionState.Running], "a")).DefaultTimeout();
        var secondPage = await Store.ListAsync(new ExecutionQuery(1, runningOfAPaged.NextPageToken, [ExecutionState.Pending, ExecutionState.Running], "a")).DefaultTimeout();

        Assert.Equal(["running-b", "running-a"], running.Items.Select(r => r.ExecutionId));
        Assert.All(running.Items, r => Assert.Equal(ExecutionState.Running, r.State));
        Assert.Equal(["running-b", "done-b"], ofB.Items.Select(r => r.ExecutionId));
        Assert.Equal(["running-b", "done-b"], runningOrDoneOfB.Items.Select(r => r.ExecutionId));
        Assert.Equal(["running-a"], runningOfAPaged.Items.Select(r => r.ExecutionId));
        Assert.Equal(["pending-a"], secondPage.Items.Select(r => r.ExecutionId));
        Assert.Null(secondPage.NextPageToken);
    }

    [SkippableFact]
    public async Task ListAsync_FilteredByLabels_ReturnsOnlyExecutionsCarryingEveryLabel()
    {
        var dataGold = new Dictionary<string, string> { ["team"] = "data", ["tier"] = "gold" };
        await Store.CreateAsync(Submitted("data-gold", Epoch, labels: dataGold)).DefaultTimeout();
        await Store.CreateAsync(Submitted("data-only", Epoch.AddSeconds(1), labels: new Dictionary<string, string> { ["team"] = "data" })).DefaultTimeout();
        await Store.CreateAsync(Submitted("web-gold", Epoch.AddSeconds(2), labels: new Dictionary<string, string> { ["team"] = "web", ["tier"] = "gold" })).DefaultTimeout();
        await Store.CreateAsync(Submitted("none", Epoch.AddSeconds(3))).DefaultTimeout();
        await Store.CreateAsync(Submitted("data-prefix", Epoch.AddSeconds(4), labels: new Dictionary<string, string> { ["team"] = "data2" })).DefaultTimeout();

        var ofData = await Store.ListAsync(Labelled(10, null, ("team", "data"))).DefaultTimeout();
        var dataAndGold = await Store.ListAsync(Labelled(10, null, ("team", "data"), ("tier", "gold"))).DefaultTimeout();
        var unknown = await Store.ListAsync(Labelled(10, null, ("team", "ops"))).DefaultTimeout();

        Assert.Equal(["data-only", "data-gold"], ofData.Items.Select(r => r.ExecutionId));
        Assert.Equal(["data-gold"], dataAndGold.Items.Select(r => r.ExecutionId));
        Assert.Equal(dataGold, dataAndGold.Items[0].Labels);
        Assert.Empty(unknown.Items);
        Assert.Null(unknown.NextPageToken);
    }

    [SkippableFact]
    public async Task ListAsync_LabelMatchesOnlyThroughTheDefinition_IsFoundWithTheMergedLabels()
    {
        var viaDefinition = Submitted("via-definition", Epoch);
        viaDefinition.Submitted.Definition.Labels["team"] = "data";
        var overridden = Submitted("overridden", Epoch.AddSeconds(1), labels: new Dictionary<string, string> { ["team"] = "web" });
        overridden.Submitted.Definition.Labels["team"] = "data";
        await Store.CreateAsync(viaDefinition).DefaultTimeout();
        await Store.CreateAsync(overridden).DefaultTimeout();

        var ofData = await Store.ListAsync(Labelled(10, null, ("team", "data"))).DefaultTimeout();
        var ofWeb = await Store.ListAsync(Labelled(10, null, ("team", "web"))).DefaultTimeout();

        Assert.Equal(["via-definition"], ofData.Items.Select(r => r.ExecutionId));
        Assert.Equal(["overridden"], ofWeb.Items.Select(r => r.ExecutionId));
    }

    [SkippableFact]
    public async Task ListAsync_LabelFilterOverManyPages_PagesThroughEveryMatchOnce()
    {
        var expected = new List<string>();
        for (var index = 0; index < 23; index++)
        {
            var team = index % 3 == 0 ? "data" : "web";
            await Store.CreateAsync(Submitted($"e{index:D2}", Epoch.AddSeconds(index), labels: new Dictionary<string, string> { ["team"] = team })).DefaultTimeout();
            if (team == "data")
            {
                expected.Insert(0, $"e{index:D2}");
            }
        }

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await Store.ListAsync(Labelled(3, token, ("team", "data"))).DefaultTimeout();
            seen.AddRange(page.Items.Select(r => r.ExecutionId));
            token = page.NextPageToken;
            pages++;
        }
        while (token is not null && pages < 20);

        Assert.Equal(expected, seen);
        Assert.Equal(3, pages);
    }

    [SkippableFact]
    public async Task ListAsync_CreatedAfterAndBefore_ReturnsTheHalfOpenRangeWithOtherFilters()
    {
        for (var index = 0; index < 6; index++)
        {
            await Store.CreateAsync(Submitted($"e{index}", Epoch.AddMinutes(index), workflowId: index % 2 == 0 ? "even" : "odd")).DefaultTimeout();
        }

        var from2 = await Store.ListAsync(new ExecutionQuery(10, null, [], null) { CreatedAfter = Epoch.AddMinutes(2) }).DefaultTimeout();
        var before2 = await Store.ListAsync(new ExecutionQuery(10, null, [], null) { CreatedBefore = Epoch.AddMinutes(2) }).DefaultTimeout();
        var window = await Store.ListAsync(new ExecutionQuery(10, null, [], null) { CreatedAfter = Epoch.AddMinutes(1), CreatedBefore = Epoch.AddMinutes(4) }).DefaultTimeout();
        var evenInWindow = await Store.ListAsync(new ExecutionQuery(10, null, [ExecutionState.Pending], "even") { CreatedAfter = Epoch.AddMinutes(1), CreatedBefore = Epoch.AddMinutes(5) }).DefaultTimeout();

        Assert.Equal(["e5", "e4", "e3", "e2"], from2.Items.Select(r => r.ExecutionId));
        Assert.Equal(["e1", "e0"], before2.Items.Select(r => r.ExecutionId));
        Assert.Equal(["e3", "e2", "e1"], window.Items.Select(r => r.ExecutionId));
        Assert.Equal(["e4", "e2"], evenInWindow.Items.Select(r => r.ExecutionId));
    }

    [SkippableFact]
    public async Task ListAsync_ExecutionIdPrefix_ReturnsOnlyIdsStartingWithItAcrossPages()
    {
        string[] ids = ["01ab10", "01ab20", "01ab30", "01ac10", "1ab", "x01ab"];
        for (var index = 0; index < ids.Length; index++)
        {
            await Store.CreateAsync(Submitted(ids[index], Epoch.AddMinutes(index), workflowId: index == 1 ? "other" : "wf")).DefaultTimeout();
        }

        var all = await Store.ListAsync(new ExecutionQuery(10, null, [], null) { ExecutionIdPrefix = "01ab" }).DefaultTimeout();
        var exact = await Store.ListAsync(new ExecutionQuery(10, null, [], null) { ExecutionIdPrefix = "01ac10" }).DefaultTimeout();
        var withWorkflow = await Store.ListAsync(new ExecutionQuery(10, null, [], "wf") { ExecutionIdPrefix = "01ab" }).DefaultTimeout();
        var none = await Store.ListAsync(new ExecutionQuery(10, null, [], null) { ExecutionIdPrefix = "01ab300" }).DefaultTimeout();
        var first = await Store.ListAsync(new ExecutionQuery(2, null, [], null) { ExecutionIdPrefix = "01ab" }).DefaultTimeout();
        var second = await Store.ListAsync(new ExecutionQuery(2, first.NextPageToken, [], null) { ExecutionIdPrefix = "01ab" }).DefaultTimeout();

        Assert.Equal(["01ab30", "01ab20", "01ab10"], all.Items.Select(r => r.ExecutionId));
        Assert.Equal(["01ac10"], exact.Items.Select(r => r.ExecutionId));
        Assert.Equal(["01ab30", "01ab10"], withWorkflow.Items.Select(r => r.ExecutionId));
        Assert.Empty(none.Items);
        Assert.Equal(["01ab30", "01ab20", "01ab10"], first.Items.Concat(second.Items).Select(r => r.ExecutionId));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.ListAsync(new ExecutionQuery(2, first.NextPageToken, [], null) { ExecutionIdPrefix = "01a" }).AsTask()).DefaultTimeout();
    }

    [SkippableFact]
    public async Task ListAsync_TokenUsedWithOtherFilters_ThrowsArgumentException()
    {
        for (var index = 0; index < 4; index++)
        {
            await Store.CreateAsync(Submitted($"e{index}", Epoch.AddSeconds(index), labels: new Dictionary<string, string> { ["team"] = "data" })).DefaultTimeout();
        }

        var first = await Store.ListAsync(Labelled(2, null, ("team", "data"))).DefaultTimeout();
        var token = first.NextPageToken;
        Assert.NotNull(token);

        var sameFiltersOtherSize = await Store.ListAsync(Labelled(5, token, ("team", "data"))).DefaultTimeout();
        Assert.Equal(["e1", "e0"], sameFiltersOtherSize.Items.Select(r => r.ExecutionId));
        ExecutionQuery[] others =
        [
            new(2, token, [], null),
            Labelled(2, token, ("team", "web")),
            Labelled(2, token, ("team", "data"), ("tier", "gold")),
            new ExecutionQuery(2, token, [ExecutionState.Pending], null) { Labels = new Dictionary<string, string> { ["team"] = "data" } },
            new ExecutionQuery(2, token, [], "wf") { Labels = new Dictionary<string, string> { ["team"] = "data" } },
            new ExecutionQuery(2, token, [], null) { Labels = new Dictionary<string, string> { ["team"] = "data" }, CreatedAfter = Epoch },
            new ExecutionQuery(2, token, [], null) { Labels = new Dictionary<string, string> { ["team"] = "data" }, CreatedBefore = Epoch.AddDays(1) },
        ];
        foreach (var other in others)
        {
            var error = await Assert.ThrowsAsync<ArgumentException>(() => Store.ListAsync(other).AsTask()).DefaultTimeout();
            Assert.Contains("other filters", error.Message, StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public async Task ListAsync_TokenNotMadeByTheStore_ThrowsArgumentException()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.ListAsync(new ExecutionQuery(10, "not a token!", [], null)).AsTask()).DefaultTimeout();
    }

    [SkippableFact]
    public async Task ListActiveAsync_AndListAsyncByUnfinishedStates_MixedStates_ReturnPendingAndRunningOnly()
    {
        await Store.CreateAsync(Submitted("pending")).DefaultTimeout();
        await Store.CreateAsync(Submitted("running")).DefaultTimeout();
        await Store.AppendAsync("running", [Started("running", 2)]).AsTask().DefaultTimeout();
        foreach (var (id, state) in new[] { ("succeeded", ExecutionState.Succeeded), ("failed", ExecutionState.Failed), ("cancelled", ExecutionState.Cancelled) })
        {
            await Store.CreateAsync(Submitted(id)).DefaultTimeout();
            await Store.AppendAsync(id, [Started(id, 2), Finished(id, 3, state)]).AsTask().DefaultTimeout();
        }

        await Store.CreateAsync(Submitted("retried")).DefaultTimeout();
        await Store.AppendAsync("retried", [Started("retried", 2), Finished("retried", 3, ExecutionState.Failed), Retried("retried", 4, "s0")]).AsTask().DefaultTimeout();

        var active = await Store.ListActiveAsync().DefaultTimeout();
        var unfinished = await Store.ListAsync(new ExecutionQuery(100, null, [ExecutionState.Pending, ExecutionState.Running], null)).DefaultTimeout();
        var failed = await Store.ListAsync(new ExecutionQuery(100, null, [ExecutionState.Failed], null)).DefaultTimeout();

        Assert.Equal(["pending", "retried", "running"], active.Order(StringComparer.Ordinal));
        Assert.Equal(["pending", "retried", "running"], unfinished.Items.Select(r => r.ExecutionId).Order(StringComparer.Ordinal));
        Assert.Equal(["failed"], failed.Items.Select(r => r.ExecutionId));
    }

    [SkippableFact]
    public async Task PurgeAsync_EndedBefore_DeletesOnlyFinishedExecutionsThatEndedEarlier()
    {
        await CreateFinishedAsync("old", Epoch.AddHours(1));
        await CreateFinishedAsync("recent", Epoch.AddHours(3));
        await Store.CreateAsync(Submitted("running")).DefaultTimeout();
        await Store.AppendAsync("running", [Started("running", 2)]).AsTask().DefaultTimeout();

        var purged = await Store.PurgeAsync(Epoch.AddHours(2), keepAtMost: null).DefaultTimeout();

        Assert.Equal(1, purged);
        Assert.Null(await Store.GetAsync("old").DefaultTimeout());
        Assert.Empty(await ReadAllAsync("old"));
        Assert.NotNull(await Store.GetAsync("recent").DefaultTimeout());
        Assert.NotNull(await Store.GetAsync("running").DefaultTimeout());
        Assert.Equal(3, (await ReadAllAsync("recent")).Count);
    }

    [SkippableFact]
    public async Task PurgeAsync_KeepAtMost_DeletesTheOldestFinishedBeyondTheCount()
    {
        for (var index = 0; index < 5; index++)
        {
            await CreateFinishedAsync($"done{index}", Epoch.AddHours(index));
        }

        await Store.CreateAsync(Submitted("pending")).DefaultTimeout();

        var purged = await Store.PurgeAsync(DateTimeOffset.MinValue, keepAtMost: 2).DefaultTimeout();

        Assert.Equal(3, purged);
        var left = await Store.ListAsync(new ExecutionQuery(10, null, [], null)).DefaultTimeout();
        Assert.Equal(["done3", "done4", "pending"], left.Items.Select(r => r.ExecutionId).Order(StringComparer.Ordinal));
        Assert.Equal(0, await Store.PurgeAsync(DateTimeOffset.MinValue, keepAtMost: 2).DefaultTimeout());
    }

    [SkippableFact]
    public async Task PurgeAsync_PurgedExecutionsIdempotencyKey_CanBeUsedAgain()
    {
        await Store.CreateAsync(Submitted("first", idempotencyKey: "k")).DefaultTimeout();
        await Store.AppendAsync("first", [Started("first", 2), Finished("first", 3, ExecutionState.Succeeded, Epoch)]).AsTask().DefaultTimeout();
        await Store.PurgeAsync(Epoch.AddDays(1), keepAtMost: null).DefaultTimeout();

        var again = await Store.CreateAsync(Submitted("second", idempotencyKey: "k")).DefaultTimeout();

        Assert.Equal(new CreateExecutionResult("second", Existing: false), again);
    }

    [SkippableFact]
    public async Task AppendAsync_ManyExecutionsAppendingConcurrently_EveryLogIsComplete()
    {
        const int executions = 40;
        const int stepsEach = 10;
        await Task.WhenAll(Enumerable.Range(0, executions).Select(index => Store.CreateAsync(Submitted($"c{index}", steps: stepsEach)).AsTask())).DefaultTimeout();

        // Each execution has one writer appending its steps in order; all executions run at once.
        await Task.WhenAll(Enumerable.Range(0, executions).Select(index => Task.Run(async () =>
        {
            var id = $"c{index}";
            var sequence = 1L;
            await Store.AppendAsync(id, [Started(id, ++sequence)]);
            for (var step = 0; step < stepsEach; step++)
            {
                await Store.AppendAsync(id, [Ready(id, ++sequence, $"s{step}"), AttemptStarted(id, ++sequence, $"s{step}")]);
                await Store.AppendAsync(id, [Succeeded(id, ++sequence, $"s{step}")]);
            }

            await Store.AppendAsync(id, [Finished(id, ++sequence, ExecutionState.Succeeded)]);
        }))).DefaultTimeout();

        for (var index = 0; index < executions; index++)
        {
            var events = await ReadAllAsync($"c{index}");
            Assert.Equal(Enumerable.Range(1, 3 + (3 * stepsEach)).Select(n => (long)n), events.Select(e => e.Sequence));
            var record = await Store.GetAsync($"c{index}").DefaultTimeout();
            Assert.Equal((ExecutionState.Succeeded, stepsEach), (record!.State, record.SucceededStepCount));
        }
    }

    private static ExecutionQuery Labelled(int pageSize, string? token, params (string Key, string Value)[] labels) =>
        new(pageSize, token, [], null) { Labels = labels.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal) };

    protected async Task<List<ExecutionEvent>> ReadAllAsync(string executionId, long fromSequence = 1)
    {
        var events = new List<ExecutionEvent>();
        await foreach (var @event in Store.ReadEventsAsync(executionId, fromSequence).WithCancellation(CancellationToken.None))
        {
            events.Add(@event);
        }

        return events;
    }

    private async Task CreateFinishedAsync(string executionId, DateTimeOffset endTime)
    {
        await Store.CreateAsync(Submitted(executionId, endTime.AddMinutes(-1))).DefaultTimeout();
        await Store.AppendAsync(executionId, [Started(executionId, 2), Finished(executionId, 3, ExecutionState.Succeeded, endTime)]).AsTask().DefaultTimeout();
    }
}
