using Google.Protobuf.WellKnownTypes;

namespace GrpcWorkflows.Engine.Conditions;

/// <summary>
/// A step's <c>when</c> expression, parsed once at validation: a small, safe expression language
/// over the workflow input and upstream outputs. No I/O, no loops, no user functions: evaluation
/// visits each node at most once, so its cost is bounded by the expression's size (at most
/// <see cref="MaxLength"/> characters, nested at most <see cref="MaxDepth"/> levels) times the
/// size of the values it reads.
/// </summary>
internal sealed class Condition
{
    /// <summary>The longest accepted expression, in characters.</summary>
    public const int MaxLength = 1024;

    /// <summary>The deepest accepted nesting of parentheses, operators and calls.</summary>
    public const int MaxDepth = 32;

    private readonly ConditionNode _root;

    private Condition(string text, ConditionNode root, IReadOnlyList<string> steps)
    {
        Text = text;
        _root = root;
        StepReferences = steps;
    }

    /// <summary>The expression as written.</summary>
    public string Text { get; }

    /// <summary>The ids of the steps whose output the expression reads, in order of appearance.</summary>
    public IReadOnlyList<string> StepReferences { get; }

    /// <summary>Parses an expression; <paramref name="stepExists"/> resolves step ids that contain dots.</summary>
    /// <exception cref="ConditionException">The expression is not valid, with the position and the reason.</exception>
    public static Condition Parse(string text, Func<string, bool> stepExists)
    {
        if (text.Length > MaxLength)
        {
            throw new ConditionException($"the expression is {text.Length} characters long; the limit is {MaxLength}");
        }

        var steps = new List<string>();
        var root = new ConditionParser(text, stepExists, steps).ParseAll();
        return new Condition(text, root, steps);
    }

    /// <summary>
    /// Evaluates the expression: true or false. A path that does not exist reads as <c>null</c>,
    /// and a <c>null</c> result counts as false.
    /// </summary>
    /// <exception cref="ConditionException">The expression applies an operator to values of the wrong type, divides by zero, or is not a boolean.</exception>
    public bool Evaluate(ConditionScope scope)
    {
        var value = _root.Evaluate(scope);
        return value.KindCase switch
        {
            Value.KindOneofCase.BoolValue => value.BoolValue,
            Value.KindOneofCase.NullValue or Value.KindOneofCase.None => false,
            _ => throw new ConditionException($"the expression gives {ConditionNode.Describe(value)}, not true or false"),
        };
    }
}
