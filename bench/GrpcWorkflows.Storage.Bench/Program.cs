using System.Diagnostics;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Storage.Postgres;
using GrpcWorkflows.Storage.Postgres.Local;
using GrpcWorkflows.Storage.Sqlite;
using GrpcWorkflows.V1;

// Usage: dotnet run -c Release --project bench/GrpcWorkflows.Storage.Bench -- [--seconds 3] [--writers 1,20,100] [--synchronous Normal] [--postgres CONNSTR | --no-postgres]
// With neither --postgres nor --no-postgres, a throwaway PostgreSQL server (durable settings) is started for the run.
// Each writer runs three-step workflows against the store the way the engine does: create, then
// one append per state change (started; ready+attempt; success; ... finished), awaiting each.
var seconds = double.Parse(Option("--seconds", "3"), CultureInfo.InvariantCulture);
var writerCounts = Option("--writers", "1,20,100").Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture)).ToArray();
var synchronous = System.Enum.Parse<SqliteSynchronous>(Option("--synchronous", "Normal"), ignoreCase: true);
await using var throwaway = args.Contains("--no-postgres") || args.Contains("--postgres") ? null : await ThrowawayPostgresServer.StartAsync(durable: true);
var postgres = args.Contains("--no-postgres") ? null : Option("--postgres", throwaway?.ConnectionString ?? string.Empty);

Console.WriteLine($"# Execution store bench: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
Console.WriteLine($"# {seconds} s per run, SQLite synchronous={synchronous} (WAL), three-step workflows, one append per state change");
Console.WriteLine();
Console.WriteLine("| writers | memory appends/s | sqlite appends/s | sqlite/memory | sqlite events/s | events per commit | appends per commit | postgres appends/s | postgres/sqlite | postgres appends per round trip |");
Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");

var folder = Directory.CreateTempSubdirectory("grpcworkflows-bench-").FullName;
try
{
    // Warm-up: JIT both paths.
    await RunAsync(new InMemoryExecutionStore(TimeProvider.System), writers: 4, TimeSpan.FromSeconds(0.5));
    await using (var warm = new SqliteExecutionStore(new SqliteStoreOptions { Path = Path.Combine(folder, "warm.db"), Synchronous = synchronous }))
    {
        await RunAsync(warm, writers: 4, TimeSpan.FromSeconds(0.5));
    }

    foreach (var writers in writerCounts)
    {
        var memory = await RunAsync(new InMemoryExecutionStore(TimeProvider.System), writers, TimeSpan.FromSeconds(seconds));
        await using var sqlite = new SqliteExecutionStore(new SqliteStoreOptions { Path = Path.Combine(folder, $"bench-{writers}.db"), Synchronous = synchronous });
        var result = await RunAsync(sqlite, writers, TimeSpan.FromSeconds(seconds));
        var statistics = sqlite.Statistics;
        var postgresColumns = " - | - | - |";
        if (!string.IsNullOrEmpty(postgres))
        {
            await using var store = new PostgresExecutionStore(new PostgresStoreOptions { ConnectionString = postgres, Schema = $"bench_{writers}_{Guid.NewGuid():N}" });
            await RunAsync(store, writers: 4, TimeSpan.FromSeconds(0.5));
            var warm = store.Statistics;
            var onPostgres = await RunAsync(store, writers, TimeSpan.FromSeconds(seconds));
            var done = store.Statistics;
            postgresColumns = string.Create(CultureInfo.InvariantCulture,
                $" {onPostgres.AppendsPerSecond:N0} | {onPostgres.AppendsPerSecond / result.AppendsPerSecond:P0} | {(double)(done.Writes - warm.Writes) / (done.RoundTrips - warm.RoundTrips):N1} |");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {writers} | {memory.AppendsPerSecond:N0} | {result.AppendsPerSecond:N0} | {result.AppendsPerSecond / memory.AppendsPerSecond:P0} | {result.EventsPerSecond:N0} | {statistics.EventsPerBatch:N1} | {statistics.WritesPerBatch:N1} |{postgresColumns}"));
    }
}
finally
{
    Directory.Delete(folder, recursive: true);
}

static async Task<(double AppendsPerSecond, double EventsPerSecond)> RunAsync(IExecutionStore store, int writers, TimeSpan duration)
{
    var stopwatch = Stopwatch.StartNew();
    var counts = await Task.WhenAll(Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
    {
        long appends = 0, events = 0, workflow = 0;
        while (stopwatch.Elapsed < duration)
        {
            var id = $"w{writer}-{workflow++}-{Guid.NewGuid():N}";
            var sequence = 1L;
            await store.CreateAsync(Submitted(id));
            appends++;
            events++;
            await Append([Event(id, ++sequence, e => e.Started = new ExecutionStarted())]);
            foreach (var step in Steps)
            {
                await Append([
                    Event(id, ++sequence, e => e.StepReady = new StepReady { StepId = step }),
                    Event(id, ++sequence, e => e.AttemptStarted = new StepAttemptStarted { StepId = step, Attempt = 1, IdempotencyKey = $"{id}/{step}/1" }),
                ]);
                await Append([Event(id, ++sequence, e => e.StepSucceeded = new StepSucceeded { StepId = step, Attempt = 1, Output = Output })]);
            }

            await Append([Event(id, ++sequence, e => e.Finished = new ExecutionFinished { State = ExecutionState.Succeeded })]);

            async Task Append(ExecutionEvent[] batch)
            {
                await store.AppendAsync(id, batch);
                appends++;
                events += batch.Length;
            }
        }

        return (appends, events);
    }))).ConfigureAwait(false);
    var elapsed = stopwatch.Elapsed.TotalSeconds;
    return (counts.Sum(c => c.appends) / elapsed, counts.Sum(c => c.events) / elapsed);
}

static ExecutionEvent Submitted(string id)
{
    var definition = new WorkflowDefinition { Id = "bench" };
    string? previous = null;
    foreach (var step in Steps)
    {
        var definitionStep = new StepDefinition { Type = "noop" };
        if (previous is not null)
        {
            definitionStep.DependsOn.Add(previous);
        }

        definition.Steps.Add(step, definitionStep);
        previous = step;
    }

    return Event(id, 1, e => e.Submitted = new ExecutionSubmitted { Definition = definition, Input = Output });
}

static ExecutionEvent Event(string id, long sequence, Action<ExecutionEvent> kind)
{
    var @event = new ExecutionEvent { ExecutionId = id, Sequence = sequence, Time = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) };
    kind(@event);
    return @event;
}

string Option(string name, string fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
}

internal static partial class Program
{
    private static readonly string[] Steps = ["a", "b", "c"];
    private static readonly Struct Output = new() { Fields = { ["value"] = Value.ForNumber(1) } };
}
