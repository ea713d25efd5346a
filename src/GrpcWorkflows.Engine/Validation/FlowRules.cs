using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.DataFlow;
using GrpcWorkflows.Engine.FlowControl;
using GrpcWorkflows.Engine.Planning;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Validation;

/// <summary>
/// The rules of flow control: <c>concurrency</c> (workflow and step), <c>rate_limit</c> and
/// <c>priority</c> within bounds, keys that are literals or templates over the workflow input only,
/// and strategies other than <c>queue</c> at workflow level only.
/// </summary>
internal static class FlowRules
{
    /// <summary>The largest accepted absolute priority.</summary>
    public const int MaxPriority = 1000;

    /// <summary>The longest accepted key template, in characters.</summary>
    public const int MaxKeyLength = 256;

    private static readonly string[] Strategies = [FlowPlan.Queue, FlowPlan.CancelInProgress, FlowPlan.CancelNew];

    /// <summary>Checks the flow control of a definition; returns its plan (null when it has none or a problem was found).</summary>
    public static FlowPlan? Check(WorkflowDefinition definition, WorkflowGraph graph, StepKind[] kinds, EngineOptions options, Action<string, string> add)
    {
        var valid = true;
        void Problem(string field, string description)
        {
            valid = false;
            add(field, description);
        }

        var limits = options.Limits;
        CheckPriority(definition.Priority, "priority", Problem);
        ConcurrencyLimit? workflow = null;
        if (definition.Concurrency is { } limit)
        {
            workflow = CheckConcurrency(limit, "concurrency", definition.Id, workflowLevel: true, limits, Problem);
        }

        StepFlowPlan?[]? steps = null;
        var typeRates = options.StepTypeRateLimits;
        for (var i = 0; i < graph.Count; i++)
        {
            var step = graph.Steps[i];
            var executor = kinds[i] == StepKind.Executor;
            var typeRate = executor && typeRates.Count > 0 && typeRates.TryGetValue(step.Type, out var byType)
                ? new RateKey("*/type:" + step.Type, byType.Limit, byType.Period)
                : null;
            var priority = step.HasPriority ? step.Priority : definition.Priority;
            if (step.Concurrency is null && step.RateLimit is null && !step.HasPriority && typeRate is null && priority == 0)
            {
                // The plain path: nothing to check, nothing allocated.
                continue;
            }

            var prefix = "steps." + graph.Ids[i];
            ConcurrencyLimit? concurrency = null;
            RateLimit? rate = null;
            if (step.Concurrency is { } stepLimit)
            {
                concurrency = CheckConcurrency(stepLimit, prefix + ".concurrency", step.Type, workflowLevel: false, limits, Problem);
                NotBuiltIn(executor, prefix + ".concurrency", Problem);
            }

            if (step.RateLimit is { } stepRate)
            {
                rate = CheckRate(stepRate, prefix + ".rate_limit", step.Type, limits, Problem);
                NotBuiltIn(executor, prefix + ".rate_limit", Problem);
            }

            if (step.HasPriority)
            {
                CheckPriority(step.Priority, prefix + ".priority", Problem);
            }

            if (executor)
            {
                (steps ??= new StepFlowPlan?[graph.Count])[i] = new StepFlowPlan(concurrency, rate, typeRate, priority);
            }
        }

        return valid && (steps is not null || workflow is not null) ? new FlowPlan(steps ?? new StepFlowPlan?[graph.Count], workflow) : null;
    }

    /// <summary>The submission's check: every key template resolves over this workflow input (field paths name the definition's key).</summary>
    public static void CheckInput(WorkflowDefinition definition, Struct? input, Action<string, string> add)
    {
        if (definition.Concurrency is { } limit)
        {
            CheckResolves(limit.Key, null, "concurrency.key", input, add);
        }

        foreach (var (id, step) in definition.Steps)
        {
            if (step.Concurrency is { } concurrency)
            {
                CheckResolves(concurrency.Key, id, "concurrency.key", input, add);
            }

            if (step.RateLimit is { } rate)
            {
                CheckResolves(rate.Key, id, "rate_limit.key", input, add);
            }
        }
    }

    /// <summary>Checks one key template; its field is <paramref name="field"/> under the step <paramref name="stepId"/> (null: the workflow).</summary>
    private static void CheckResolves(string template, string? stepId, string field, Struct? input, Action<string, string> add)
    {
        if (!TemplateParser.MayContain(template))
        {
            return;
        }

        var path = stepId is null ? field : $"steps.{stepId}.{field}";
        if (FlowPlan.TryResolveKey(template, input, path, out var error) is null)
        {
            add(path, $"the key '{template}' cannot be resolved over this workflow input: {error}");
        }
    }

    private static ConcurrencyLimit CheckConcurrency(ConcurrencyLimit limit, string field, string defaultKey, bool workflowLevel, WorkflowLimits limits, Action<string, string> add)
    {
        CheckKey(limit.Key, field + ".key", add);
        if (limit.Max < 1 || limit.Max > limits.MaxConcurrency)
        {
            add(field + ".max", $"max is {limit.Max}; it must be between 1 and {limits.MaxConcurrency} (WorkflowLimits.MaxConcurrency)");
        }

        var strategy = limit.Strategy.Length == 0 ? FlowPlan.Queue : limit.Strategy;
        if (!Strategies.Contains(strategy, StringComparer.Ordinal))
        {
            add(field + ".strategy", $"strategy '{limit.Strategy}' is unknown; use one of {string.Join(", ", Strategies)}");
        }
        else if (!workflowLevel && strategy != FlowPlan.Queue)
        {
            add(field + ".strategy", $"strategy '{strategy}' applies to a workflow's concurrency only; a step's concurrency queues (strategy 'queue')");
        }

        return new ConcurrencyLimit { Key = limit.Key.Length > 0 ? limit.Key : defaultKey, Max = limit.Max, Strategy = strategy };
    }

    private static RateLimit CheckRate(RateLimit rate, string field, string stepType, WorkflowLimits limits, Action<string, string> add)
    {
        CheckKey(rate.Key, field + ".key", add);
        if (rate.Limit < 1 || rate.Limit > limits.MaxRateLimit)
        {
            add(field + ".limit", $"limit is {rate.Limit}; it must be between 1 and {limits.MaxRateLimit} (WorkflowLimits.MaxRateLimit)");
        }

        if (rate.Period is null)
        {
            add(field + ".period", "a rate limit needs a period, for example \"1s\"");
        }
        else if (WorkflowValidator.CheckDuration(rate.Period, field + ".period", allowZero: false, add) is { } period && period < TimeSpan.FromMilliseconds(1))
        {
            add(field + ".period", $"the period is {period}; it must be at least 1 ms");
        }

        return new RateLimit { Key = rate.Key.Length > 0 ? rate.Key : stepType, Limit = rate.Limit, Period = rate.Period };
    }

    private static void CheckKey(string key, string field, Action<string, string> add)
    {
        if (key.Length > MaxKeyLength)
        {
            add(field, $"the key is {key.Length} characters; the limit is {MaxKeyLength}");
            return;
        }

        if (!TemplateParser.MayContain(key))
        {
            return;
        }

        var errors = new List<string>();
        foreach (var reference in TemplateParser.Parse(key, static _ => false, errors))
        {
            if (reference.StepId is not null || reference.SecretName is not null || reference.IsItem || reference.IsItemIndex)
            {
                errors.Add($"'{reference.Text}': a key may only reference the workflow input ('{{{{ workflow.input.<path> }}}}'); it is resolved when the execution is submitted");
            }
        }

        foreach (var error in errors)
        {
            add(field, error);
        }
    }

    private static void CheckPriority(int priority, string field, Action<string, string> add)
    {
        if (priority is < -MaxPriority or > MaxPriority)
        {
            add(field, $"priority is {priority}; it must be between {-MaxPriority} and {MaxPriority}");
        }
    }

    private static void NotBuiltIn(bool executor, string field, Action<string, string> add)
    {
        if (!executor)
        {
            add(field, "flow control applies to steps run by an executor; a sleep, a wait for a signal or a sub-workflow step cannot have it");
        }
    }
}
