using System.Text.Json;
using GrpcWorkflows.Executor;

namespace GrpcWorkflows.TestExecutor;

/// <summary>
/// Appends one JSON line per delivery to a file (when one is given): time, pid, execution,
/// step, type, attempt, idempotency key, outcome (<c>succeeded</c>, <c>failed</c>, <c>cancelled</c>).
/// </summary>
public sealed class DeliveryLog : IDisposable
{
    private readonly StreamWriter? _writer;
    private readonly Lock _gate = new();

    /// <summary>Opens <paramref name="path"/> for appending, or logs nothing when it is null.</summary>
    public DeliveryLog(string? path)
    {
        if (!string.IsNullOrWhiteSpace(path))
        {
            var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            _writer = new StreamWriter(stream) { AutoFlush = true };
        }
    }

    /// <summary>Records one delivery's outcome.</summary>
    public void Write(StepContext context, string outcome, string? code = null)
    {
        if (_writer is null)
        {
            return;
        }

        var line = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["time"] = DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["pid"] = Environment.ProcessId,
            ["execution_id"] = context.ExecutionId,
            ["step_id"] = context.StepId,
            ["step_type"] = context.StepType,
            ["attempt"] = context.Attempt,
            ["idempotency_key"] = context.IdempotencyKey,
            ["outcome"] = outcome,
            ["code"] = code,
        });
        lock (_gate)
        {
            _writer.WriteLine(line);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _writer?.Dispose();
        }
    }
}
