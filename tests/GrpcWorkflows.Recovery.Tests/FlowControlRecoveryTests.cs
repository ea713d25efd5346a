using System.Diagnostics.Metrics;
using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine;
using GrpcWorkflows.Engine.Commands;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Storage.Sqlite;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrpcWorkflows.Recovery.Tests;

/// <summary>An execution queued under its workflow's concurrency key survives an engine restart on a real SQLite file: still queued, with its reason, and started once the key frees up.</summary>
public sealed class FlowControlRecoveryTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("grpcworkflows-flow-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task QueuedExecution_EngineRestarts_ComesBackQueuedAndRunsWhenTheKeyFrees()
    {
        var database = Path.Combine(_folder, "engine.db");
        var definition = new WorkflowDefinition
        {
            Id = "per-tenant",
            Concurrency = new ConcurrencyLimit { Key = "{{ workflow.input.tenant }}", Max = 1 },
            Steps = { ["a"] = new StepDefinition { Type = "work" } },
        };
        var input = new Struct { Fields = { ["tenant"] = Value.ForString("acme") } };
        string first, second;
        var before = new GatedDispatcher();
        await using (var store = new SqliteExecutionStore(new SqliteStoreOptions { Path = database }))
        {
            await using var engine = NewEngine(store, before);
            await engine.StartAsync().DefaultTimeout();
            first = (await engine.SubmitAsync(new SubmitExecution(definition, input)).DefaultTimeout()).ExecutionId;
            second = (await engine.SubmitAsync(new SubmitExecution(definition, input)).DefaultTimeout()).ExecutionId;
            await before.Started.Task.DefaultTimeout();
            Assert.Equal(ExecutionState.Pending, (await engine.GetExecutionAsync(second).DefaultTimeout())!.State);
        }

        var after = new GatedDispatcher();
        await using (var store = new SqliteExecutionStore(new SqliteStoreOptions { Path = database }))
        {
            await using var engine = NewEngine(store, after);
            await engine.StartAsync().DefaultTimeout();
            await after.Started.Task.DefaultTimeout();

            var queued = (await engine.GetExecutionAsync(second).DefaultTimeout())!;
            Assert.Equal(ExecutionState.Pending, queued.State);
            Assert.Equal(FlowWaitKind.ConcurrencyKey, queued.FlowWait.Kind);
            Assert.Equal("concurrency key 'acme' is full (1 of 1 running)", queued.FlowWait.Reason);
            Assert.Equal(ExecutionState.Running, (await engine.GetExecutionAsync(first).DefaultTimeout())!.State);

            after.Release.TrySetResult();
            await AsyncTestHelpers.WaitUntilAsync(
                async () => (await engine.GetExecutionAsync(second))!.State == ExecutionState.Succeeded,
                "the queued execution ran once the first one finished");
            Assert.Equal(ExecutionState.Succeeded, (await engine.GetExecutionAsync(first).DefaultTimeout())!.State);

            var events = new List<ExecutionEvent>();
            await foreach (var e in store.ReadEventsAsync(second, 1))
            {
                events.Add(e);
            }

            Assert.Single(events, e => e.ExecutionQueued is not null);
        }
    }

    private static WorkflowEngine NewEngine(SqliteExecutionStore store, IStepDispatcher dispatcher)
        => new(
            store,
            dispatcher,
            Microsoft.Extensions.Options.Options.Create(new EngineOptions()),
            TimeProvider.System,
            NullLoggerFactory.Instance,
            new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>(),
            new Random(1));

    /// <summary>Runs every attempt until <see cref="Release"/> is set (or the engine cancels it).</summary>
    private sealed class GatedDispatcher : IStepDispatcher
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public event EventHandler? CapacityAvailable
        {
            add { }
            remove { }
        }

        public bool HasCapacity(string stepType) => true;

        public async ValueTask<StepAttemptResult> DispatchAsync(StepAttemptRequest request, CancellationToken cancellationToken = default)
        {
            Started.TrySetResult();
            await Release.Task.WaitAsync(cancellationToken);
            return StepAttemptResult.Success(new Struct());
        }
    }
}
