using System.Text.Json;
using System.Text.Json.Nodes;
using GrpcWorkflows.Executor;

namespace GrpcWorkflows.Plugins.Process.Rules;

/// <summary>
/// What one <c>process</c> step may spend: its rules may not add more than <see cref="MaxDataBytes"/> to the data (a <c>set</c>
/// copying an object into itself doubles it per rule: 621 bytes became 32 MiB with 15 rules) and no more than
/// <see cref="MaxOperations"/> rules may be applied (nested rules once per item). Both fail the step with
/// <c>RESOURCE_EXHAUSTED</c>, naming the rule.
/// </summary>
/// <remarks>
/// The budget of the step running on this thread is <see cref="Current"/>: the handler runs its rules
/// synchronously, so rules reach it without every rule's signature carrying it.
/// </remarks>
internal sealed class RuleBudget
{
    /// <summary>The most a step's rules may add to its data, as JSON text: 4 MiB, the orchestrator's default payload limit.</summary>
    public const long MaxDataBytes = 4 * 1024 * 1024;

    /// <summary>The most rule applications one step may make.</summary>
    public const long MaxOperations = 1_000_000;

    /// <summary>The most rules one <c>rules</c> list may hold.</summary>
    public const int MaxRules = 256;

    [ThreadStatic]
    private static RuleBudget? t_current;

    private long _bytes;
    private long _operations;

    /// <summary>The budget of the step running on this thread, or null outside a step.</summary>
    public static RuleBudget? Current => t_current;

    /// <summary>Starts the budget of the step running on this thread; dispose to end it.</summary>
    public static Scope Begin()
    {
        t_current = new RuleBudget();
        return default;
    }

    /// <summary>Counts one rule application.</summary>
    public void Tick(Rule rule)
    {
        if (++_operations > MaxOperations)
        {
            throw StepFailedException.NonRetryable("RESOURCE_EXHAUSTED", $"{rule.Location} ({rule.Type}): more than {MaxOperations} rule applications in one step (nested rules count once per item).");
        }
    }

    /// <summary>Counts <paramref name="value"/>, added to the data by <paramref name="rule"/>.</summary>
    public void Grow(JsonNode? value, Rule rule)
    {
        _bytes += Measure(value, MaxDataBytes - _bytes + 1);
        CheckBytes($"{rule.Location} ({rule.Type})");
    }

    /// <summary>The size of <paramref name="node"/> as JSON text, counted up to <paramref name="limit"/> (then <paramref name="limit"/>).</summary>
    public static long Measure(JsonNode? node, long limit)
    {
        long size = 0;
        Walk(node, ref size, limit);
        return Math.Min(size, limit);
    }

    private static void Walk(JsonNode? node, ref long size, long limit)
    {
        if (size >= limit)
        {
            return;
        }

        switch (node)
        {
            case null:
                size += 4;
                break;
            case JsonObject obj:
                size += 2;
                foreach (var (name, value) in obj)
                {
                    size += name.Length + 4;
                    Walk(value, ref size, limit);
                    if (size >= limit)
                    {
                        return;
                    }
                }

                break;
            case JsonArray array:
                size += 2;
                foreach (var item in array)
                {
                    size += 1;
                    Walk(item, ref size, limit);
                    if (size >= limit)
                    {
                        return;
                    }
                }

                break;
            case JsonValue value:
                size += value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>().Length + 2 : 8;
                break;
        }
    }

    private void CheckBytes(string what)
    {
        if (_bytes > MaxDataBytes)
        {
            throw StepFailedException.NonRetryable("RESOURCE_EXHAUSTED", $"{what}: the rules would add more than {MaxDataBytes / (1024 * 1024)} MiB to the step's data.");
        }
    }

    /// <summary>Ends the budget of the step on this thread.</summary>
    public readonly struct Scope : IDisposable
    {
        /// <inheritdoc />
        public void Dispose() => t_current = null;
    }
}
