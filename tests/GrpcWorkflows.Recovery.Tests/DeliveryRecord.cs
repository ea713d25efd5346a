using System.Text.Json;

namespace GrpcWorkflows.Recovery.Tests;

/// <summary>One line of the test executor's <c>--log</c> file: a delivery of an attempt and how it ended.</summary>
internal sealed record DeliveryRecord(DateTimeOffset Time, string ExecutionId, string StepId, int Attempt, string IdempotencyKey, string Outcome)
{
    public static IReadOnlyList<DeliveryRecord> ReadAll(string path)
    {
        var records = new List<DeliveryRecord>();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var json = JsonDocument.Parse(line).RootElement;
            records.Add(new DeliveryRecord(
                DateTimeOffset.Parse(json.GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
                json.GetProperty("execution_id").GetString()!,
                json.GetProperty("step_id").GetString()!,
                json.GetProperty("attempt").GetInt32(),
                json.GetProperty("idempotency_key").GetString()!,
                json.GetProperty("outcome").GetString()!));
        }

        return records;
    }
}
