using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.SubWorkflows;

/// <summary>Checks of <c>workflow</c> steps that need to know which workflow holds them.</summary>
public static class SubWorkflowChecks
{
    /// <summary>
    /// One problem per <c>workflow</c> step of <paramref name="definition"/> that runs the workflow
    /// itself (the same id): a recursion that only the depth limit would stop.
    /// </summary>
    public static IEnumerable<ValidationProblem> SelfReferences(WorkflowDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        foreach (var (stepId, step) in definition.Steps.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            if (step.Workflow is { } child && child.Id.Length > 0 && string.Equals(child.Id, definition.Id, StringComparison.Ordinal))
            {
                yield return new ValidationProblem
                {
                    Field = $"steps.{stepId}.workflow.id",
                    Description = $"the step runs the workflow '{definition.Id}' itself: a workflow may not start itself as a sub-workflow",
                };
            }
        }
    }
}
