using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Cli.Watching;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Cli.Tests.Watching;

/// <summary>How <c>gwf run</c>/<c>watch</c>/<c>status</c> show a step no executor could be reached for, a step or execution flow control holds back, and where an attempt ran.</summary>
public sealed class ExecutionProgressTests
{
    private static readonly DateTimeOffset Created = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Line_AwaitingExecutor_SaysWhyAndUntilWhen()
    {
        var progress = Submitted();
        var line = progress.Line(Event(3, 2, new ExecutionEvent
        {
            AwaitingExecutor = new StepAwaitingExecutor
            {
                StepId = "fetch",
                Attempt = 1,
                Wait = new ExecutorWait
                {
                    Reason = "Executor http://127.0.0.1:5001 is unreachable: Connection refused",
                    Since = Timestamp.FromDateTimeOffset(Created.AddSeconds(2)),
                    Deadline = Timestamp.FromDateTimeOffset(Created.AddMinutes(5).AddSeconds(2)),
                },
            },
        }));

        Assert.Equal(
            "#3    [   2.00s] fetch: attempt 1 not delivered, waiting for an executor (Executor http://127.0.0.1:5001 is unreachable: Connection refused); gives up at 10:05:02Z",
            line);
        var row = Assert.Single(progress.Steps);
        Assert.Equal(StepState.Ready, row.State);
        Assert.StartsWith("waiting for an executor", row.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void Line_StepThrottled_SaysWhyFlowControlHoldsTheStep()
    {
        var progress = Submitted();
        var line = progress.Line(Event(3, 1, new ExecutionEvent
        {
            StepThrottled = new StepThrottled { StepId = "fetch", Wait = new FlowWait { Kind = FlowWaitKind.ConcurrencyKey, Key = "db", Reason = "concurrency key 'db' is full (2 of 2 running)" } },
        }));

        Assert.EndsWith("fetch: held back: concurrency key 'db' is full (2 of 2 running)", line, StringComparison.Ordinal);
        Assert.Equal("held back: concurrency key 'db' is full (2 of 2 running)", Assert.Single(progress.Steps).Note);
    }

    [Fact]
    public void Line_ExecutionQueued_SaysWhy()
        => Assert.EndsWith(
            "queued: concurrency key 'acme' is full (1 of 1 running)",
            Submitted().Line(Event(2, 0, new ExecutionEvent { ExecutionQueued = new ExecutionQueued { Wait = new FlowWait { Reason = "concurrency key 'acme' is full (1 of 1 running)" } } })),
            StringComparison.Ordinal);

    [Fact]
    public void Line_AttemptStartedWithEndpoint_NamesTheExecutorThatRunsIt()
    {
        var progress = Submitted();
        var line = progress.Line(Event(3, 1, new ExecutionEvent
        {
            AttemptStarted = new StepAttemptStarted { StepId = "fetch", Attempt = 2, Endpoint = "http://127.0.0.1:5002" },
        }));

        Assert.EndsWith("fetch: running (attempt 2 on http://127.0.0.1:5002)", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Seed_ExecutionWithAStepAwaitingAnExecutor_ShowsTheWaitAsTheStepsNote()
    {
        var progress = new ExecutionProgress();
        progress.Seed(new Execution
        {
            ExecutionId = "e1",
            Steps =
            {
                new StepExecution
                {
                    StepId = "fetch",
                    Type = "http",
                    State = StepState.Ready,
                    ExecutorWait = new ExecutorWait { Reason = "no executor is registered for step type 'http'" },
                },
            },
        });

        Assert.Equal("waiting for an executor (no executor is registered for step type 'http')", Assert.Single(progress.Steps).Note);
    }

    [Fact]
    public void Lines_ForEachItems_ShowTheItemAndTheStepsProgress()
    {
        var progress = Submitted();

        Assert.EndsWith("fetch: fans out over 3 items", progress.Line(Event(3, 1, new ExecutionEvent { FannedOut = new StepFannedOut { StepId = "fetch", ItemCount = 3 } })), StringComparison.Ordinal);
        Assert.EndsWith("fetch[1]: running (attempt 1)", progress.Line(Event(4, 1, new ExecutionEvent { AttemptStarted = new StepAttemptStarted { StepId = "fetch", Attempt = 1, Item = 1 } })), StringComparison.Ordinal);
        Assert.EndsWith(
            "fetch[1]: attempt 1 failed (UNAVAILABLE: later); retrying in 2s",
            progress.Line(Event(5, 2, new ExecutionEvent { AttemptFailed = new StepAttemptFailed { StepId = "fetch", Attempt = 1, Item = 1, WillRetry = true, RetryDelay = Duration.FromTimeSpan(TimeSpan.FromSeconds(2)), Error = new StepError { Code = "UNAVAILABLE", Message = "later" } } })),
            StringComparison.Ordinal);
        Assert.EndsWith("fetch[0]: succeeded (1/3 items done)", progress.Line(Event(6, 2, new ExecutionEvent { ItemSucceeded = new StepItemSucceeded { StepId = "fetch", Item = 0, Attempt = 1 } })), StringComparison.Ordinal);

        var row = Assert.Single(progress.Steps);
        Assert.Equal((StepState.Running, "1/3 items done"), (row.State, row.Note));
    }

    [Fact]
    public void Seed_ForEachStep_ShowsTheItemsProgressAsTheNote()
    {
        var progress = new ExecutionProgress();
        progress.Seed(new Execution
        {
            ExecutionId = "e1",
            Steps = { new StepExecution { StepId = "each", State = StepState.Running, ForEach = new ForEachProgress { Total = 10000, Succeeded = 412, Running = 8, Retrying = 1 } } },
        });

        Assert.Equal("412/10000 items done, 8 running, 1 retrying", Assert.Single(progress.Steps).Note);
    }

    private static ExecutionProgress Submitted()
    {
        var progress = new ExecutionProgress();
        var definition = new WorkflowDefinition { Id = "w", Steps = { ["fetch"] = new StepDefinition { Type = "http" } } };
        progress.Line(Event(1, 0, new ExecutionEvent { Submitted = new ExecutionSubmitted { Definition = definition } }));
        return progress;
    }

    private static ExecutionEvent Event(long sequence, double seconds, ExecutionEvent e)
    {
        e.ExecutionId = "e1";
        e.Sequence = sequence;
        e.Time = Timestamp.FromDateTimeOffset(Created.AddSeconds(seconds));
        return e;
    }
}
