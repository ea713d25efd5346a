using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Testing;
using static GrpcWorkflows.Storage.Tests.TestEvents;

namespace GrpcWorkflows.Storage.Tests;

/// <summary>
/// Leases with a fencing epoch, as two replicas see them: two stores (two writers, two connection pools)
/// on one schema. An expired lease is made with a zero duration, so no test waits for a clock.
/// </summary>
[Collection(PostgresServerGroup.Name)]
public sealed class PostgresExecutionLeaseTests(PostgresServerFixture postgres) : TwoPostgresStores(postgres)
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await First.CreateAsync(Submitted("e1", Epoch)).DefaultTimeout();
    }

    [SkippableFact]
    public async Task TryAcquireAsync_HeldByAnotherUnexpired_ReturnsNull()
    {
        var held = await First.TryAcquireAsync("e1", "replica-a", LongLease).DefaultTimeout();

        var refused = await Second.TryAcquireAsync("e1", "replica-b", LongLease).DefaultTimeout();

        Assert.NotNull(held);
        Assert.Equal(1, held.Epoch);
        Assert.Null(refused);
        Assert.Null(await Second.TryAcquireAsync("missing", "replica-b", LongLease).DefaultTimeout());
    }

    [SkippableFact]
    public async Task AppendAsync_StaleEpochAfterTakeover_IsRejectedAndWritesNothing()
    {
        var stale = (await First.TryAcquireAsync("e1", "replica-a", TimeSpan.Zero).DefaultTimeout())!;
        await First.AppendAsync(stale, [Started("e1", 2)]).AsTask().DefaultTimeout();

        // replica-a's lease expired (it was "paused"); replica-b takes the execution over and moves on.
        var current = await Second.TryAcquireAsync("e1", "replica-b", LongLease).DefaultTimeout();
        Assert.NotNull(current);
        Assert.Equal(stale.Epoch + 1, current.Epoch);
        await Second.AppendAsync(current, [Ready("e1", 3, "from-b")]).AsTask().DefaultTimeout();

        // replica-a wakes up: whether its sequence is stale (3) or even right (4), the epoch refuses it.
        var lostAtThree = await Assert.ThrowsAsync<ExecutionLeaseLostException>(() => First.AppendAsync(stale, [Ready("e1", 3, "from-a")]).AsTask()).DefaultTimeout();
        var lostAtFour = await Assert.ThrowsAsync<ExecutionLeaseLostException>(() => First.AppendAsync(stale, [Ready("e1", 4, "from-a")]).AsTask()).DefaultTimeout();

        Assert.Equal((stale.Epoch, current.Epoch), (lostAtThree.LeaseEpoch, lostAtThree.CurrentEpoch));
        Assert.Equal(current.Epoch, lostAtFour.CurrentEpoch);
        var events = await First.ReadEventsAsync("e1", 1).ToListAsync().AsTask().DefaultTimeout();
        Assert.Equal([1L, 2L, 3L], events.Select(e => e.Sequence));
        Assert.Equal("from-b", events[2].StepReady.StepId);
        await Second.AppendAsync(current, [Ready("e1", 4, "from-b")]).AsTask().DefaultTimeout();
        Assert.Equal(4, (await First.GetAsync("e1").DefaultTimeout())!.LastSequence);
    }

    [SkippableFact]
    public async Task AppendAsync_CurrentLeaseWithAStaleSequence_IsASequenceConflictNotALostLease()
    {
        var lease = (await First.TryAcquireAsync("e1", "replica-a", LongLease).DefaultTimeout())!;
        await First.AppendAsync(lease, [Started("e1", 2)]).AsTask().DefaultTimeout();

        await Assert.ThrowsAsync<SequenceConflictException>(() => Second.AppendAsync(lease, [Started("e1", 2)]).AsTask()).DefaultTimeout();
    }

    [SkippableFact]
    public async Task RenewAsync_AfterTakeover_ReturnsNullAndTheNewOwnerRenews()
    {
        var stale = (await First.TryAcquireAsync("e1", "replica-a", TimeSpan.Zero).DefaultTimeout())!;
        var current = (await Second.TryAcquireAsync("e1", "replica-b", TimeSpan.Zero).DefaultTimeout())!;

        Assert.Null(await First.RenewAsync(stale, LongLease).DefaultTimeout());
        var renewed = await Second.RenewAsync(current, LongLease).DefaultTimeout();

        Assert.NotNull(renewed);
        Assert.Equal(current.Epoch, renewed.Epoch);
        Assert.True(renewed.ExpiresAt > current.ExpiresAt);
        Assert.Null(await First.TryAcquireAsync("e1", "replica-a", LongLease).DefaultTimeout());
    }

    [SkippableFact]
    public async Task ReleaseAsync_OnDrain_LetsAnotherOwnerTakeOverAtOnceWithTheNextEpoch()
    {
        var draining = (await First.TryAcquireAsync("e1", "replica-a", LongLease).DefaultTimeout())!;

        await First.ReleaseAsync(draining).AsTask().DefaultTimeout();
        var next = await Second.TryAcquireAsync("e1", "replica-b", LongLease).DefaultTimeout();

        Assert.NotNull(next);
        Assert.Equal(draining.Epoch + 1, next.Epoch);
        await Assert.ThrowsAsync<ExecutionLeaseLostException>(() => First.AppendAsync(draining, [Started("e1", 2)]).AsTask()).DefaultTimeout();
    }
}
