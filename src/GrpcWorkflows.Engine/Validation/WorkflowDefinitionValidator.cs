using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Planning;
using GrpcWorkflows.Engine.Secrets;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Validation;

/// <summary>
/// Validates and plans workflow definitions with the engine's rules, without an engine: every
/// problem with its field path, the registry check when a catalog is given, and the plan.
/// </summary>
/// <remarks>Thread-safe and stateless between calls; the CLI's offline <c>validate</c> uses it directly.</remarks>
public sealed class WorkflowDefinitionValidator
{
    private readonly EngineOptions _options;
    private readonly IStepTypeCatalog? _stepTypes;
    private readonly ISecretProvider? _secrets;
    private readonly WorkflowValidator _validator;

    /// <summary>Creates a validator.</summary>
    /// <param name="options">The limits and defaults definitions are checked against; the defaults when null.</param>
    /// <param name="stepTypes">Which step types an executor serves; null when every type is served.</param>
    /// <param name="secrets">The secrets <c>{{ secrets.NAME }}</c> may name; null to leave secret names unchecked.</param>
    public WorkflowDefinitionValidator(EngineOptions? options = null, IStepTypeCatalog? stepTypes = null, ISecretProvider? secrets = null)
    {
        _options = options ?? new EngineOptions();
        _stepTypes = stepTypes;
        _secrets = secrets;
        _validator = new WorkflowValidator(_options);
    }

    /// <summary>Validates a definition: every problem with its field path, the registry check, and the plan.</summary>
    public WorkflowValidationResult Validate(WorkflowDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return _validator.Validate(definition, _stepTypes, out _, _secrets);
    }

    /// <summary>Validates a submission (definition and workflow input) and compiles it for the scheduler.</summary>
    internal WorkflowValidationResult ValidateSubmission(WorkflowDefinition definition, Struct? input, out CompiledWorkflow? compiled)
    {
        var result = _validator.Validate(definition, _stepTypes, out compiled, _secrets);
        var inputProblems = CheckWorkflowInput(input);
        FlowRules.CheckInput(definition, input, (field, description) => inputProblems.Add(new ValidationProblem { Field = field, Description = description }));
        return inputProblems.Count == 0 ? result : new WorkflowValidationResult([.. result.Problems, .. inputProblems], result.UnservedStepTypes, result.Plan);
    }

    /// <summary>Compiles a stored definition (recovery, retry): the rules without the registry check; null when it is no longer valid.</summary>
    internal CompiledWorkflow? Compile(WorkflowDefinition definition)
    {
        _validator.Validate(definition, null, out var compiled);
        return compiled;
    }

    private List<ValidationProblem> CheckWorkflowInput(Struct? input)
    {
        var problems = new List<ValidationProblem>();
        if (input is null)
        {
            return problems;
        }

        var limits = _options.Limits;
        var size = input.CalculateSize();
        if (size > limits.MaxPayloadBytes)
        {
            problems.Add(new ValidationProblem { Field = "input", Description = $"the workflow input is {size} bytes; the limit is {limits.MaxPayloadBytes} bytes (WorkflowLimits.MaxPayloadBytes)" });
        }

        if (Depth(input) > limits.MaxInputDepth)
        {
            problems.Add(new ValidationProblem { Field = "input", Description = $"the workflow input is nested more than {limits.MaxInputDepth} levels deep (WorkflowLimits.MaxInputDepth)" });
        }

        ValueCheck.Walk(input, "input", (field, description) => problems.Add(new ValidationProblem { Field = field, Description = description }));

        return problems;

        static int Depth(Struct s) => 1 + s.Fields.Values.Select(ValueDepth).DefaultIfEmpty(0).Max();
        static int ValueDepth(Value v) => v.KindCase switch
        {
            Value.KindOneofCase.StructValue => Depth(v.StructValue),
            Value.KindOneofCase.ListValue => 1 + v.ListValue.Values.Select(ValueDepth).DefaultIfEmpty(0).Max(),
            _ => 0,
        };
    }
}
