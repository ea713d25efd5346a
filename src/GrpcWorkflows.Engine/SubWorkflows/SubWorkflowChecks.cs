using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.SubWorkflows;

/// <summary>Checks of <c>workflow</c> steps that need to know which workflow holds them.</summary>
public static class SubWorkflowChecks
{
    /// <summary>The deepest a chain of sub-workflows may go: a top-level execution is at depth 0, its children at 1, and so on.</summary>
    public const int MaxDepth = 8;

    /// <summary>
    /// Checks a <c>workflow</c> step's own fields: its type (empty or <c>workflow</c>), no sleep or wait
    /// beside it, a stored workflow id that is not the workflow's own, a version from 0.
    /// </summary>
    internal static Planning.StepKind CheckStep(string workflowId, StepDefinition step, string id, string prefix, Action<string, string> add)
    {
        var child = step.Workflow;
        if (step.Sleep is not null || step.WaitForSignal is not null)
        {
            add(prefix, $"step '{id}' sets workflow together with sleep or wait_for_signal; a step is one of them");
        }

        if (step.Type is not ("" or "workflow"))
        {
            add(prefix + ".type", $"step '{id}' runs a sub-workflow; its type must be empty or 'workflow', not '{step.Type}'");
        }

        if (child.Id.Length == 0)
        {
            add(prefix + ".workflow.id", "is required: the id of a stored workflow (gwf workflow register)");
        }
        else if (string.Equals(child.Id, workflowId, StringComparison.Ordinal))
        {
            add(prefix + ".workflow.id", $"the step runs the workflow '{workflowId}' itself: a workflow may not start itself as a sub-workflow");
        }

        if (child.Version < 0)
        {
            add(prefix + ".workflow.version", "must be 0 (the latest) or a version number from 1");
        }

        return Planning.StepKind.SubWorkflow;
    }
}
