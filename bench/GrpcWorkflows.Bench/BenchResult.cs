namespace GrpcWorkflows.Bench;

/// <summary>One row of the result table.</summary>
internal sealed record BenchResult(
    string Scenario,
    string Store,
    string Mode,
    string Size,
    int Concurrency,
    double Rate,
    string RateUnit,
    double? RatioToRaw,
    double WallSeconds,
    double? P50Ms,
    double? P99Ms,
    string LatencyMeaning,
    string Notes);
