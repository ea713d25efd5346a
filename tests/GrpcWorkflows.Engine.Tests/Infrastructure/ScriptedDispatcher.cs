using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Tests.Infrastructure;

/// <summary>What one attempt does: take this long, then return this (or hang until cancelled).</summary>
internal sealed record AttemptScript(TimeSpan Duration, StepAttemptResult? Result)
{
    public static AttemptScript Succeed(int milliseconds, Struct? output = null)
        => new(TimeSpan.FromMilliseconds(milliseconds), StepAttemptResult.Success(output ?? new Struct()));

    /// <summary>A failure: a gRPC status <paramref name="code"/> (flag from the retry table) unless <paramref name="retryable"/> makes it an in-band error with that flag.</summary>
    public static AttemptScript Fail(int milliseconds, string code, bool? retryable = null, TimeSpan? retryAfter = null)
        => new(TimeSpan.FromMilliseconds(milliseconds), StepAttemptResult.Failure(code, $"{code} from the test dispatcher", retryable ?? Engine.Retry.RetryClassification.IsRetriedStatus(code), retryAfter));

    public static AttemptScript Hang() => new(Timeout.InfiniteTimeSpan, null);

    /// <summary>The call never reached an executor (refused, circuit open, none registered).</summary>
    public static AttemptScript Undelivered(int milliseconds, string reason = "connection refused (test dispatcher)")
        => new(TimeSpan.FromMilliseconds(milliseconds), StepAttemptResult.Undelivered(reason));
}

/// <summary>
/// An in-memory dispatcher whose attempts take virtual time (a <see cref="TimeProvider"/>, fake in
/// tests) and whose outcome a script decides. It records every request and its in-flight peak,
/// and can limit capacity per step type.
/// </summary>
internal sealed class ScriptedDispatcher : IStepDispatcher
{
    private readonly TimeProvider _time;
    private readonly Func<ExecuteStepRequest, AttemptScript> _script;
    private readonly ConcurrentDictionary<string, int> _inFlightByType = new(StringComparer.Ordinal);
    private int _inFlight;
    private int _maxInFlight;

    public ScriptedDispatcher(TimeProvider time, Func<ExecuteStepRequest, AttemptScript>? script = null)
    {
        _time = time;
        _script = script ?? (_ => AttemptScript.Succeed(10));
    }

    public event EventHandler? CapacityAvailable;

    public ConcurrentQueue<ExecuteStepRequest> Requests { get; } = new();

    public ConcurrentQueue<string> Cancelled { get; } = new();

    /// <summary>Capacity per step type; absent types are unlimited.</summary>
    public Dictionary<string, int> Capacity { get; } = new(StringComparer.Ordinal);

    public int InFlight => Volatile.Read(ref _inFlight);

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public int MaxInFlightOfType(string type) => _maxByType.GetValueOrDefault(type);

    private readonly ConcurrentDictionary<string, int> _maxByType = new(StringComparer.Ordinal);

    public bool HasCapacity(string stepType) => AvailableCapacity(stepType) > 0;

    /// <summary>Which step types are reachable (all, unless a test says otherwise); see <see cref="SetReachable"/>.</summary>
    public Func<string, bool> Reachable { get; set; } = _ => true;

    public bool IsReachable(string stepType) => Reachable(stepType);

    /// <summary>Changes reachability and, as a real dispatcher does when an executor comes back, raises <see cref="CapacityAvailable"/>.</summary>
    public void SetReachable(Func<string, bool> reachable)
    {
        Reachable = reachable;
        CapacityAvailable?.Invoke(this, EventArgs.Empty);
    }

    public int AvailableCapacity(string stepType)
        => Capacity.TryGetValue(stepType, out var capacity) ? Math.Max(0, capacity - _inFlightByType.GetValueOrDefault(stepType)) : int.MaxValue;

    public async ValueTask<StepAttemptResult> DispatchAsync(StepAttemptRequest request, CancellationToken cancellationToken = default)
    {
        var type = request.Request.StepType;
        var now = Interlocked.Increment(ref _inFlight);
        InterlockedMax(ref _maxInFlight, now);
        var ofType = _inFlightByType.AddOrUpdate(type, 1, (_, n) => n + 1);
        _maxByType.AddOrUpdate(type, ofType, (_, n) => Math.Max(n, ofType));
        Requests.Enqueue(request.Request);
        try
        {
            var script = _script(request.Request);
            await DelayInlineAsync(script.Duration, cancellationToken).ConfigureAwait(false);
            return script.Result!;
        }
        catch (OperationCanceledException)
        {
            Cancelled.Enqueue(request.Request.IdempotencyKey);
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            _inFlightByType.AddOrUpdate(type, 0, (_, n) => n - 1);
            if (Capacity.ContainsKey(type))
            {
                CapacityAvailable?.Invoke(this, EventArgs.Empty);
            }
        }
    }

    /// <summary>
    /// A delay on the fake clock whose continuation runs inline when the clock advances (unlike
    /// Task.Delay with a TimeProvider, which continues asynchronously), so that one Advance settles
    /// everything due at that instant.
    /// </summary>
    private async Task DelayInlineAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource();
        using var timer = duration == Timeout.InfiniteTimeSpan ? null : _time.CreateTimer(static s => ((TaskCompletionSource)s!).TrySetResult(), done, duration, Timeout.InfiniteTimeSpan);
        using var registration = cancellationToken.Register(static s => ((TaskCompletionSource)s!).TrySetCanceled(), done);
        await done.Task.ConfigureAwait(false);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
