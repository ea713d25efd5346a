using System.Diagnostics;
using System.Globalization;

namespace GrpcWorkflows.Bench;

/// <summary>
/// Runs a peer engine's benchmark script for one scenario (<c>script S1</c>), in the same sitting as the
/// scenarios it is compared with; the script prints <c>name scenario steps_per_s wall_s [extra]</c>.
/// </summary>
internal static class PeerRun
{
    /// <summary>The peer's row, or null (with the reason on stderr) when the script failed.</summary>
    public static async Task<BenchResult?> RunAsync(string script, string scenario)
    {
        var info = new ProcessStartInfo(script, [scenario]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{script} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var line = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? string.Empty;
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (process.ExitCode != 0 || fields.Length < 4
            || !double.TryParse(fields[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var rate)
            || !double.TryParse(fields[3], NumberStyles.Float, CultureInfo.InvariantCulture, out var wall))
        {
            Console.Error.WriteLine($"{script} {scenario} failed (exit {process.ExitCode}): {line} {await errors}");
            return null;
        }

        return new BenchResult(scenario, fields[0], "in-process", "peer", 0, rate, "steps/s", null, wall, null, null, "-", string.Join(' ', fields.Skip(4)));
    }
}
