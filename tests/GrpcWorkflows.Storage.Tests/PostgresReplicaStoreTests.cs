using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Storage.Postgres;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Storage.Tests.TestEvents;

namespace GrpcWorkflows.Storage.Tests;

/// <summary>
/// What replicas ask of the store beyond single leases, as two replicas see it (two stores on one schema):
/// owned creates, claims, renewal and release of everything one replica holds, hand-over for a step type,
/// commands for the owner. An expired lease is made with a zero duration, so no test waits for a clock.
/// </summary>
[Collection(PostgresServerGroup.Name)]
public sealed class PostgresReplicaStoreTests(PostgresServerFixture postgres) : TwoPostgresStores(postgres)
{
    private PostgresExecutionStore A => First;

    private PostgresExecutionStore B => Second;

    [SkippableFact]
    public async Task CreateOwnedAsync_IsOwnedAtOnce_NotClaimableUntilItsLeaseExpires()
    {
        var (created, lease) = await A.CreateOwnedAsync(Submitted("e1", Epoch), "a", TimeSpan.Zero).AsTask().DefaultTimeout();
        var (_, longLease) = await A.CreateOwnedAsync(Submitted("e2", Epoch), "a", LongLease).AsTask().DefaultTimeout();

        var claimed = await B.ClaimAsync("b", LongLease, 10, []).DefaultTimeout();

        Assert.False(created.Existing);
        Assert.Equal((1L, 1L), (lease!.Epoch, longLease!.Epoch));
        Assert.Equal(["e1"], claimed.Select(l => l.ExecutionId));
        Assert.Equal(2, claimed[0].Epoch);
        await Assert.ThrowsAsync<ExecutionLeaseLostException>(() => A.AppendAsync(lease, [Started("e1", 2)]).AsTask()).DefaultTimeout();
        await B.AppendAsync(claimed[0], [Started("e1", 2)]).AsTask().DefaultTimeout();
    }

    [SkippableFact]
    public async Task RenewAllAsync_ReturnsWhatTheReplicaStillHolds_AndReleaseAllHandsEverythingOver()
    {
        await A.CreateOwnedAsync(Submitted("e1", Epoch), "a", TimeSpan.Zero).AsTask().DefaultTimeout();
        await A.CreateOwnedAsync(Submitted("e2", Epoch), "a", LongLease).AsTask().DefaultTimeout();
        var takenOver = await B.ClaimAsync("b", LongLease, 10, []).DefaultTimeout();

        var stillHeld = await A.RenewAllAsync("a", LongLease).DefaultTimeout();
        var released = await A.ReleaseAllAsync("a").DefaultTimeout();
        var afterDrain = await B.ClaimAsync("b", LongLease, 10, []).DefaultTimeout();

        Assert.Equal(["e1"], takenOver.Select(l => l.ExecutionId));
        Assert.Equal(["e2"], stillHeld.Select(l => l.ExecutionId));
        Assert.Equal(1, released);
        Assert.Equal(["e2"], afterDrain.Select(l => l.ExecutionId));
        Assert.Equal(["e1", "e2"], (await B.RenewAllAsync("b", LongLease).DefaultTimeout()).Select(l => l.ExecutionId).Order());
    }

    [SkippableFact]
    public async Task RenewAllAsync_ExtendsOnlyLeasesPastAThirdOfTheirLife_AndReportsTheOthersAsTheyAre()
    {
        var (_, young) = await A.CreateOwnedAsync(Submitted("e1", Epoch), "a", LongLease).AsTask().DefaultTimeout();
        var (_, old) = await A.CreateOwnedAsync(Submitted("e2", Epoch), "a", LongLease / 2).AsTask().DefaultTimeout();

        var held = (await A.RenewAllAsync("a", LongLease * 1.2).DefaultTimeout()).ToDictionary(l => l.ExecutionId);

        // Renewing to 6 minutes: e1 has 5 left, more than two thirds of that, so it is reported with its own expiry,
        // not rewritten; e2 has 2.5 left and is extended to 6.
        Assert.Equal(["e1", "e2"], held.Keys.Order());
        Assert.InRange(held["e1"].ExpiresAt, young!.ExpiresAt - TimeSpan.FromSeconds(5), young.ExpiresAt + TimeSpan.FromSeconds(5));
        Assert.True(held["e2"].ExpiresAt > old!.ExpiresAt + LongLease / 4, $"e2 was not renewed: {held["e2"].ExpiresAt} against {old.ExpiresAt}");
        Assert.Equal((1L, 1L), (held["e1"].Epoch, held["e2"].Epoch));
    }

    [SkippableFact]
    public async Task HandOverAsync_ForAStepType_IsClaimedOnlyByAReplicaThatServesIt()
    {
        var (_, lease) = await A.CreateOwnedAsync(Submitted("e1", Epoch), "a", LongLease).AsTask().DefaultTimeout();

        Assert.True(await A.HandOverAsync(lease!, "gpu", LongLease).DefaultTimeout());
        var notServing = await B.ClaimAsync("b", LongLease, 10, ["cpu"]).DefaultTimeout();
        var serving = await B.ClaimAsync("c", LongLease, 10, ["cpu", "gpu"]).DefaultTimeout();

        Assert.Empty(notServing);
        Assert.Equal(["e1"], serving.Select(l => l.ExecutionId));
        Assert.False(await A.HandOverAsync(lease!, "gpu", LongLease).DefaultTimeout());
    }

    [SkippableFact]
    public async Task HandOverAsync_ForAStepType_IsClaimedOnlyByAReplicaThatServesItInTheExecutionsNamespace()
    {
        var (_, lease) = await A.CreateOwnedAsync(Submitted("e1", Epoch, inNamespace: "team-a"), "a", LongLease).AsTask().DefaultTimeout();

        Assert.True(await A.HandOverAsync(lease!, "gpu", LongLease).DefaultTimeout());
        var otherNamespace = await B.ClaimAsync("b", LongLease, 10, [ServedStepTypes.InNamespace("team-b", "gpu")]).DefaultTimeout();
        var otherType = await B.ClaimAsync("c", LongLease, 10, [ServedStepTypes.InNamespace("team-a", "cpu")]).DefaultTimeout();
        var serving = await B.ClaimAsync("d", LongLease, 10, [ServedStepTypes.InNamespace("team-b", "gpu"), ServedStepTypes.InNamespace("team-a", "gpu")]).DefaultTimeout();

        Assert.Empty(otherNamespace);
        Assert.Empty(otherType);
        Assert.Equal(["e1"], serving.Select(l => l.ExecutionId));
    }

    [SkippableFact]
    public async Task Commands_ReachWhicheverReplicaOwnsTheExecution_AndWakeIt()
    {
        await A.CreateOwnedAsync(Submitted("e1", Epoch), "a", LongLease).AsTask().DefaultTimeout();
        A.EnableChangeNotifications();
        B.EnableChangeNotifications();
        var woken = A.WhenCommanded();

        await B.AddCommandAsync(new ExecutionCommand(0, "e1", ExecutionCommandKind.Cancel, "from b", [])).AsTask().DefaultTimeout();
        await woken.DefaultTimeout();
        var forA = await A.ReadCommandsAsync("a").DefaultTimeout();
        var forB = await B.ReadCommandsAsync("b").DefaultTimeout();
        await A.DeleteCommandsAsync([.. forA.Select(c => c.Id)]).AsTask().DefaultTimeout();

        var command = Assert.Single(forA);
        Assert.Equal(("e1", ExecutionCommandKind.Cancel, "from b"), (command.ExecutionId, command.Kind, command.Text));
        Assert.Empty(forB);
        Assert.Empty(await A.ReadCommandsAsync("a").DefaultTimeout());
    }

    [SkippableFact]
    public async Task Appends_WakeAReplicaWaitingForThem_OnceItListens()
    {
        var lease = await OwnedByAWithBothListeningAsync();
        await WatchFromBUntilAHearsItAsync();
        var woken = B.WhenAppended();
        await A.AppendAsync(lease, [Started("e1", 2)]).AsTask().DefaultTimeout();

        await woken.DefaultTimeout();
        Assert.Equal(2, (await B.GetAsync("e1").DefaultTimeout())!.LastSequence);
    }

    [SkippableFact]
    public async Task Appends_AreNotNotified_UntilAReplicaWaitsForThem()
    {
        var lease = await OwnedByAWithBothListeningAsync();
        var appendsChannel = $"gwf_e_{Schema}";
        await using var listening = await OpenListenerAsync(appendsChannel);

        // Nobody waits: the commit carries no notification, so the marker sent after it is the first thing heard.
        await A.AppendAsync(lease, [Started("e1", 2)]).AsTask().DefaultTimeout();
        await NotifyAsync(appendsChannel, "marker");
        var unwatched = await listening.NextAsync().DefaultTimeout();

        await WatchFromBUntilAHearsItAsync();
        await A.AppendAsync(lease, [Started("e1", 3)]).AsTask().DefaultTimeout();
        var watched = await listening.NextAsync().DefaultTimeout();

        Assert.Equal("marker", unwatched);
        Assert.Equal("e", watched);
    }

    [SkippableFact]
    public async Task PurgeAsync_FinishedExecutionWithACommandLeft_DeletesTheCommandWithIt()
    {
        var (_, done) = await A.CreateOwnedAsync(Submitted("done", Epoch), "a", LongLease).AsTask().DefaultTimeout();
        await A.CreateOwnedAsync(Submitted("running", Epoch), "a", LongLease).AsTask().DefaultTimeout();
        await A.AppendAsync(done!, [Started("done", 2), Finished("done", 3, ExecutionState.Succeeded)]).AsTask().DefaultTimeout();
        await B.AddCommandAsync(new ExecutionCommand(0, "done", ExecutionCommandKind.Cancel, "too late", [])).AsTask().DefaultTimeout();
        await B.AddCommandAsync(new ExecutionCommand(0, "running", ExecutionCommandKind.Cancel, "in time", [])).AsTask().DefaultTimeout();

        var purged = await B.PurgeAsync(Epoch.AddDays(1), keepAtMost: null).DefaultTimeout();

        Assert.Equal(1, purged);
        Assert.Null(await A.GetAsync("done").DefaultTimeout());
        Assert.Equal(["running"], (await A.ReadCommandsAsync("a").DefaultTimeout()).Select(c => c.ExecutionId));
        Assert.Equal(1L, await CountRowsAsync("execution_commands"));
    }

    [SkippableFact]
    public async Task SyncRegistrationsAsync_SharesWhatEachHolds_KeepsTheLaterLease_AndARemovalStays()
    {
        var now = Epoch;

        // x1's credential covers two namespaces, x2's every namespace (null): a replica that adopts them must keep that.
        StoredExecutorRegistration Registration(string id, TimeSpan lease) =>
            new(id, $"http://{id}:5000", ["cpu", "gpu"], 8, id, "1.0", new Dictionary<string, string> { ["zone"] = "a" }, "key-1", now, now + lease,
                id == "x1" ? ["team-a", "team-b"] : null);

        var seenByA = await A.SyncRegistrationsAsync([Registration("x1", TimeSpan.FromSeconds(15))], [], now).DefaultTimeout();
        var seenByB = await B.SyncRegistrationsAsync([Registration("x1", TimeSpan.FromSeconds(5)), Registration("x2", TimeSpan.FromSeconds(15))], [], now).DefaultTimeout();
        var afterRemoval = await A.SyncRegistrationsAsync([], ["x1"], now).DefaultTimeout();
        var heldStill = await B.SyncRegistrationsAsync([Registration("x1", TimeSpan.FromSeconds(30)), Registration("x2", TimeSpan.FromSeconds(15))], [], now).DefaultTimeout();
        var expired = await B.SyncRegistrationsAsync([], [], now + TimeSpan.FromSeconds(20)).DefaultTimeout();

        var x1 = Assert.Single(seenByA);
        Assert.Equal(("x1", "http://x1:5000", 8, "key-1", "a"), (x1.ExecutorId, x1.Endpoint, x1.MaxConcurrency, x1.Owner, x1.Labels["zone"]));
        Assert.Equal(["cpu", "gpu"], x1.StepTypes);
        Assert.Equal(["team-a", "team-b"], x1.Namespaces!.Order());
        Assert.Null(seenByB.Single(r => r.ExecutorId == "x2").Namespaces);
        Assert.Equal(["x1", "x2"], seenByB.Select(r => r.ExecutorId).Order());
        Assert.Equal(now + TimeSpan.FromSeconds(15), seenByB.Single(r => r.ExecutorId == "x1").LeaseExpires);
        Assert.Equal(["x2"], afterRemoval.Select(r => r.ExecutorId));
        Assert.Equal(["x2"], heldStill.Select(r => r.ExecutorId));
        Assert.Empty(expired);
    }

    [SkippableFact]
    public async Task HeartbeatAsync_ReturnsTheOtherLiveReplicasAndTheirStepTypes()
    {
        await A.HeartbeatAsync("a", ["cpu"], LongLease).AsTask().DefaultTimeout();

        var seenByB = await B.HeartbeatAsync("b", ["gpu"], LongLease).DefaultTimeout();
        var seenByA = await A.HeartbeatAsync("a", ["cpu"], LongLease).DefaultTimeout();
        await B.ReleaseAllAsync("b").AsTask().DefaultTimeout();

        Assert.Equal(["cpu"], seenByB.StepTypesElsewhere);
        Assert.Equal(["a"], seenByB.OtherReplicas);
        Assert.Equal(["gpu"], seenByA.StepTypesElsewhere);
        Assert.Equal(["b"], seenByA.OtherReplicas);
        Assert.Empty((await A.HeartbeatAsync("a", ["cpu"], LongLease).DefaultTimeout()).OtherReplicas);
    }

    /// <summary>Execution e1, owned by A; both replicas listen for commands, A's <c>LISTEN</c> already in place (its first wait ends then).</summary>
    private async Task<ExecutionLease> OwnedByAWithBothListeningAsync()
    {
        var (_, lease) = await A.CreateOwnedAsync(Submitted("e1", Epoch), "a", LongLease).AsTask().DefaultTimeout();
        A.EnableChangeNotifications();
        B.EnableChangeNotifications();
        await A.WhenCommanded().DefaultTimeout();
        return lease!;
    }

    /// <summary>
    /// Something of B waits for appends: B listens for them (its first wait ends when that <c>LISTEN</c> is in place) and
    /// says so on the commands' channel; returns once A has heard it, from when A's commits are notified.
    /// </summary>
    private async Task WatchFromBUntilAHearsItAsync()
    {
        var heard = A.WhenCommanded();
        await B.WhenAppended().DefaultTimeout();
        await heard.DefaultTimeout();
    }
}
