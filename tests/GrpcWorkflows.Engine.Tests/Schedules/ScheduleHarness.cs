using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Schedules;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Engine.Tests.Infrastructure;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrpcWorkflows.Engine.Tests.Schedules;

/// <summary>An engine and its scheduler on a fake clock and an in-memory store, with a stored workflow <c>job</c> of one step.</summary>
internal sealed class ScheduleHarness : IAsyncDisposable
{
    private ScheduleHarness(EngineHarness engine)
    {
        Engine = engine;
        Store = new InterferingScheduleStore(engine.Store);
        Scheduler = NewScheduler();
    }

    /// <summary>The schedule store the scheduler uses: the engine's in-memory store, with hooks to interfere.</summary>
    public InterferingScheduleStore Store { get; }

    public EngineHarness Engine { get; }

    /// <summary>The running scheduler; <see cref="RestartSchedulerAsync"/> replaces it, as an orchestrator restart would.</summary>
    public Scheduler Scheduler { get; private set; }

    public DateTimeOffset Now => Engine.Time.GetUtcNow();

    /// <summary>An engine whose <c>job</c> step takes <paramref name="stepSeconds"/> of virtual time, with its scheduler started.</summary>
    public static async Task<ScheduleHarness> StartAsync(double stepSeconds = 1, DateTimeOffset? epoch = null)
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(epoch ?? EngineHarness.Epoch);
        var engine = new EngineHarness(_ => AttemptScript.Succeed((int)(stepSeconds * 1000)), time: time);
        await engine.Engine.StartAsync().DefaultTimeout();
        var definition = Workflows.Define(Workflows.S("work"));
        definition.Id = "job";
        await engine.Engine.RegisterWorkflowAsync("default", definition).DefaultTimeout();
        var harness = new ScheduleHarness(engine);
        await harness.Scheduler.StartAsync().DefaultTimeout();
        return harness;
    }

    /// <summary>A schedule of the stored workflow <c>job</c>: every minute unless told otherwise.</summary>
    public static Schedule Every(string cron = "* * * * *", ScheduleOverlapPolicy overlap = ScheduleOverlapPolicy.Skip, string id = "every-minute") => new()
    {
        ScheduleId = id,
        WorkflowRef = new WorkflowReference { Id = "job" },
        Cron = cron,
        OverlapPolicy = overlap,
        Input = Workflows.Json("""{"from":"schedule"}"""),
    };

    public Task<Schedule> CreateAsync(Schedule schedule) => Scheduler.CreateAsync("default", schedule).DefaultTimeout();

    /// <summary>Moves the fake clock forward in ticks, letting the scheduler run one pass after each tick.</summary>
    public async Task RunAsync(TimeSpan span, double tickSeconds = 1)
    {
        var end = Now + span;
        while (Now < end)
        {
            var step = TimeSpan.FromSeconds(tickSeconds);
            Engine.Advance(end - Now < step ? end - Now : step);
            await Scheduler.PassAsync(Now).DefaultTimeout();
        }
    }

    /// <summary>Stops the scheduler (the orchestrator is down) without moving the clock.</summary>
    public Task StopSchedulerAsync() => Scheduler.StopAsync().DefaultTimeout();

    /// <summary>Starts a new scheduler on the same store (the orchestrator started again) and lets it run one pass.</summary>
    public async Task RestartSchedulerAsync()
    {
        await Scheduler.DisposeAsync();
        Scheduler = NewScheduler();
        await Scheduler.StartAsync().DefaultTimeout();
        await Scheduler.PassAsync(Now).DefaultTimeout();
    }

    public async Task<Schedule> GetAsync(string id = "every-minute")
        => (await Scheduler.GetAsync("default", id).DefaultTimeout())!;

    /// <summary>The executions the schedule started, by scheduled time, with their full state.</summary>
    public async Task<List<Execution>> ExecutionsAsync(string id = "every-minute")
    {
        var page = await Engine.Engine.ListExecutionsAsync(new ExecutionQuery(1000, null, [], null)
        {
            Labels = new Dictionary<string, string> { [Scheduler.ScheduleLabel] = id },
        }).DefaultTimeout();
        var executions = new List<Execution>();
        foreach (var record in page.Items)
        {
            executions.Add(await Engine.GetAsync(record.ExecutionId));
        }

        return [.. executions.OrderBy(e => e.ScheduleTime.ToDateTimeOffset())];
    }

    /// <summary>The scheduled times of the schedule's executions, as offsets from the epoch.</summary>
    public async Task<List<TimeSpan>> FiredAsync(string id = "every-minute")
        => [.. (await ExecutionsAsync(id)).Select(e => e.ScheduleTime.ToDateTimeOffset() - EngineHarness.Epoch)];

    public static Timestamp At(TimeSpan offset) => Timestamp.FromDateTimeOffset(EngineHarness.Epoch + offset);

    public static TimeSpan Minutes(double minutes) => TimeSpan.FromMinutes(minutes);

    public async ValueTask DisposeAsync()
    {
        await Scheduler.DisposeAsync();
        await Engine.DisposeAsync();
    }

    private Scheduler NewScheduler() => new(Store, Engine.Engine, Engine.Time, NullLoggerFactory.Instance);
}
