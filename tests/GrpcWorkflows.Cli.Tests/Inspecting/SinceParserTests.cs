using GrpcWorkflows.Cli.Inspecting;

namespace GrpcWorkflows.Cli.Tests.Inspecting;

public sealed class SinceParserTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("90s", "2026-12-01T11:58:30Z")]
    [InlineData("15m", "2026-12-01T11:45:00Z")]
    [InlineData("2h", "2026-12-01T10:00:00Z")]
    [InlineData("1.5d", "2026-11-30T00:00:00Z")]
    [InlineData("2026-11-30", "2026-11-30T00:00:00Z")]
    [InlineData("2026-11-30T08:00:00Z", "2026-11-30T08:00:00Z")]
    public void Parse_AgeOrTime_GivesTheEarliestCreationTime(string text, string expected)
    {
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), SinceParser.Parse(text, Now));
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("5w")]
    [InlineData("-2h")]
    public void Parse_Neither_IsNull(string text)
    {
        Assert.Null(SinceParser.Parse(text, Now));
    }
}
