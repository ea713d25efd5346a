using GrpcWorkflows.Engine.Conditions;
using GrpcWorkflows.Engine.Retry;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Planning;

/// <summary>A valid definition with everything the scheduler needs precomputed, by step index.</summary>
internal sealed class CompiledWorkflow
{
    public CompiledWorkflow(WorkflowDefinition definition, WorkflowGraph graph, int[] order, int[] levels, ExecutionPlan plan, RetryPlan[] retryPlans, TimeSpan[] timeouts, bool[] hasTemplates)
    {
        Definition = definition;
        Graph = graph;
        Order = order;
        Levels = levels;
        Plan = plan;
        RetryPlans = retryPlans;
        Timeouts = timeouts;
        HasTemplates = hasTemplates;
        MaxParallelSteps = definition.HasMaxParallelSteps && definition.MaxParallelSteps > 0 ? definition.MaxParallelSteps : int.MaxValue;
        Timeout = definition.Timeout?.ToTimeSpan();
        Conditions = new Condition?[graph.Count];
        Triggers = new TriggerRule[graph.Count];
        Kinds = new StepKind[graph.Count];
        SignalSchemas = new Json.Schema.JsonSchema?[graph.Count];
        ForEach = new ForEachPlan?[graph.Count];
    }

    public WorkflowDefinition Definition { get; }

    public WorkflowGraph Graph { get; }

    /// <summary>The deterministic topological order, as indices.</summary>
    public int[] Order { get; }

    /// <summary>Each step's topological level.</summary>
    public int[] Levels { get; }

    public ExecutionPlan Plan { get; }

    public RetryPlan[] RetryPlans { get; }

    public TimeSpan[] Timeouts { get; }

    /// <summary>Whether a step's input holds references that must be resolved before dispatch.</summary>
    public bool[] HasTemplates { get; }

    /// <summary>The execution's own parallelism limit (int.MaxValue when unset).</summary>
    public int MaxParallelSteps { get; }

    /// <summary>The whole execution's deadline from its start, when it has one.</summary>
    public TimeSpan? Timeout { get; }

    /// <summary>Each step's <c>when</c> condition, or null.</summary>
    public Condition?[] Conditions { get; }

    /// <summary>Each step's trigger rule.</summary>
    public TriggerRule[] Triggers { get; }

    /// <summary>Whether an executor or the engine carries out each step.</summary>
    public StepKind[] Kinds { get; }

    /// <summary>Each <c>wait_for_signal</c> step's payload schema, or null.</summary>
    public Json.Schema.JsonSchema?[] SignalSchemas { get; }

    /// <summary>Each <c>for_each</c> step's fan-out, or null.</summary>
    public ForEachPlan?[] ForEach { get; }

    /// <summary>The workflow's flow control (concurrency keys, rate limits, priorities), or null when it has none.</summary>
    public FlowControl.FlowPlan? Flow { get; set; }
}
