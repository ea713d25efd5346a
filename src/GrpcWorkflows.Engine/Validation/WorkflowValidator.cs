using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Conditions;
using GrpcWorkflows.Engine.DataFlow;
using GrpcWorkflows.Engine.Planning;
using GrpcWorkflows.Engine.Retry;
using GrpcWorkflows.Engine.Secrets;
using GrpcWorkflows.Engine.Waits;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Validation;

/// <summary>
/// Checks a definition against every rule and collects every problem with its field path; when
/// there is none, compiles it for the scheduler.
/// </summary>
internal sealed class WorkflowValidator
{
    /// <summary>The largest accepted <c>max_attempts</c>.</summary>
    public const int MaxAttemptsLimit = 100;

    /// <summary>The largest accepted backoff or timeout.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(1);

    /// <summary>The longest accepted sleep, signal wait or execution timeout.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromDays(366);

    /// <summary>The largest accepted backoff multiplier.</summary>
    public const double MaxMultiplier = 100;

    private readonly EngineOptions _options;

    public WorkflowValidator(EngineOptions options) => _options = options;

    /// <summary>Validates and compiles <paramref name="definition"/>; with <paramref name="secrets"/>, a <c>{{ secrets.NAME }}</c> it does not have is a problem.</summary>
    public WorkflowValidationResult Validate(WorkflowDefinition definition, IStepTypeCatalog? catalog, out CompiledWorkflow? compiled, ISecretProvider? secrets = null)
    {
        compiled = null;
        var limits = _options.Limits;
        var problems = new List<ValidationProblem>();
        void Add(string field, string description) => problems.Add(new ValidationProblem { Field = field, Description = description });

        var size = definition.CalculateSize();
        if (size > limits.MaxDefinitionBytes)
        {
            Add(string.Empty, $"the definition is {size} bytes; the limit is {limits.MaxDefinitionBytes} bytes (WorkflowLimits.MaxDefinitionBytes)");
        }

        if (definition.Id.Length == 0)
        {
            Add("id", "the workflow id is empty");
        }

        if (definition.Steps.Count == 0)
        {
            Add("steps", "the workflow has no step");
        }
        else if (definition.Steps.Count > limits.MaxSteps)
        {
            Add("steps", $"the workflow has {definition.Steps.Count} steps; the limit is {limits.MaxSteps} (WorkflowLimits.MaxSteps)");
        }

        if (definition.HasMaxParallelSteps && definition.MaxParallelSteps < 0)
        {
            Add("max_parallel_steps", $"max_parallel_steps is {definition.MaxParallelSteps}; it must be 0 (no limit) or more");
        }

        if (definition.DefaultRetryPolicy is { } defaultPolicy)
        {
            CheckRetryPolicy(defaultPolicy, "default_retry_policy", Add);
        }

        if (definition.DefaultTimeout is { } defaultTimeout)
        {
            CheckTimeout(defaultTimeout, "default_timeout", Add);
        }

        if (definition.Timeout is { } executionTimeout)
        {
            CheckDuration(executionTimeout, "timeout", allowZero: false, add: Add, max: MaxWait);
        }

        var graph = WorkflowGraph.Build(definition);
        var conditions = new Condition?[graph.Count];
        var triggers = new TriggerRule[graph.Count];
        var kinds = new StepKind[graph.Count];
        var schemas = new Json.Schema.JsonSchema?[graph.Count];
        var forEach = new ForEachPlan?[graph.Count];
        var declaredEdges = 0;
        var hasTemplates = new bool[graph.Count];
        var references = new List<(int Step, string Field, TemplateReference Reference)>();
        for (var i = 0; i < graph.Count; i++)
        {
            var id = graph.Ids[i];
            var step = graph.Steps[i];
            var prefix = "steps." + id;
            CheckStepId(id, prefix, limits, Add);
            kinds[i] = step.Workflow is null ? CheckKind(step, id, prefix, Add, out schemas[i]) : SubWorkflows.SubWorkflowChecks.CheckStep(definition.Id, step, id, prefix, Add);
            if (step.Type.Length == 0 && kinds[i] == StepKind.Executor)
            {
                Add(prefix + ".type", $"step '{id}' has no type");
            }

            if (!TriggerRules.TryParse(step.Trigger, out triggers[i]))
            {
                Add(prefix + ".trigger", $"trigger '{step.Trigger}' is unknown; use one of {string.Join(", ", TriggerRules.Names)}");
            }

            if (step.When.Length > 0)
            {
                try
                {
                    conditions[i] = Condition.Parse(step.When, graph.Index.ContainsKey);
                    foreach (var referenced in conditions[i]!.StepReferences)
                    {
                        references.Add((i, prefix + ".when", new TemplateReference(0, step.When.Length, referenced, [], $"steps.{referenced}.output")));
                    }
                }
                catch (ConditionException e)
                {
                    Add(prefix + ".when", $"the condition '{step.When}' is not valid: {e.Message}");
                }
            }

            declaredEdges += step.DependsOn.Count;
            CheckDependencies(graph, i, prefix, Add);
            forEach[i] = ForEachRules.Check(graph, i, kinds[i], prefix, limits, Add);

            if (step.HasMaxRetries && (step.MaxRetries < 0 || step.MaxRetries >= MaxAttemptsLimit))
            {
                Add(prefix + ".max_retries", $"max_retries is {step.MaxRetries}; it must be between 0 and {MaxAttemptsLimit - 1}");
            }

            if (step.RetryPolicy is { } policy)
            {
                CheckRetryPolicy(policy, prefix + ".retry_policy", Add);
            }

            if (step.Timeout is { } timeout)
            {
                CheckTimeout(timeout, prefix + ".timeout", Add);
            }

            if (step.Input is { } input)
            {
                var inputSize = input.CalculateSize();
                if (inputSize > limits.MaxPayloadBytes)
                {
                    Add(prefix + ".input", $"the input is {inputSize} bytes; the limit is {limits.MaxPayloadBytes} bytes (WorkflowLimits.MaxPayloadBytes)");
                }

                var scan = new InputScan(graph, i, prefix + ".input", limits.MaxInputDepth, Add, references);
                scan.Walk(input, 1);
                hasTemplates[i] = scan.FoundTemplate;
            }
        }

        if (declaredEdges > limits.MaxEdges)
        {
            Add("steps", $"the workflow has {declaredEdges} dependency edges; the limit is {limits.MaxEdges} (WorkflowLimits.MaxEdges)");
        }

        var order = WorkflowPlanner.TopologicalOrder(graph, out var levels);
        if (order is null)
        {
            foreach (var cycle in WorkflowPlanner.FindCycles(graph))
            {
                Add($"steps.{graph.Ids[cycle[0]]}.depends_on", "steps form a cycle: " + string.Join(" -> ", cycle.Select(s => graph.Ids[s])));
            }
        }

        CheckReferences(graph, references, Add);
        if (secrets is not null)
        {
            foreach (var (_, field, reference) in references)
            {
                if (reference.SecretName is { } name && !secrets.TryGetSecret(name, out _))
                {
                    Add(field, $"'{reference.Text}' names the secret '{name}', which the orchestrator's secret provider does not have (a file in Secrets:Directory, or the variable {EnvironmentSecretProvider.DefaultPrefix}{name})");
                }
            }
        }
        if (definition.Output is { } output)
        {
            CheckOutput(graph, output, limits, Add);
        }

        var flow = FlowRules.Check(definition, graph, kinds, _options, Add);
        var unserved = new List<ValidationProblem>();
        if (catalog is not null)
        {
            var answers = new Dictionary<string, bool>(StringComparer.Ordinal);
            for (var i = 0; i < graph.Count; i++)
            {
                var type = graph.Steps[i].Type;
                if (type.Length == 0 || kinds[i] != StepKind.Executor)
                {
                    continue;
                }

                if (!answers.TryGetValue(type, out var served))
                {
                    answers[type] = served = catalog.IsServed(type);
                }

                if (!served)
                {
                    unserved.Add(new ValidationProblem { Field = $"steps.{graph.Ids[i]}.type", Description = $"no executor serves step type '{type}'" });
                }
            }
        }

        if (order is null)
        {
            return new WorkflowValidationResult(problems, unserved, null);
        }

        var plan = WorkflowPlanner.BuildPlan(graph, order, levels);
        if (problems.Count == 0)
        {
            compiled = Compile(definition, graph, order, levels, plan, hasTemplates);
            conditions.CopyTo(compiled.Conditions, 0);
            triggers.CopyTo(compiled.Triggers, 0);
            kinds.CopyTo(compiled.Kinds, 0);
            schemas.CopyTo(compiled.SignalSchemas, 0);
            forEach.CopyTo(compiled.ForEach, 0);
            compiled.Flow = flow;
        }

        return new WorkflowValidationResult(problems, unserved, plan);
    }

    private CompiledWorkflow Compile(WorkflowDefinition definition, WorkflowGraph graph, int[] order, int[] levels, ExecutionPlan plan, bool[] hasTemplates)
    {
        var retryPlans = new RetryPlan[graph.Count];
        var timeouts = new TimeSpan[graph.Count];
        var defaultTimeout = definition.DefaultTimeout?.ToTimeSpan() ?? _options.DefaultStepTimeout;
        RetryPlan? shared = null;
        Dictionary<int, RetryPlan>? byMaxRetries = null;
        for (var i = 0; i < graph.Count; i++)
        {
            var step = graph.Steps[i];
            timeouts[i] = step.Timeout?.ToTimeSpan() ?? defaultTimeout;
            if (step.RetryPolicy is not null)
            {
                retryPlans[i] = RetryPlan.Resolve(step.RetryPolicy, null, definition.DefaultRetryPolicy, _options.DefaultRetryPolicy);
            }
            else if (step.HasMaxRetries)
            {
                byMaxRetries ??= [];
                if (!byMaxRetries.TryGetValue(step.MaxRetries, out var plan0))
                {
                    byMaxRetries[step.MaxRetries] = plan0 = RetryPlan.Resolve(null, step.MaxRetries, definition.DefaultRetryPolicy, _options.DefaultRetryPolicy);
                }

                retryPlans[i] = plan0;
            }
            else
            {
                retryPlans[i] = shared ??= RetryPlan.Resolve(null, null, definition.DefaultRetryPolicy, _options.DefaultRetryPolicy);
            }
        }

        return new CompiledWorkflow(definition, graph, order, levels, plan, retryPlans, timeouts, hasTemplates);
    }

    /// <summary>The declared result: size, depth and template syntax like a step input; references to any existing step.</summary>
    private static void CheckOutput(WorkflowGraph graph, Struct output, WorkflowLimits limits, Action<string, string> add)
    {
        var size = output.CalculateSize();
        if (size > limits.MaxPayloadBytes)
        {
            add("output", $"the output template is {size} bytes; the limit is {limits.MaxPayloadBytes} bytes (WorkflowLimits.MaxPayloadBytes)");
        }

        var references = new List<(int Step, string Field, TemplateReference Reference)>();
        new InputScan(graph, -1, "output", limits.MaxInputDepth, add, references).Walk(output, 1);
        foreach (var (_, field, reference) in references)
        {
            if (reference.StepId is not null && !graph.Index.ContainsKey(reference.StepId))
            {
                add(field, $"'{reference.Text}' references step '{reference.StepId}', which does not exist");
            }
            else if (reference.SecretName is not null)
            {
                add(field, $"'{reference.Text}': secrets can only be used in step inputs; the workflow's output is recorded");
            }
        }
    }

    /// <summary>A built-in wait (<c>sleep</c>, <c>wait_for_signal</c>) or an executor's step: the wait's own fields and the type that goes with it.</summary>
    private static StepKind CheckKind(StepDefinition step, string id, string prefix, Action<string, string> add, out Json.Schema.JsonSchema? schema)
    {
        schema = null;
        if (step.Sleep is not null && step.WaitForSignal is not null)
        {
            add(prefix, $"step '{id}' sets both sleep and wait_for_signal; a step is one or the other");
            return StepKind.Sleep;
        }

        if (step.Sleep is { } sleep)
        {
            if (step.Type is not ("" or "sleep"))
            {
                add(prefix + ".type", $"step '{id}' is a sleep; its type must be empty or 'sleep', not '{step.Type}'");
            }

            if ((sleep.Duration is null) == (sleep.Until is null))
            {
                add(prefix + ".sleep", "a sleep sets exactly one of duration and until");
            }

            CheckDuration(sleep.Duration, prefix + ".sleep.duration", allowZero: true, add, MaxWait);
            return StepKind.Sleep;
        }

        if (step.WaitForSignal is not { } wait)
        {
            return StepKind.Executor;
        }

        if (step.Type is not ("" or "wait_for_signal"))
        {
            add(prefix + ".type", $"step '{id}' waits for a signal; its type must be empty or 'wait_for_signal', not '{step.Type}'");
        }

        if (wait.Name.Length == 0 || !wait.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
        {
            add(prefix + ".wait_for_signal.name", $"the signal name '{wait.Name}' must be non-empty and use only the characters [A-Za-z0-9_.-]");
        }

        CheckDuration(wait.Timeout, prefix + ".wait_for_signal.timeout", allowZero: false, add, MaxWait);
        if (wait.Schema is { } payloadSchema)
        {
            schema = SignalSchema.Load(payloadSchema, out var error);
            if (schema is null)
            {
                add(prefix + ".wait_for_signal.schema", $"the payload schema is not a JSON Schema: {error}");
            }
        }

        return StepKind.Signal;
    }

    private static void CheckStepId(string id, string prefix, WorkflowLimits limits, Action<string, string> add)
    {
        if (id.Length == 0)
        {
            add("steps", "a step id is empty");
            return;
        }

        if (id.Length > limits.MaxStepIdLength)
        {
            add(prefix, $"step id '{id[..16]}...' is {id.Length} characters long; the limit is {limits.MaxStepIdLength} (WorkflowLimits.MaxStepIdLength)");
        }

        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
            {
                add(prefix, $"step id '{id}' contains '{c}'; step ids use only the characters [A-Za-z0-9_.-]");
                return;
            }
        }
    }

    private static void CheckDependencies(WorkflowGraph graph, int step, string prefix, Action<string, string> add)
    {
        var declared = graph.Steps[step].DependsOn;
        if (declared.Count == 0)
        {
            return;
        }

        var id = graph.Ids[step];
        var seen = declared.Count > 1 ? new HashSet<string>(StringComparer.Ordinal) : null;
        for (var d = 0; d < declared.Count; d++)
        {
            var name = declared[d];
            var field = $"{prefix}.depends_on[{d}]";
            if (name == id)
            {
                add(field, $"step '{id}' depends on itself");
            }
            else if (!graph.Index.ContainsKey(name))
            {
                add(field, $"step '{id}' depends on '{name}', which does not exist");
            }

            if (seen is not null && !seen.Add(name))
            {
                add(field, $"'{name}' is listed more than once in the depends_on of step '{id}'");
            }
        }
    }

    private static void CheckRetryPolicy(RetryPolicy policy, string prefix, Action<string, string> add)
    {
        if (policy.HasMaxAttempts && (policy.MaxAttempts < 1 || policy.MaxAttempts > MaxAttemptsLimit))
        {
            add(prefix + ".max_attempts", $"max_attempts is {policy.MaxAttempts}; it must be between 1 and {MaxAttemptsLimit}");
        }

        var initial = CheckDuration(policy.InitialBackoff, prefix + ".initial_backoff", allowZero: true, add);
        if (policy.HasBackoffMultiplier && (double.IsNaN(policy.BackoffMultiplier) || policy.BackoffMultiplier < 1 || policy.BackoffMultiplier > MaxMultiplier))
        {
            add(prefix + ".backoff_multiplier", $"backoff_multiplier is {policy.BackoffMultiplier.ToString(CultureInfo.InvariantCulture)}; it must be between 1 and {MaxMultiplier.ToString(CultureInfo.InvariantCulture)}");
        }

        var max = CheckDuration(policy.MaxBackoff, prefix + ".max_backoff", allowZero: true, add);
        if (initial is { } i && max is { } m && m < i)
        {
            add(prefix + ".max_backoff", $"max_backoff ({m.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s) is shorter than initial_backoff ({i.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s)");
        }

        if (policy.HasJitter && (double.IsNaN(policy.Jitter) || policy.Jitter < 0 || policy.Jitter > 1))
        {
            add(prefix + ".jitter", $"jitter is {policy.Jitter.ToString(CultureInfo.InvariantCulture)}; it must be between 0 and 1");
        }

        for (var c = 0; c < policy.NonRetryableCodes.Count; c++)
        {
            if (string.IsNullOrWhiteSpace(policy.NonRetryableCodes[c]))
            {
                add($"{prefix}.non_retryable_codes[{c}]", "an error code is empty");
            }
        }
    }

    private static void CheckTimeout(Duration timeout, string field, Action<string, string> add)
        => CheckDuration(timeout, field, allowZero: false, add);

    internal static TimeSpan? CheckDuration(Duration? duration, string field, bool allowZero, Action<string, string> add, TimeSpan? max = null)
    {
        var limit = max ?? MaxDuration;
        if (duration is null)
        {
            return null;
        }

        if (duration.Seconds is < Duration.MinSeconds or > Duration.MaxSeconds)
        {
            add(field, $"the duration is {duration.Seconds.ToString(CultureInfo.InvariantCulture)}s, outside the range of google.protobuf.Duration (±{Duration.MaxSeconds.ToString(CultureInfo.InvariantCulture)}s); it must be at most {Describe(limit)}");
            return null;
        }

        if (duration.Nanos is <= -1_000_000_000 or >= 1_000_000_000 || (duration.Seconds < 0 && duration.Nanos > 0) || (duration.Seconds > 0 && duration.Nanos < 0))
        {
            add(field, "the duration is malformed (seconds and nanos must have the same sign)");
            return null;
        }

        var value = duration.ToTimeSpan();
        if (value < TimeSpan.Zero || (!allowZero && value == TimeSpan.Zero))
        {
            add(field, $"the duration is {value.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s; it must be {(allowZero ? "zero or more" : "more than zero")}");
            return null;
        }

        if (value > limit)
        {
            add(field, $"the duration is {value.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s; it must be at most {Describe(limit)}");
            return null;
        }

        return value;

        static string Describe(TimeSpan limit) => $"{limit.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s ({limit.TotalDays.ToString(CultureInfo.InvariantCulture)} day{(limit.TotalDays == 1 ? string.Empty : "s")})";
    }

    private static void CheckReferences(WorkflowGraph graph, List<(int Step, string Field, TemplateReference Reference)> references, Action<string, string> add)
    {
        if (references.Count == 0)
        {
            return;
        }

        var stamp = new int[graph.Count];
        var current = 0;
        var ancestorsOf = -1;
        var queue = new Queue<int>();
        foreach (var (step, field, reference) in references)
        {
            var id = graph.Ids[step];
            if (reference.StepId is null)
            {
                continue;
            }

            if (!graph.Index.TryGetValue(reference.StepId, out var target))
            {
                add(field, $"'{reference.Text}' references step '{reference.StepId}', which does not exist");
                continue;
            }

            if (target == step)
            {
                add(field, $"'{reference.Text}' references the output of step '{id}' itself");
                continue;
            }

            if (ancestorsOf != step)
            {
                ancestorsOf = step;
                current++;
                queue.Enqueue(step);
                while (queue.Count > 0)
                {
                    foreach (var dependency in graph.Dependencies[queue.Dequeue()])
                    {
                        if (stamp[dependency] != current)
                        {
                            stamp[dependency] = current;
                            queue.Enqueue(dependency);
                        }
                    }
                }
            }

            if (stamp[target] != current)
            {
                add(field, $"'{reference.Text}' references step '{reference.StepId}', which is not an ancestor of step '{id}': add '{reference.StepId}' to its depends_on, directly or through another step");
            }
        }
    }

    /// <summary>Walks a step input: depth limit, template syntax, and the references to check.</summary>
    private sealed class InputScan(WorkflowGraph graph, int step, string root, int maxDepth, Action<string, string> add, List<(int Step, string Field, TemplateReference Reference)> references)
    {
        private readonly Stack<string> _path = new();
        private bool _tooDeep;
        private int _unsupported;

        public bool FoundTemplate { get; private set; }

        public void Walk(Struct value, int depth)
        {
            if (depth > maxDepth)
            {
                if (!_tooDeep)
                {
                    _tooDeep = true;
                    add(Field(), $"the input is nested more than {maxDepth} levels deep (WorkflowLimits.MaxInputDepth)");
                }

                return;
            }

            foreach (var (name, item) in value.Fields)
            {
                _path.Push("." + name);
                WalkValue(item, depth);
                _path.Pop();
            }
        }

        private void WalkValue(Value value, int depth)
        {
            switch (value.KindCase)
            {
                case Value.KindOneofCase.StructValue:
                    Walk(value.StructValue, depth + 1);
                    break;
                case Value.KindOneofCase.ListValue:
                    if (depth + 1 > maxDepth)
                    {
                        if (!_tooDeep)
                        {
                            _tooDeep = true;
                            add(Field(), $"the input is nested more than {maxDepth} levels deep (WorkflowLimits.MaxInputDepth)");
                        }

                        return;
                    }

                    var index = 0;
                    foreach (var item in value.ListValue.Values)
                    {
                        _path.Push($"[{index++}]");
                        WalkValue(item, depth + 1);
                        _path.Pop();
                    }

                    break;
                case Value.KindOneofCase.StringValue when TemplateParser.MayContain(value.StringValue):
                    FoundTemplate = true;
                    var errors = new List<string>();
                    var found = TemplateParser.Parse(value.StringValue, graph.Index.ContainsKey, errors);
                    var field = Field();
                    foreach (var error in errors)
                    {
                        add(field, error);
                    }

                    foreach (var reference in found)
                    {
                        ForEachRules.CheckItemReference(graph, step, field, reference, add);
                        references.Add((step, field, reference));
                    }

                    break;
                default:
                    if (ValueCheck.Problem(value) is { } problem && ++_unsupported <= ValueCheck.MaxProblems)
                    {
                        add(Field(), problem);
                    }

                    break;
            }
        }

        private string Field() => root + string.Concat(_path.Reverse());
    }
}
