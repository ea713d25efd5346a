using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Commands;
using GrpcWorkflows.Engine.Secrets;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace GrpcWorkflows.Engine.Tests.Infrastructure;

/// <summary>An engine on a fake clock, an in-memory store and a scripted dispatcher.</summary>
internal sealed class EngineHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The seed of the retry jitter, logged by every harness so that a failing run can be repeated.</summary>
    public static readonly int JitterSeed = Environment.GetEnvironmentVariable("GWF_TEST_SEED") is { } seed ? int.Parse(seed, System.Globalization.CultureInfo.InvariantCulture) : 12345;

    public EngineHarness(Func<ExecuteStepRequest, AttemptScript>? script = null, Action<EngineOptions>? configure = null, InMemoryExecutionStore? store = null, FakeTimeProvider? time = null, Func<IExecutionStore, IExecutionStore>? wrapStore = null, ISecretProvider? secrets = null)
    {
        Time = time ?? new FakeTimeProvider(Epoch);
        Store = store ?? new InMemoryExecutionStore(Time);
        Dispatcher = new ScriptedDispatcher(Time, script);
        Options = new EngineOptions();
        configure?.Invoke(Options);
        Engine = new WorkflowEngine(wrapStore?.Invoke(Store) ?? Store, Dispatcher, Microsoft.Extensions.Options.Options.Create(Options), Time, NullLoggerFactory.Instance, Meters, new Random(JitterSeed), secrets: secrets);
    }

    public FakeTimeProvider Time { get; }

    public TestMeterFactory Meters { get; } = new();

    public InMemoryExecutionStore Store { get; }

    public ScriptedDispatcher Dispatcher { get; }

    public EngineOptions Options { get; }

    public WorkflowEngine Engine { get; }

    public static async Task<EngineHarness> StartAsync(Func<ExecuteStepRequest, AttemptScript>? script = null, Action<EngineOptions>? configure = null, ISecretProvider? secrets = null)
    {
        var harness = new EngineHarness(script, configure, secrets: secrets);
        await harness.Engine.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return harness;
    }

    public async Task<string> SubmitAsync(WorkflowDefinition definition, Struct? input = null)
    {
        var created = await Engine.SubmitAsync(new SubmitExecution(definition, input ?? new Struct())).WaitAsync(TimeSpan.FromSeconds(30));
        return created.ExecutionId;
    }

    /// <summary>Advances the fake clock in small ticks until no execution is active.</summary>
    public Task RunUntilIdleAsync(int tickMilliseconds = 1, TimeSpan? virtualLimit = null)
        => RunUntilAsync(() => Engine.ActiveExecutionCount == 0, tickMilliseconds, virtualLimit);

    /// <summary>Advances the fake clock in small ticks until <paramref name="done"/> holds.</summary>
    public async Task RunUntilAsync(Func<bool> done, int tickMilliseconds = 1, TimeSpan? virtualLimit = null)
    {
        var wall = Stopwatch.StartNew();
        var start = Time.GetUtcNow();
        var limit = virtualLimit ?? TimeSpan.FromHours(1);
        var ticks = 0;
        while (!done())
        {
            if (wall.Elapsed > TimeSpan.FromSeconds(60) || Time.GetUtcNow() - start > limit)
            {
                throw new TimeoutException($"Not done after {wall.Elapsed} wall time and {Time.GetUtcNow() - start} virtual time; {Engine.ActiveExecutionCount} active, {Dispatcher.InFlight} in flight.");
            }

            Advance(TimeSpan.FromMilliseconds(tickMilliseconds));
            if (++ticks % 64 == 0 || Dispatcher.InFlight == 0)
            {
                await Task.Yield();
            }
        }
    }

    /// <summary>
    /// Advances the fake clock with no SynchronizationContext, so that the continuations of what
    /// becomes due run inline (xunit's context would make them asynchronous) and everything due at
    /// that instant is settled when Advance returns.
    /// </summary>
    public void Advance(TimeSpan delta)
    {
        var context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            Time.Advance(delta);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }
    }

    public async Task<Execution> GetAsync(string executionId)
        => (await Engine.GetExecutionAsync(executionId).WaitAsync(TimeSpan.FromSeconds(30)))!;

    public async Task<List<ExecutionEvent>> EventsAsync(string executionId)
    {
        var events = new List<ExecutionEvent>();
        await foreach (var e in Store.ReadEventsAsync(executionId, 1))
        {
            events.Add(e);
        }

        return events;
    }

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync();
        Meters.Dispose();
    }
}
