using System.Globalization;
using System.Text.RegularExpressions;

namespace GrpcWorkflows.Cli.Inspecting;

/// <summary>Reads <c>--since</c>: an age (<c>90s</c>, <c>15m</c>, <c>2h</c>, <c>7d</c>) or a date and time (<c>2026-11-30</c>, <c>2026-11-30T08:00:00Z</c>).</summary>
internal static partial class SinceParser
{
    /// <summary>The earliest creation time meant, or null when <paramref name="text"/> is neither form.</summary>
    public static DateTimeOffset? Parse(string text, DateTimeOffset now)
    {
        var match = Age().Match(text.Trim());
        if (match.Success)
        {
            var amount = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
            var unit = match.Groups["unit"].Value switch
            {
                "s" => TimeSpan.FromSeconds(1),
                "m" => TimeSpan.FromMinutes(1),
                "h" => TimeSpan.FromHours(1),
                _ => TimeSpan.FromDays(1),
            };
            return now - (unit * amount);
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;
    }

    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)(?<unit>[smhd])$")]
    private static partial Regex Age();
}
