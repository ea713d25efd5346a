using CsCheck;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Orchestrator.Registry;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Orchestrator.Tests.Registry;

/// <summary>Flow control of an executor session: credits bound what is sent, whatever the executor grants and answers.</summary>
public sealed class ExecutorSessionTests
{
    /// <summary>One step of a random run: 0 grant credits, 1 dispatch an attempt, 2 answer an outstanding attempt (with 0-2 credits).</summary>
    private sealed record Op(int Kind, int Amount);

    private static readonly Gen<(int MaxCredits, Op[] Ops)> Runs = Gen.Select(
        Gen.Int[1, 8],
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, 12], (kind, amount) => new Op(kind, amount)).Array[1, 300]);

    [Fact]
    public void RandomGrantsDispatchesAndResults_NeverMoreOutstandingThanCreditsGranted()
    {
        Runs.Sample(run =>
        {
            var session = new ExecutorSession("ex-property", run.MaxCredits, TimeProvider.System, static () => { });
            var endpoint = new ExecutorEndpoint(session);
            var running = new List<(ulong Id, ValueTask<StepAttemptResult> Result)>();
            long granted = 0;
            long sent = 0;
            foreach (var op in run.Ops)
            {
                switch (op.Kind)
                {
                    case 0:
                        var before = session.Credits;
                        session.Grant(op.Amount);
                        granted += session.Credits - before;
                        break;
                    case 1:
                        if (!endpoint.TryAcquire())
                        {
                            Assert.Equal(0, session.Credits);
                            break;
                        }

                        var result = session.RunAsync(new ExecuteStepRequest { StepId = "s" }, CancellationToken.None);
                        Assert.True(session.Outbound.TryRead(out var message), "an attempt with a credit is queued at once");
                        running.Add((message!.Attempt.DispatchId, result));
                        sent++;
                        break;
                    case 2 when running.Count > 0:
                        var (id, pending) = running[op.Amount % running.Count];
                        running.RemoveAll(r => r.Id == id);
                        var held = session.Credits;
                        Assert.True(session.Complete(id, StepAttemptResult.Success(new Google.Protobuf.WellKnownTypes.Struct(), session.Address), credits: op.Amount % 3));
                        granted += session.Credits - held;
                        Assert.True(pending.AsTask().Wait(TimeSpan.FromSeconds(10)), "the dispatch got its result");
                        endpoint.Release();
                        break;
                }

                Assert.InRange(session.Credits, 0, run.MaxCredits);
                Assert.True(sent <= granted, $"{sent} attempts sent with {granted} credits granted");
                Assert.Equal(running.Count, session.Outstanding);
                Assert.Equal(running.Count, endpoint.InFlight);
                Assert.Equal(0, session.Queued);
            }

            // The session ends: every attempt without a result comes back lost (undelivered), none is left waiting.
            session.Close("test over");
            Assert.All(running, r => Assert.False(r.Result.AsTask().WaitAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult().ReachedExecutor));
            Assert.False(endpoint.TryAcquire());
        }, iter: 300);
    }

    [Fact]
    public async Task Complete_WithCredits_CallerFindsThemOnWakingAndOnlyALateResultAnnouncesThem()
    {
        var announced = 0;
        var session = new ExecutorSession("ex-result-credits", 2, TimeProvider.System, () => Interlocked.Increment(ref announced));
        session.Grant(1);
        Assert.Equal(1, announced);
        Assert.True(session.TryTakeCredit());
        var creditsOnWaking = -1;
        var caller = RunAndLookAtCreditsAsync();
        Assert.True(session.Outbound.TryRead(out var attempt));

        Assert.True(session.Complete(attempt!.Attempt.DispatchId, StepAttemptResult.Success(new Google.Protobuf.WellKnownTypes.Struct()), credits: 1));

        await caller.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, creditsOnWaking);
        Assert.Equal(1, announced);

        // A result nobody waits for any more (cancelled, answered twice): its credits are announced like a grant.
        Assert.False(session.Complete(attempt.Attempt.DispatchId, StepAttemptResult.Success(new Google.Protobuf.WellKnownTypes.Struct()), credits: 1));
        Assert.Equal(2, session.Credits);
        Assert.Equal(2, announced);

        async Task RunAndLookAtCreditsAsync()
        {
            await session.RunAsync(new ExecuteStepRequest { StepId = "s" }, CancellationToken.None);
            creditsOnWaking = session.Credits;
        }
    }

    [Fact]
    public async Task Cancel_OutstandingAttempt_QueuesACancelAndIgnoresTheLateResult()
    {
        var session = new ExecutorSession("ex-cancel", 2, TimeProvider.System, static () => { });
        session.Grant(2);
        Assert.True(session.TryTakeCredit());
        using var cancel = new CancellationTokenSource();
        var result = session.RunAsync(new ExecuteStepRequest { StepId = "s" }, cancel.Token).AsTask();
        Assert.True(session.Outbound.TryRead(out var attempt));

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => result).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(session.Outbound.TryRead(out var sentCancel));
        Assert.Equal(attempt!.Attempt.DispatchId, sentCancel!.Cancel.DispatchId);
        Assert.False(session.Complete(attempt.Attempt.DispatchId, StepAttemptResult.Success(new Google.Protobuf.WellKnownTypes.Struct())));
        Assert.Equal(0, session.Outstanding);
    }

    [Fact]
    public async Task Drain_WithAnAttemptOutstanding_SendsNothingNewAndDrainsOnceAnswered()
    {
        var session = new ExecutorSession("ex-drain", 4, TimeProvider.System, static () => { });
        session.Grant(4);
        Assert.True(session.TryTakeCredit());
        var result = session.RunAsync(new ExecuteStepRequest { StepId = "s" }, CancellationToken.None);
        Assert.True(session.Outbound.TryRead(out var attempt));

        session.Drain(notify: true, "stopping");

        Assert.True(session.Outbound.TryRead(out var notice));
        Assert.Equal("stopping", notice!.Drain.Reason);
        Assert.False(session.IsOpen);
        Assert.False(session.TryTakeCredit());
        Assert.False(session.Drained.IsCompleted);
        session.Complete(attempt!.Attempt.DispatchId, StepAttemptResult.Success(new Google.Protobuf.WellKnownTypes.Struct()));
        Assert.True((await result).Succeeded);
        await session.Drained.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
