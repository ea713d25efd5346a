using GrpcWorkflows.Engine.DataFlow;
using GrpcWorkflows.Engine.Planning;

namespace GrpcWorkflows.Engine.Validation;

/// <summary>
/// The rules of <c>for_each</c>: its array is one reference to the workflow input or to the output
/// of a step in <c>depends_on</c>; <c>max_parallel</c> within bounds; an executor step only; and
/// <c>{{ item }}</c> / <c>{{ item_index }}</c> only in the input of a <c>for_each</c> step.
/// </summary>
internal static class ForEachRules
{
    /// <summary>Checks a step's <c>for_each</c>; returns its plan when it has a valid one.</summary>
    public static ForEachPlan? Check(WorkflowGraph graph, int step, StepKind kind, string prefix, WorkflowLimits limits, Action<string, string> add)
    {
        var definition = graph.Steps[step];
        if (definition.ForEach is not { } forEach)
        {
            return null;
        }

        var field = prefix + ".for_each";
        var valid = true;
        if (kind != StepKind.Executor)
        {
            add(field, "for_each fans out a step run by an executor; a sleep or a wait for a signal cannot have one");
            valid = false;
        }

        if (forEach.MaxParallel < 0 || forEach.MaxParallel > limits.MaxForEachItems)
        {
            add(field + ".max_parallel", $"max_parallel is {forEach.MaxParallel}; it must be between 0 (no limit of its own) and {limits.MaxForEachItems} (WorkflowLimits.MaxForEachItems)");
            valid = false;
        }

        var source = Source(graph, step, forEach.Items.Trim(), field + ".items", add);
        return valid && source is not null
            ? new ForEachPlan(source, forEach.MaxParallel > 0 ? forEach.MaxParallel : int.MaxValue)
            : null;
    }

    /// <summary>An <c>{{ item }}</c> or <c>{{ item_index }}</c> outside the input of a <c>for_each</c> step.</summary>
    public static void CheckItemReference(WorkflowGraph graph, int step, string field, TemplateReference reference, Action<string, string> add)
    {
        if ((reference.IsItem || reference.IsItemIndex) && (step < 0 || graph.Steps[step].ForEach is null))
        {
            add(field, step < 0
                ? $"'{reference.Text}': only the input of a step with for_each has an item"
                : $"'{reference.Text}': only the input of a step with for_each has an item; step '{graph.Ids[step]}' has no for_each");
        }
    }

    private static TemplateReference? Source(WorkflowGraph graph, int step, string text, string field, Action<string, string> add)
    {
        const string Usage = "for_each.items is one reference to an array: '{{ workflow.input.<path> }}' or '{{ steps.<id>.output.<path> }}'";
        if (text.Length == 0)
        {
            add(field, $"for_each.items is empty; {Usage}");
            return null;
        }

        var errors = new List<string>();
        var references = TemplateParser.Parse(text, graph.Index.ContainsKey, errors);
        if (errors.Count > 0)
        {
            foreach (var error in errors)
            {
                add(field, error);
            }

            return null;
        }

        if (references.Count != 1 || references[0].Start != 0 || references[0].Length != text.Length)
        {
            add(field, $"'{text}' is not a single reference; {Usage}");
            return null;
        }

        var reference = references[0];
        if (reference.SecretName is not null || reference.IsItem || reference.IsItemIndex)
        {
            add(field, $"'{reference.Text}' cannot be fanned out over; {Usage}");
            return null;
        }

        if (reference.StepId is { } stepId)
        {
            if (!graph.Index.TryGetValue(stepId, out var target))
            {
                add(field, $"'{reference.Text}' references step '{stepId}', which does not exist");
                return null;
            }

            if (!graph.Dependencies[step].Contains(target))
            {
                add(field, $"'{reference.Text}' references step '{stepId}', which is not in the depends_on of step '{graph.Ids[step]}': add it there");
                return null;
            }
        }

        return reference;
    }
}
