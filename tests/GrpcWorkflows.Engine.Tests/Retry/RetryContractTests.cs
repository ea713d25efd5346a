using System.Reflection;
using System.Text.RegularExpressions;
using GrpcWorkflows.Engine.Retry;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Tests.Retry;

/// <summary>
/// The retry contract is stated once in code (<see cref="RetryClassification"/>); the proto comment and
/// the two docs that show the table must say the same, code by code.
/// </summary>
public sealed partial class RetryContractTests
{
    private static readonly string Root = typeof(RetryContractTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!.TrimEnd('/');

    public static TheoryData<string> Documents => new() { "docs/definition-format.md", "docs/tutorial.md", "protos/grpcworkflows/v1/executor.proto" };

    [Theory]
    [MemberData(nameof(Documents))]
    public void RetryTable_InDocument_EqualsTheCodesClassification(string document)
    {
        var table = ReadTable(Path.Combine(Root, document));

        var expected = RetryClassification.StatusCodeRetried.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={(p.Value ? "retried" : "not retried")}");
        var actual = table.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={(p.Value ? "retried" : "not retried")}");
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void RetryTable_EveryGrpcStatusButOk_IsClassified()
    {
        var codes = Enum.GetNames<Grpc.Core.StatusCode>().Where(n => n != "OK").Select(n => Regex.Replace(n, "(?<=[a-z])(?=[A-Z])", "_").ToUpperInvariant());

        Assert.Equal(codes.Order(StringComparer.Ordinal), RetryClassification.StatusCodeRetried.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("INVALID_ARGUMENT", true, true)]
    [InlineData("UNAVAILABLE", false, false)]
    [InlineData("my-provider-quota", true, true)]
    [InlineData("my-provider-quota", false, false)]
    public void ShouldRetry_InBandError_TheFlagDecidesWhateverTheCode(string code, bool retryable, bool expected)
    {
        Assert.Equal(expected, RetryClassification.ShouldRetry(new StepError { Code = code, Retryable = retryable }, new HashSet<string>()));
    }

    [Fact]
    public void ShouldRetry_CodeListedAsNonRetryable_IsNotRetriedEvenWhenFlagged()
    {
        Assert.False(RetryClassification.ShouldRetry(new StepError { Code = "UNAVAILABLE", Retryable = true }, new HashSet<string> { "UNAVAILABLE" }));
    }

    [Theory]
    [InlineData("UNKNOWN", true)]
    [InlineData("INTERNAL", true)]
    [InlineData("NOT_FOUND", false)]
    [InlineData("NOT_A_CODE", false)]
    public void FromStatus_Code_FlagFromTheTable(string code, bool retried)
    {
        Assert.Equal(retried, RetryClassification.FromStatus(code, "m").Retryable);
    }

    /// <summary>Reads the rows between the <c>retry-table:begin</c> and <c>retry-table:end</c> markers.</summary>
    private static Dictionary<string, bool> ReadTable(string path)
    {
        var lines = File.ReadAllLines(path);
        var begin = Array.FindIndex(lines, l => l.Contains("retry-table:begin", StringComparison.Ordinal));
        var end = Array.FindIndex(lines, l => l.Contains("retry-table:end", StringComparison.Ordinal));
        Assert.True(begin >= 0 && end > begin, $"{path} has no retry-table:begin ... retry-table:end block.");
        var table = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var line in lines[(begin + 1)..end])
        {
            var row = MarkdownRow().Match(line) is { Success: true } markdown ? markdown : ProtoRow().Match(line);
            if (!row.Success)
            {
                continue;
            }

            var retried = row.Groups["answer"].Value is "yes" or "retried";
            Assert.True(table.TryAdd(row.Groups["code"].Value, retried), $"{path} lists {row.Groups["code"].Value} twice.");
        }

        return table;
    }

    [GeneratedRegex(@"^\|\s*`(?<code>[A-Z_]+)`[^|]*\|\s*(?<answer>yes|no)\s*\|")]
    private static partial Regex MarkdownRow();

    [GeneratedRegex(@"^//\s+(?<code>[A-Z_]+)\s+(?<answer>retried|not retried)\b")]
    private static partial Regex ProtoRow();
}
