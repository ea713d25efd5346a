using System.Text;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Validation;

/// <summary>
/// The outcome of validating a workflow definition: every problem found, the step types no
/// executor serves, and the plan when the definition is valid.
/// </summary>
/// <remarks>
/// <see cref="Problems"/> maps to <c>INVALID_ARGUMENT</c>; when only <see cref="UnservedStepTypes"/>
/// is non-empty the service answers <c>FAILED_PRECONDITION</c>.
/// </remarks>
public sealed class WorkflowValidationResult
{
    /// <summary>A result with no problem and no plan.</summary>
    public static readonly WorkflowValidationResult Empty = new([], [], null);

    /// <summary>Creates a result.</summary>
    public WorkflowValidationResult(IReadOnlyList<ValidationProblem> problems, IReadOnlyList<ValidationProblem> unservedStepTypes, ExecutionPlan? plan)
    {
        Problems = problems;
        UnservedStepTypes = unservedStepTypes;
        Plan = plan;
    }

    /// <summary>Every problem of the definition itself, each with its field path.</summary>
    public IReadOnlyList<ValidationProblem> Problems { get; }

    /// <summary>One problem per step whose type no executor serves (field <c>steps.&lt;id&gt;.type</c>).</summary>
    public IReadOnlyList<ValidationProblem> UnservedStepTypes { get; }

    /// <summary>The execution plan; null when the graph could not be planned (unknown dependencies, cycles).</summary>
    public ExecutionPlan? Plan { get; }

    /// <summary>True when there is no problem and every step type is served.</summary>
    public bool IsValid => Problems.Count == 0 && UnservedStepTypes.Count == 0;

    /// <summary>Every problem as one line each: <c>field: description</c>.</summary>
    public string Describe()
    {
        var text = new StringBuilder("The workflow definition is not valid:");
        foreach (var problem in Problems.Concat(UnservedStepTypes))
        {
            text.Append('\n').Append(problem.Field).Append(": ").Append(problem.Description);
        }

        return text.ToString();
    }
}
