using System.Text.Json.Nodes;

namespace GrpcWorkflows.Plugins.Ai.Analysis;

/// <summary>Summary statistics of numbers: count, min, max, sum, mean, median and population standard deviation.</summary>
internal static class NumericStatistics
{
    public static JsonObject Describe(IReadOnlyList<double> numbers)
    {
        var sorted = numbers.Order().ToArray();
        var sum = sorted.Sum();
        var mean = sum / sorted.Length;
        var variance = sorted.Sum(n => (n - mean) * (n - mean)) / sorted.Length;
        var middle = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return new JsonObject
        {
            ["count"] = sorted.Length,
            ["min"] = sorted[0],
            ["max"] = sorted[^1],
            ["sum"] = Round(sum),
            ["mean"] = Round(mean),
            ["median"] = Round(median),
            ["stddev"] = Round(Math.Sqrt(variance)),
        };
    }

    /// <summary>Six decimals: enough for data, free of binary-fraction noise such as 0.30000000000000004.</summary>
    public static double Round(double value) => Math.Round(value, 6, MidpointRounding.AwayFromZero);
}
