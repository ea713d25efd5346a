using GrpcWorkflows.Storage.Postgres;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Replicas.Tests;

/// <summary>What the shared database holds after a run, read with a store of its own.</summary>
internal static class StoredLogs
{
    /// <summary>
    /// Checks every execution's log: sequences 1..n without a gap or a repeat, no step with two recorded
    /// successes, the execution SUCCEEDED with <paramref name="stepCounts"/> steps succeeded. Returns the logs.
    /// </summary>
    public static async Task<Dictionary<string, List<ExecutionEvent>>> AssertAllSucceededOnceAsync(string connectionString, string schema, IReadOnlyDictionary<string, int> stepCounts)
    {
        await using var store = new PostgresExecutionStore(new PostgresStoreOptions { ConnectionString = connectionString, Schema = schema });
        var logs = new Dictionary<string, List<ExecutionEvent>>(StringComparer.Ordinal);
        var doubleSuccesses = new List<string>();
        foreach (var (executionId, steps) in stepCounts)
        {
            var events = new List<ExecutionEvent>();
            await foreach (var @event in store.ReadEventsAsync(executionId, 1))
            {
                events.Add(@event);
            }

            Assert.Equal(Enumerable.Range(1, events.Count).Select(n => (long)n), events.Select(e => e.Sequence));
            var successes = events.Where(e => e.KindCase == ExecutionEvent.KindOneofCase.StepSucceeded).GroupBy(e => e.StepSucceeded.StepId).ToList();
            doubleSuccesses.AddRange(successes.Where(g => g.Count() > 1).Select(g => $"{executionId}/{g.Key} x{g.Count()}"));
            Assert.Equal(steps, successes.Count);
            var record = await store.GetAsync(executionId);
            Assert.True(record!.State == ExecutionState.Succeeded, $"{executionId} is {record.State}.");
            logs[executionId] = events;
        }

        Assert.True(doubleSuccesses.Count == 0, $"Steps with two recorded successes: {string.Join(", ", doubleSuccesses)}");
        return logs;
    }
}
