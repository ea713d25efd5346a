using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace GrpcWorkflows.Bench;

/// <summary>Writes the results as a markdown table (stdout) and as JSON.</summary>
internal static partial class Report
{
    [GeneratedRegex(@"orchestrator CPU ([\d,]+) µs/step")]
    private static partial Regex CpuPerStep();

    [GeneratedRegex(@"executor CPU ([\d,]+) µs/step")]
    private static partial Regex ExecutorCpuPerStep();

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static void Write(TextWriter writer, BenchSettings settings, IReadOnlyList<BenchResult> results)
    {
        var c = CultureInfo.InvariantCulture;
        writer.WriteLine($"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}; sizes: {settings.SizesName}; SQLite synchronous={settings.SqliteSynchronous} (WAL)");
        writer.WriteLine();
        writer.WriteLine("| scenario | store | mode | size | concurrency | rate | ratio to S0 at that concurrency | wall (s) | p50 (ms) | p99 (ms) | latency is | notes |");
        writer.WriteLine("|---|---|---|---|---:|---:|---:|---:|---:|---:|---|---|");
        foreach (var r in results)
        {
            var ratio = r.RatioToRaw is { } value ? value.ToString("P0", c) : "-";
            writer.WriteLine(string.Create(c, $"| {r.Scenario} | {r.Store} | {r.Mode} | {r.Size} | {r.Concurrency} | {r.Rate:N0} {r.RateUnit} | {ratio} | {r.WallSeconds:N2} | {r.P50Ms:N2} | {r.P99Ms:N2} | {r.LatencyMeaning} | {r.Notes} |"));
        }

        foreach (var sqlite in results.Where(r => r.Store == "sqlite"))
        {
            var memory = results.FirstOrDefault(r => r.Scenario == sqlite.Scenario && r.Mode == sqlite.Mode && r.Store == "memory");
            if (memory is not null)
            {
                writer.WriteLine(string.Create(c, $"\n{sqlite.Scenario} ({sqlite.Mode}): SQLite runs at {sqlite.Rate / memory.Rate:P0} of the in-memory store's rate."));
            }
        }

        foreach (var connect in results.Where(r => r.Mode == "connect"))
        {
            var push = results.FirstOrDefault(r => r.Scenario == connect.Scenario && r.Store == connect.Store && r.Mode == "push");
            if (push is not null)
            {
                writer.WriteLine(string.Create(c, $"\n{connect.Scenario} on {connect.Store}: connect runs at {connect.Rate / push.Rate:P0} of push's rate."));
            }
        }

        WriteTargets(writer, results);
        foreach (var replicated in results.Where(r => r.Store.Contains(" x", StringComparison.Ordinal)))
        {
            var single = results.FirstOrDefault(r => r.Scenario == replicated.Scenario && r.Mode == replicated.Mode && r.Store == replicated.Store[..replicated.Store.IndexOf(" x", StringComparison.Ordinal)]);
            if (single is not null)
            {
                writer.WriteLine(string.Create(c, $"\n{replicated.Scenario}: {replicated.Store} runs at {replicated.Rate / single.Rate:P0} of {single.Store}'s (one replica) rate."));
            }
        }

        foreach (var postgres in results.Where(r => r.Store.StartsWith("postgres", StringComparison.Ordinal)))
        {
            var sqlite = results.FirstOrDefault(r => r.Scenario == postgres.Scenario && r.Store == "sqlite");
            var sqliteFull = results.FirstOrDefault(r => r.Scenario == postgres.Scenario && r.Store == "sqlite-full");
            var memory = results.FirstOrDefault(r => r.Scenario == postgres.Scenario && r.Store == "memory");
            var versus = string.Join(", ", new[] { (sqlite, "SQLite's (NORMAL)"), (sqliteFull, "SQLite's (FULL)"), (memory, "the in-memory store's") }
                .Where(other => other.Item1 is not null)
                .Select(other => string.Create(c, $"{postgres.Rate / other.Item1!.Rate:P0} of {other.Item2}")));
            if (versus.Length > 0)
            {
                writer.WriteLine(string.Create(c, $"\n{postgres.Scenario}: {postgres.Store} runs at {versus} rate."));
            }
        }
    }

    /// <summary>
    /// The figures the targets of issue #15 are stated in, per store, for connect mode: S1 and S2 as a share of S0 at
    /// the same concurrency (≥ 60 % in memory, ≥ 40 % with SQLite), S1's per-step overhead p50 (&lt; 0.5 ms in memory),
    /// the orchestrator's and the executor's CPU per step, and S1–S3 as a multiple of a peer run in the same sitting (≥ 3× in memory,
    /// ≥ 2× with SQLite at the peer sizes).
    /// </summary>
    private static void WriteTargets(TextWriter writer, IReadOnlyList<BenchResult> results)
    {
        var c = CultureInfo.InvariantCulture;
        var connect = results.Where(r => r.Mode == "connect").ToList();
        if (connect.Count == 0)
        {
            return;
        }

        var peers = results.Where(r => r.Mode == "in-process").ToList();
        var peerNames = peers.Select(p => p.Store).Distinct().ToList();
        writer.WriteLine();
        writer.WriteLine("Connect mode against the targets (ratio to S0 at the same concurrency; p50 per-step overhead or workflow latency; orchestrator's and executor's CPU per step; multiple of the peer's rate):");
        writer.WriteLine();
        writer.WriteLine("| store | scenario | rate | ratio to S0 | p50 (ms) | orchestrator CPU | executor CPU |" + string.Concat(peerNames.Select(name => $" × {name} |")));
        writer.WriteLine("|---|---|---:|---:|---:|---:|---:|" + string.Concat(peerNames.Select(_ => "---:|")));
        foreach (var r in connect)
        {
            var cpu = CpuPerStep().Match(r.Notes);
            var executorCpu = ExecutorCpuPerStep().Match(r.Notes);
            var multiples = peerNames.Select(name => peers.FirstOrDefault(p => p.Store == name && p.Scenario == r.Scenario) is { } peer ? (r.Rate / peer.Rate).ToString("0.0#", c) + "×" : "-");
            var ratio = r.RatioToRaw is { } value ? value.ToString("P0", c) : "-";
            writer.WriteLine(string.Create(c, $"| {r.Store} | {r.Scenario} | {r.Rate:N0} {r.RateUnit} | {ratio} | {r.P50Ms:N2} | {(cpu.Success ? cpu.Groups[1].Value + " µs/step" : "-")} | {(executorCpu.Success ? executorCpu.Groups[1].Value + " µs/step" : "-")} |") + string.Concat(multiples.Select(m => $" {m} |")));
        }
    }

    public static async Task WriteJsonAsync(string path, BenchSettings settings, IReadOnlyList<BenchResult> results)
    {
        var document = new
        {
            machine = new { cores = Environment.ProcessorCount, os = RuntimeInformation.OSDescription, dotnet = RuntimeInformation.FrameworkDescription },
            sizes = settings.SizesName,
            sqliteSynchronous = settings.SqliteSynchronous,
            results,
        };
        await using var stream = File.Create(path);
        await JsonSerializer.SerializeAsync(stream, document, JsonOptions);
    }
}
