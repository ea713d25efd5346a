namespace GrpcWorkflows.Bench;

/// <summary>Percentiles of a sample (nearest-rank).</summary>
internal static class Stats
{
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }

    public static (double P50, double P99) P50P99(List<double> values)
    {
        values.Sort();
        return (Percentile(values, 50), Percentile(values, 99));
    }
}
