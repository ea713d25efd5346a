using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Engine.Events;
using GrpcWorkflows.Engine.StateMachine;
using GrpcWorkflows.Engine.Validation;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Tests.StateMachine;

/// <summary>One <see cref="ExecutionMachine"/> driven by hand: commands in, events and actions out.</summary>
internal sealed class MachineFixture
{
    public static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public MachineFixture(WorkflowDefinition definition, Struct? input = null, EngineOptions? options = null)
    {
        options ??= new EngineOptions();
        var result = new WorkflowDefinitionValidator(options).ValidateSubmission(definition, input, out var compiled);
        Assert.True(result.IsValid, result.Describe());
        Submitted = new ExecutionEvent
        {
            ExecutionId = "e1",
            Sequence = 1,
            Time = Timestamp.FromDateTimeOffset(T0),
            Submitted = new ExecutionSubmitted { Definition = definition, Input = input ?? new Struct() },
        };
        var fold = new ExecutionStateFold();
        fold.Apply(Submitted, compiled);
        Machine = new ExecutionMachine("e1", compiled!, fold, options);
        Log.Add(Submitted);
    }

    public ExecutionEvent Submitted { get; }

    public ExecutionMachine Machine { get; }

    /// <summary>Every event decided so far, the submitted one first.</summary>
    public List<ExecutionEvent> Log { get; } = [];

    public DateTimeOffset Now { get; set; } = T0;

    /// <summary>Takes the events and actions of the last commands.</summary>
    public (List<ExecutionEvent> Events, List<MachineAction> Actions) Take()
    {
        var events = Machine.Events.ToList();
        var actions = Machine.Actions.ToList();
        Machine.Events.Clear();
        Machine.Actions.Clear();
        Log.AddRange(events);
        return (events, actions);
    }

    public int Index(string stepId) => Machine.Compiled.Graph.Index[stepId];

    public StepExecution Step(string stepId) => Machine.Fold.Step(stepId)!;

    /// <summary>Starts the step's attempt and returns the dispatch action.</summary>
    public MachineAction Dispatch(string stepId)
    {
        Assert.True(Machine.StartAttempt(Index(stepId), Now));
        var (_, actions) = Take();
        return Assert.Single(actions, a => a.Kind == MachineActionKind.Dispatch);
    }

    /// <summary>Runs one attempt of the step to the given result.</summary>
    public (List<ExecutionEvent> Events, List<MachineAction> Actions) Run(string stepId, StepAttemptResult result, double jitter = 0)
    {
        var dispatch = Dispatch(stepId);
        Assert.True(Machine.CompleteAttempt(dispatch.Step, dispatch.Attempt, result, AttemptOutcome.Completed, jitter, Now));
        return Take();
    }

    public static Struct Output(string json) => Struct.Parser.ParseJson(json);
}
