using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using GrpcWorkflows.Executor;

namespace GrpcWorkflows.TestExecutor;

/// <summary>The step handlers of the test executor. Every delivery is recorded in the <see cref="DeliveryLog"/>.</summary>
public sealed class TestSteps(DeliveryLog deliveries)
{
    private readonly ConcurrentDictionary<string, int> _flakyCalls = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _cancelled = new();
    private readonly ConcurrentQueue<string> _started = new();
    private int _inFlight;
    private int _maxInFlight;

    /// <summary>The most <c>count</c> calls in flight at once in this process.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>Every delivery received, as <c>execution/step/attempt</c>.</summary>
    public IReadOnlyCollection<string> Started => _started;

    /// <summary>Every delivery whose call was cancelled, as <c>execution/step/attempt</c>.</summary>
    public IReadOnlyCollection<string> Cancelled => _cancelled;

    /// <summary>Kills its own process (SIGKILL) without answering: a step that crashes every executor it reaches.</summary>
    public ValueTask<Struct> CrashAsync(StepContext context, CancellationToken cancellationToken)
    {
        _started.Enqueue($"{context.ExecutionId}/{context.StepId}/{context.Attempt}");
        System.Diagnostics.Process.GetCurrentProcess().Kill();
        return ValueTask.FromResult(new Struct());
    }

    public ValueTask<Struct> NoopAsync(StepContext context, CancellationToken cancellationToken)
        => Logged(context, static (_, _) => ValueTask.FromResult(new Struct()), cancellationToken);

    public ValueTask<Struct> EchoAsync(StepContext context, CancellationToken cancellationToken)
        => Logged(context, static (c, _) =>
        {
            var output = c.Input.Clone();
            var dependencies = new Struct();
            foreach (var (id, dependencyOutput) in c.Dependencies)
            {
                dependencies.Fields[id] = Value.ForStruct(dependencyOutput);
            }

            output.Fields["dependencies"] = Value.ForStruct(dependencies);
            output.Fields["step_id"] = Value.ForString(c.StepId);
            return ValueTask.FromResult(output);
        }, cancellationToken);

    public ValueTask<Struct> SleepAsync(StepContext context, CancellationToken cancellationToken)
        => Logged(context, static async (c, ct) =>
        {
            var ms = Number(c.Input, "ms", 10);
            await Task.Delay(TimeSpan.FromMilliseconds(ms), ct);
            return Output("slept_ms", ms);
        }, cancellationToken);

    public ValueTask<Struct> FlakyAsync(StepContext context, CancellationToken cancellationToken)
        => Logged(context, (c, _) =>
        {
            var failures = (int)Number(c.Input, "failures", 2);
            var code = Text(c.Input, "code") ?? "UNAVAILABLE";
            var key = c.ExecutionId + "/" + c.StepId;
            var call = _flakyCalls.AddOrUpdate(key, 1, static (_, n) => n + 1);
            if (call <= failures)
            {
                var message = $"Planned failure {call} of {failures}.";
                if (Flag(c.Input, "in_band"))
                {
                    var retryAfterMs = Number(c.Input, "retry_after_ms", 0);
                    throw StepFailedException.Retryable(code, message, retryAfterMs > 0 ? TimeSpan.FromMilliseconds(retryAfterMs) : null);
                }

                throw new RpcException(new Status(ParseCode(code), message));
            }

            var output = Output("calls", call);
            output.Fields["attempt"] = Value.ForNumber(c.Attempt);
            return ValueTask.FromResult(output);
        }, cancellationToken);

    public ValueTask<Struct> FailAsync(StepContext context, CancellationToken cancellationToken)
        => Logged(context, static (c, _) =>
        {
            var code = Text(c.Input, "code") ?? "INTERNAL";
            var message = Text(c.Input, "message") ?? $"Planned failure with {code}.";
            if (Flag(c.Input, "as_status"))
            {
                throw new RpcException(new Status(ParseCode(code), message));
            }

            throw Flag(c.Input, "retryable") ? StepFailedException.Retryable(code, message) : StepFailedException.NonRetryable(code, message);
        }, cancellationToken);

    public ValueTask<Struct> HangAsync(StepContext context, CancellationToken cancellationToken)
        => Logged(context, static async (c, ct) =>
        {
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            }
            catch (OperationCanceledException)
            {
                Console.Out.WriteLine($"CANCELLED {c.ExecutionId} {c.StepId} {c.Attempt}");
                Console.Out.Flush();
                throw;
            }

            return new Struct();
        }, cancellationToken);

    public ValueTask<Struct> CountAsync(StepContext context, CancellationToken cancellationToken)
        => Logged(context, async (c, ct) =>
        {
            var now = Interlocked.Increment(ref _inFlight);
            try
            {
                var seen = Volatile.Read(ref _maxInFlight);
                while (now > seen && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen)
                {
                    seen = Volatile.Read(ref _maxInFlight);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Number(c.Input, "ms", 20)), ct);
                var output = Output("max_in_flight", Volatile.Read(ref _maxInFlight));
                output.Fields["in_flight_at_start"] = Value.ForNumber(now);
                return output;
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }, cancellationToken);

    private async ValueTask<Struct> Logged(StepContext context, Func<StepContext, CancellationToken, ValueTask<Struct>> handler, CancellationToken cancellationToken)
    {
        _started.Enqueue($"{context.ExecutionId}/{context.StepId}/{context.Attempt}");
        try
        {
            var output = await handler(context, cancellationToken);
            deliveries.Write(context, "succeeded");
            return output;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _cancelled.Enqueue($"{context.ExecutionId}/{context.StepId}/{context.Attempt}");
            deliveries.Write(context, "cancelled");
            throw;
        }
        catch (StepFailedException ex)
        {
            deliveries.Write(context, "failed", ex.Code);
            throw;
        }
        catch (RpcException ex)
        {
            deliveries.Write(context, "failed", ex.StatusCode.ToString());
            throw;
        }
    }

    private static StatusCode ParseCode(string code)
        => System.Enum.TryParse<StatusCode>(code.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out var parsed) ? parsed : StatusCode.Internal;

    private static double Number(Struct input, string name, double fallback)
        => input.Fields.TryGetValue(name, out var value) && value.KindCase == Value.KindOneofCase.NumberValue ? value.NumberValue : fallback;

    private static string? Text(Struct input, string name)
        => input.Fields.TryGetValue(name, out var value) && value.KindCase == Value.KindOneofCase.StringValue ? value.StringValue : null;

    private static bool Flag(Struct input, string name)
        => input.Fields.TryGetValue(name, out var value) && value.KindCase == Value.KindOneofCase.BoolValue && value.BoolValue;

    private static Struct Output(string name, double value) => new() { Fields = { [name] = Value.ForNumber(value) } };
}
