namespace GrpcWorkflows.Engine.Tests;

public sealed class EngineOptionsValidatorTests
{
    private readonly EngineOptionsValidator _validator = new();

    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        Assert.True(_validator.Validate(null, new EngineOptions()).Succeeded);
    }

    [Fact]
    public void Validate_ZeroParallelismAndBadRetryPolicy_NamesEverySettingToChange()
    {
        var options = new EngineOptions { MaxParallelSteps = 0, MaxActiveExecutions = -1, StartRecordDelay = TimeSpan.FromMinutes(1) };
        options.DefaultRetryPolicy.BackoffMultiplier = 0.5;
        options.DefaultRetryPolicy.Jitter = 2;
        options.DefaultRetryPolicy.MaxBackoff = TimeSpan.FromMilliseconds(1);
        options.Limits.MaxSteps = 0;

        var result = _validator.Validate(null, options);

        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Contains(failures, f => f.StartsWith("Engine:MaxParallelSteps", StringComparison.Ordinal) && f.Contains("it is 0", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Engine:MaxActiveExecutions", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Engine:DefaultRetryPolicy:BackoffMultiplier", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Engine:DefaultRetryPolicy:Jitter", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Engine:DefaultRetryPolicy:MaxBackoff", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Engine:Limits:MaxSteps", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Engine:StartRecordDelay", StringComparison.Ordinal) && f.Contains("00:01:00", StringComparison.Ordinal));
        Assert.Equal(7, failures.Count);
    }
}
