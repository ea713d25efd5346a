using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Executor;
using GrpcWorkflows.Plugins.Process.Rules;

namespace GrpcWorkflows.Plugins.Process;

/// <summary>
/// The <c>process</c> step: runs <c>rules</c> in order over the step's data and returns the result.
/// </summary>
/// <remarks>
/// The data is the dependencies' outputs merged (dependencies in step-id order, a later one's field replacing an
/// earlier one's), with the step input's fields other than <c>rules</c> laid over them (the input wins). Every rule
/// is validated before any runs; every problem is reported at once as <c>INVALID_ARGUMENT</c> naming the rule's
/// location (<c>rules[2].operation: unknown operation 'foo' ...</c>). A rule that cannot apply to the data at run
/// time (missing field, a string where a number is needed) fails the step the same way. No rules: the data as is.
/// </remarks>
public sealed class ProcessStepHandler : IStepHandler
{
    /// <summary>The step type served.</summary>
    public const string StepType = "process";

    /// <summary>The rule types understood, in the order the documentation lists them.</summary>
    public static IReadOnlyList<string> RuleTypes => RuleParser.RuleTypes;

    /// <inheritdoc />
    public ValueTask<Struct> ExecuteAsync(StepContext context, CancellationToken cancellationToken)
    {
        var input = context.InputJson();
        var problems = new List<string>();
        var rules = RuleParser.Parse(input["rules"], "rules", problems);
        if (problems.Count > 0)
        {
            throw StepFailedException.InvalidInput(string.Join(" ", problems), Details(problems));
        }

        var data = context.MergedDependencyJson();
        foreach (var (name, value) in input)
        {
            if (name != "rules")
            {
                data[name] = value?.DeepClone();
            }
        }

        using (RuleBudget.Begin())
        {
            foreach (var rule in rules)
            {
                cancellationToken.ThrowIfCancellationRequested();
                RuleBudget.Current!.Tick(rule);
                rule.Apply(data);
            }
        }

        return ValueTask.FromResult(StructJson.ToStruct(data));
    }

    private static Struct Details(List<string> problems)
    {
        var list = new JsonArray();
        foreach (var problem in problems)
        {
            var split = problem.IndexOf(": ", StringComparison.Ordinal);
            list.Add(new JsonObject
            {
                ["field"] = split > 0 ? problem[..split] : "rules",
                ["description"] = split > 0 ? problem[(split + 2)..] : problem,
            });
        }

        return StructJson.ToStruct(new JsonObject { ["violations"] = list });
    }
}
