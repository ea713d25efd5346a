using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.DataFlow;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.FlowControl;

/// <summary>
/// A valid definition's flow control, with key templates still unresolved: per step, and for the
/// whole workflow. Null on a <see cref="Planning.CompiledWorkflow"/> that has none.
/// </summary>
internal sealed class FlowPlan
{
    /// <summary>The strategies of <see cref="ConcurrencyLimit.Strategy"/>.</summary>
    public const string Queue = "queue";

    /// <summary>Cancel the oldest running execution of the key (workflow level).</summary>
    public const string CancelInProgress = "cancel_in_progress";

    /// <summary>Cancel the new execution (workflow level).</summary>
    public const string CancelNew = "cancel_new";

    public FlowPlan(StepFlowPlan?[] steps, ConcurrencyLimit? workflow)
    {
        Steps = steps;
        Workflow = workflow;
    }

    /// <summary>Each step's flow control, or null for a step without any.</summary>
    public StepFlowPlan?[] Steps { get; }

    /// <summary>The workflow's concurrency limit, or null.</summary>
    public ConcurrencyLimit? Workflow { get; }

    /// <summary>Each step's flow control with its keys resolved for one execution; null entries for steps without any.</summary>
    public FlowStep?[] Resolve(Struct? input, string executionNamespace)
    {
        var resolved = new FlowStep?[Steps.Length];
        for (var i = 0; i < Steps.Length; i++)
        {
            if (Steps[i] is not { } step)
            {
                continue;
            }

            var concurrencyKey = step.Concurrency is null ? null : Scope(executionNamespace, ResolveKey(step.Concurrency.Key, input));
            var rate = step.Rate is null ? null : new RateKey(Scope(executionNamespace, FlowStep.RatePrefix + ResolveKey(step.Rate.Key, input)), step.Rate.Limit, step.Rate.Period.ToTimeSpan());
            var queue = concurrencyKey ?? rate?.Key ?? Scope(executionNamespace, string.Empty);
            resolved[i] = new FlowStep(queue, concurrencyKey, step.Concurrency?.Max ?? 0, rate, step.TypeRate, step.Priority);
        }

        return resolved;
    }

    /// <summary>The workflow's concurrency key for one execution, scoped to its namespace.</summary>
    public string WorkflowKey(Struct? input, string executionNamespace) => Scope(executionNamespace, ResolveKey(Workflow!.Key, input));

    /// <summary>Resolves a key template over the workflow input; a value that is not a string is its JSON text.</summary>
    /// <remarks>The submission check (<see cref="Validation.FlowRules.CheckInput"/>) made sure it resolves; a stored execution whose does not keeps the template text.</remarks>
    public static string ResolveKey(string template, Struct? input) => TryResolveKey(template, input, "key", out _) ?? template;

    /// <summary>Resolves a key template over the workflow input; null with <paramref name="error"/> (naming <paramref name="field"/>) when a reference does not resolve.</summary>
    public static string? TryResolveKey(string template, Struct? input, string field, out string? error)
    {
        error = null;
        if (!TemplateParser.MayContain(template))
        {
            return template;
        }

        var holder = new Struct { Fields = { ["key"] = Value.ForString(template) } };
        var value = InputResolver.Resolve(holder, static _ => null, static _ => false, input, out error, root: field)?.Fields["key"];
        return value is null ? null : value.KindCase == Value.KindOneofCase.StringValue ? value.StringValue : value.ToString();
    }

    private static string Scope(string executionNamespace, string key) => executionNamespace + "/" + key;
}

/// <summary>One step's flow control as defined (keys unresolved).</summary>
/// <param name="Concurrency">The step's concurrency limit, or null.</param>
/// <param name="Rate">The step's rate limit, or null.</param>
/// <param name="TypeRate">The engine's rate limit of the step's type, or null.</param>
/// <param name="Priority">The step's priority (its own, else the workflow's).</param>
internal sealed record StepFlowPlan(ConcurrencyLimit? Concurrency, RateLimit? Rate, RateKey? TypeRate, int Priority);
