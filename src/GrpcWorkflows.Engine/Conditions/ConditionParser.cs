using System.Globalization;
using Google.Protobuf.WellKnownTypes;

namespace GrpcWorkflows.Engine.Conditions;

/// <summary>
/// A recursive-descent parser of condition expressions. Precedence, loosest first:
/// <c>?:</c>, <c>||</c>, <c>&amp;&amp;</c>, <c>== !=</c>, <c>&lt; &lt;= &gt; &gt;= in</c>, <c>+ -</c>,
/// <c>* / %</c>, unary <c>! -</c>, then <c>.field</c> and <c>[index]</c>.
/// </summary>
internal sealed class ConditionParser(string text, Func<string, bool> stepExists, List<string> steps)
{
    private static readonly string[] Functions = ["size", "contains", "startsWith", "endsWith"];
    private int _position;
    private int _depth;

    public ConditionNode ParseAll()
    {
        SkipSpace();
        if (_position >= text.Length)
        {
            throw Error("the expression is empty");
        }

        var node = ParseTernary();
        SkipSpace();
        if (_position < text.Length)
        {
            throw Error($"unexpected '{text[_position]}'");
        }

        return node;
    }

    private ConditionNode ParseTernary()
    {
        Enter();
        var condition = ParseBinary(0);
        if (Accept("?"))
        {
            var then = ParseTernary();
            Expect(":");
            var otherwise = ParseTernary();
            condition = new ConditionNode.Ternary(condition, then, otherwise);
        }

        _depth--;
        return condition;
    }

    /// <summary>Operators by precedence level, loosest first.</summary>
    private static readonly string[][] Levels =
    [
        ["||"],
        ["&&"],
        ["==", "!="],
        ["<=", ">=", "<", ">", "in"],
        ["+", "-"],
        ["*", "/", "%"],
    ];

    private ConditionNode ParseBinary(int level)
    {
        if (level == Levels.Length)
        {
            return ParseUnary();
        }

        var left = ParseBinary(level + 1);
        while (true)
        {
            var op = AcceptAny(Levels[level]);
            if (op is null)
            {
                return left;
            }

            Enter();
            left = new ConditionNode.Binary(op, left, ParseBinary(level + 1));
            _depth--;
        }
    }

    private ConditionNode ParseUnary()
    {
        SkipSpace();
        if (Peek('!') && !PeekAt(1, '='))
        {
            _position++;
            Enter();
            var operand = ParseUnary();
            _depth--;
            return new ConditionNode.Not(operand);
        }

        if (Peek('-'))
        {
            _position++;
            Enter();
            var operand = ParseUnary();
            _depth--;
            return new ConditionNode.Negate(operand);
        }

        return ParsePostfix(ParsePrimary());
    }

    private ConditionNode ParsePostfix(ConditionNode node)
    {
        while (true)
        {
            SkipSpace();
            if (Peek('.'))
            {
                _position++;
                node = new ConditionNode.Member(node, ConditionNode.Literal(Value.ForString(Identifier("a field name after '.'"))));
            }
            else if (Peek('['))
            {
                _position++;
                Enter();
                var index = ParseTernary();
                _depth--;
                Expect("]");
                node = new ConditionNode.Member(node, index);
            }
            else
            {
                return node;
            }
        }
    }

    private ConditionNode ParsePrimary()
    {
        SkipSpace();
        if (_position >= text.Length)
        {
            throw Error("the expression ends where a value was expected");
        }

        var c = text[_position];
        if (char.IsAsciiDigit(c))
        {
            return ConditionNode.Literal(Value.ForNumber(Number()));
        }

        if (c is '"' or '\'')
        {
            return ConditionNode.Literal(Value.ForString(StringLiteral(c)));
        }

        if (c == '(')
        {
            _position++;
            Enter();
            var inner = ParseTernary();
            _depth--;
            Expect(")");
            return inner;
        }

        if (c == '[')
        {
            _position++;
            Enter();
            var items = Arguments("]");
            _depth--;
            return new ConditionNode.List([.. items]);
        }

        var start = _position;
        var name = Identifier("a value");
        switch (name)
        {
            case "true":
                return ConditionNode.Literal(Value.ForBool(true));
            case "false":
                return ConditionNode.Literal(Value.ForBool(false));
            case "null":
                return ConditionNode.Literal(Value.ForNull());
            case "workflow":
                Expect(".");
                if (Identifier("'input' after 'workflow.'") != "input")
                {
                    throw Error("an expression reads the workflow input as 'workflow.input'", start);
                }

                return new ConditionNode.WorkflowInput();
            case "steps":
                return StepReference(start);
        }

        if (Functions.Contains(name))
        {
            Expect("(");
            Enter();
            var arguments = Arguments(")");
            _depth--;
            var expected = name == "size" ? 1 : 2;
            if (arguments.Count != expected)
            {
                throw Error($"{name}() takes {expected} argument{(expected == 1 ? string.Empty : "s")}, not {arguments.Count}", start);
            }

            return new ConditionNode.Call(name, [.. arguments]);
        }

        throw Error($"unknown name '{name}': an expression reads 'workflow.input.<path>' and 'steps.<id>.output.<path>', and calls size(), contains(), startsWith() and endsWith()", start);
    }

    /// <summary><c>steps.&lt;id&gt;.output</c>: the id is the shortest prefix before <c>.output</c> that names a step (ids may hold dots and dashes).</summary>
    private ConditionNode.StepOutput StepReference(int start)
    {
        Expect(".");
        var from = _position;
        var end = from;
        while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] is '_' or '.' or '-'))
        {
            end++;
        }

        const string Marker = ".output";
        var search = from;
        while (true)
        {
            var marker = text.IndexOf(Marker, search, end - search, StringComparison.Ordinal);
            if (marker < 0)
            {
                throw Error("a step is read as 'steps.<id>.output', with the id of an existing step", start);
            }

            var after = marker + Marker.Length;
            var id = text[from..marker];
            if (id.Length > 0 && (after >= text.Length || !(char.IsAsciiLetterOrDigit(text[after]) || text[after] == '_')) && stepExists(id))
            {
                _position = after;
                steps.Add(id);
                return new ConditionNode.StepOutput(id);
            }

            search = marker + 1;
        }
    }

    private List<ConditionNode> Arguments(string close)
    {
        var items = new List<ConditionNode>();
        if (Accept(close))
        {
            return items;
        }

        do
        {
            items.Add(ParseTernary());
        }
        while (Accept(","));
        Expect(close);
        return items;
    }

    private double Number()
    {
        var start = _position;
        while (_position < text.Length && (char.IsAsciiDigit(text[_position]) || text[_position] == '.'))
        {
            _position++;
        }

        if (!double.TryParse(text.AsSpan(start, _position - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            throw Error($"'{text[start.._position]}' is not a number", start);
        }

        return value;
    }

    private string StringLiteral(char quote)
    {
        var start = _position++;
        var builder = new System.Text.StringBuilder();
        while (_position < text.Length && text[_position] != quote)
        {
            var c = text[_position++];
            if (c == '\\' && _position < text.Length)
            {
                c = text[_position++] switch
                {
                    'n' => '\n',
                    't' => '\t',
                    var other => other,
                };
            }

            builder.Append(c);
        }

        if (_position >= text.Length)
        {
            throw Error("the string is not closed", start);
        }

        _position++;
        return builder.ToString();
    }

    private string Identifier(string what)
    {
        SkipSpace();
        var start = _position;
        while (_position < text.Length && (char.IsAsciiLetterOrDigit(text[_position]) || text[_position] == '_'))
        {
            _position++;
        }

        if (_position == start || char.IsAsciiDigit(text[start]))
        {
            _position = start;
            throw Error($"expected {what}");
        }

        return text[start.._position];
    }

    private string? AcceptAny(string[] operators)
    {
        SkipSpace();
        foreach (var op in operators)
        {
            if (string.CompareOrdinal(text, _position, op, 0, op.Length) != 0)
            {
                continue;
            }

            var next = _position + op.Length;
            if (op == "in" && next < text.Length && (char.IsAsciiLetterOrDigit(text[next]) || text[next] == '_'))
            {
                continue;
            }

            _position = next;
            return op;
        }

        return null;
    }

    private bool Accept(string token)
    {
        SkipSpace();
        if (string.CompareOrdinal(text, _position, token, 0, token.Length) == 0)
        {
            _position += token.Length;
            return true;
        }

        return false;
    }

    private void Expect(string token)
    {
        if (!Accept(token))
        {
            throw Error(_position < text.Length ? $"expected '{token}', found '{text[_position]}'" : $"expected '{token}' at the end");
        }
    }

    private void Enter()
    {
        if (++_depth > Condition.MaxDepth)
        {
            throw Error($"the expression is nested more than {Condition.MaxDepth} levels deep");
        }
    }

    private bool Peek(char c) => _position < text.Length && text[_position] == c;

    private bool PeekAt(int offset, char c) => _position + offset < text.Length && text[_position + offset] == c;

    private void SkipSpace()
    {
        while (_position < text.Length && char.IsWhiteSpace(text[_position]))
        {
            _position++;
        }
    }

    private ConditionException Error(string message, int? at = null)
        => new($"at position {(at ?? _position) + 1}: {message}");
}
