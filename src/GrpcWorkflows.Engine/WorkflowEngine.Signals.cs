using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Committing;
using GrpcWorkflows.Engine.Validation;
using GrpcWorkflows.Engine.Waits;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine;

/// <summary>Signals: the command that completes <c>wait_for_signal</c> steps.</summary>
public sealed partial class WorkflowEngine
{
    /// <summary>
    /// Delivers a signal to an execution: every step waiting for <paramref name="name"/> succeeds
    /// with <paramref name="payload"/> as its output. Returns their ids once that is durable.
    /// </summary>
    /// <exception cref="ExecutionNotFoundException">The execution does not exist.</exception>
    /// <exception cref="ExecutionStateConflictException">No step of the execution waits for the signal now (signals are not buffered).</exception>
    /// <exception cref="WorkflowValidationException">The payload is too large or does not satisfy a waiting step's schema.</exception>
    public async Task<IReadOnlyList<string>> SignalAsync(string executionId, string name, Struct? payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(executionId);
        ArgumentNullException.ThrowIfNull(name);
        payload ??= new Struct();
        var size = payload.CalculateSize();
        if (size > _options.Limits.MaxPayloadBytes)
        {
            throw Invalid($"the payload is {size} bytes; the limit is {_options.Limits.MaxPayloadBytes} bytes (WorkflowLimits.MaxPayloadBytes)");
        }

        List<string>? ids = null;
        TaskCompletionSource? durable = null;
        AppendBatch[]? batches = null;
        lock (_gate)
        {
            if (_active.TryGetValue(executionId, out var runtime) && !runtime.Closed && !runtime.Finishing)
            {
                var machine = runtime.Machine;
                var waiting = machine.WaitingFor(name).ToList();
                if (waiting.Count == 0)
                {
                    throw new ExecutionStateConflictException(executionId, runtime.Fold.Execution.State, $"No step of execution '{executionId}' waits for signal '{name}' now{WaitingSignals(runtime)}; signals are not kept for steps that wait later.");
                }

                foreach (var step in waiting)
                {
                    if (runtime.Compiled.SignalSchemas[step] is { } schema && SignalSchema.Violations(schema, payload) is { Count: > 0 } violations)
                    {
                        throw Invalid($"the payload does not satisfy the schema of step '{runtime.Compiled.Graph.Ids[step]}': {string.Join("; ", violations)}");
                    }
                }

                var now = _time.GetUtcNow();
                try
                {
                    ids = [.. machine.Signal(name, payload, now).Select(i => runtime.Compiled.Graph.Ids[i])];
                }
                catch (Exception e)
                {
                    Fault(runtime, e, now);
                }

                Absorb(runtime, now);
                durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Signal(runtime, durable);
                _pump.Pump();
                batches = _committer.TakeDirty();
            }
        }

        if (durable is null && IsReplica && ids is null)
        {
            return await SignalElsewhereAsync(executionId, name, payload, cancellationToken).ConfigureAwait(false);
        }

        if (durable is null)
        {
            var record = await _store.GetAsync(executionId, cancellationToken).ConfigureAwait(false)
                ?? throw new ExecutionNotFoundException(executionId);
            throw new ExecutionStateConflictException(executionId, record.State, $"Execution '{executionId}' is {record.State}; no step of it waits for signal '{name}'.");
        }

        _committer.StartAppends(batches);
        await durable.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return ids ?? [];

        static WorkflowValidationException Invalid(string description)
            => new(new WorkflowValidationResult([new ValidationProblem { Field = "payload", Description = description }], [], null));
    }

    private static string WaitingSignals(Scheduling.ExecutionRuntime runtime)
    {
        var names = runtime.Fold.Steps.Where(s => s.State == StepState.Suspended && s.Signal.Length > 0).Select(s => $"'{s.Signal}'").Distinct().ToList();
        return names.Count == 0 ? string.Empty : $" (its steps wait for {string.Join(", ", names)})";
    }
}
