using System.Globalization;
using Google.Protobuf.WellKnownTypes;

namespace GrpcWorkflows.Engine.Conditions;

/// <summary>A node of a parsed condition; values are JSON values (<see cref="Value"/>), numbers are doubles.</summary>
internal abstract class ConditionNode
{
    private static readonly Value Null = Value.ForNull();

    public abstract Value Evaluate(ConditionScope scope);

    public static ConditionNode Literal(Value value) => new Constant(value);

    /// <summary>A value's kind in words, for messages.</summary>
    public static string Describe(Value value) => value.KindCase switch
    {
        Value.KindOneofCase.NumberValue => "the number " + value.NumberValue.ToString("R", CultureInfo.InvariantCulture),
        Value.KindOneofCase.StringValue => "a string",
        Value.KindOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        Value.KindOneofCase.ListValue => "a list",
        Value.KindOneofCase.StructValue => "an object",
        _ => "null",
    };

    private static bool IsNull(Value value) => value.KindCase is Value.KindOneofCase.NullValue or Value.KindOneofCase.None;

    private static bool Bool(Value value, string op) => value.KindCase == Value.KindOneofCase.BoolValue
        ? value.BoolValue
        : throw new ConditionException($"'{op}' needs true or false, not {Describe(value)}");

    private static double Number(Value value, string op) => value.KindCase == Value.KindOneofCase.NumberValue
        ? value.NumberValue
        : throw new ConditionException($"'{op}' needs numbers, not {Describe(value)}");

    private static string Text(Value value, string op) => value.KindCase == Value.KindOneofCase.StringValue
        ? value.StringValue
        : throw new ConditionException($"{op} needs strings, not {Describe(value)}");

    internal sealed class Constant(Value value) : ConditionNode
    {
        public override Value Evaluate(ConditionScope scope) => value;
    }

    internal sealed class WorkflowInput : ConditionNode
    {
        public override Value Evaluate(ConditionScope scope) => scope.WorkflowInput is { } input ? Value.ForStruct(input) : Null;
    }

    internal sealed class StepOutput(string stepId) : ConditionNode
    {
        public override Value Evaluate(ConditionScope scope) => scope.StepOutput(stepId) is { } output ? Value.ForStruct(output) : Null;
    }

    /// <summary><c>x.name</c> and <c>x[key]</c>: a missing field or index reads as null.</summary>
    internal sealed class Member(ConditionNode target, ConditionNode key) : ConditionNode
    {
        public override Value Evaluate(ConditionScope scope)
        {
            var value = target.Evaluate(scope);
            var k = key.Evaluate(scope);
            switch (value.KindCase)
            {
                case Value.KindOneofCase.StructValue when k.KindCase == Value.KindOneofCase.StringValue:
                    return value.StructValue.Fields.TryGetValue(k.StringValue, out var field) ? field : Null;
                case Value.KindOneofCase.ListValue when k.KindCase == Value.KindOneofCase.NumberValue:
                    var index = k.NumberValue;
                    var items = value.ListValue.Values;
                    return index >= 0 && index < items.Count && index == Math.Floor(index) ? items[(int)index] : Null;
                case Value.KindOneofCase.NullValue or Value.KindOneofCase.None:
                    return Null;
                default:
                    throw new ConditionException($"{Describe(value)} cannot be indexed by {Describe(k)}");
            }
        }
    }

    internal sealed class List(ConditionNode[] items) : ConditionNode
    {
        public override Value Evaluate(ConditionScope scope) => Value.ForList([.. items.Select(i => i.Evaluate(scope))]);
    }

    internal sealed class Not(ConditionNode operand) : ConditionNode
    {
        public override Value Evaluate(ConditionScope scope) => Value.ForBool(!Bool(operand.Evaluate(scope), "!"));
    }

    internal sealed class Negate(ConditionNode operand) : ConditionNode
    {
        public override Value Evaluate(ConditionScope scope) => Value.ForNumber(-Number(operand.Evaluate(scope), "-"));
    }

    internal sealed class Ternary(ConditionNode condition, ConditionNode then, ConditionNode otherwise) : ConditionNode
    {
        public override Value Evaluate(ConditionScope scope) => Bool(condition.Evaluate(scope), "?:") ? then.Evaluate(scope) : otherwise.Evaluate(scope);
    }

    internal sealed class Binary(string op, ConditionNode left, ConditionNode right) : ConditionNode
    {
        public override Value Evaluate(ConditionScope scope)
        {
            var a = left.Evaluate(scope);
            switch (op)
            {
                case "&&":
                    return Value.ForBool(Bool(a, op) && Bool(right.Evaluate(scope), op));
                case "||":
                    return Value.ForBool(Bool(a, op) || Bool(right.Evaluate(scope), op));
            }

            var b = right.Evaluate(scope);
            return op switch
            {
                "==" => Value.ForBool(Same(a, b)),
                "!=" => Value.ForBool(!Same(a, b)),
                "<" => Value.ForBool(Compare(a, b) < 0),
                "<=" => Value.ForBool(Compare(a, b) <= 0),
                ">" => Value.ForBool(Compare(a, b) > 0),
                ">=" => Value.ForBool(Compare(a, b) >= 0),
                "in" => Value.ForBool(Contains(b, a)),
                "+" => Add(a, b),
                "-" => Value.ForNumber(Number(a, op) - Number(b, op)),
                "*" => Value.ForNumber(Number(a, op) * Number(b, op)),
                "/" => Value.ForNumber(Number(a, op) / NonZero(Number(b, op))),
                "%" => Value.ForNumber(Number(a, op) % NonZero(Number(b, op))),
                _ => throw new ConditionException($"unknown operator '{op}'"),
            };
        }

        private static bool Same(Value a, Value b) => (IsNull(a) && IsNull(b)) || a.Equals(b);

        private int Compare(Value a, Value b)
        {
            if (a.KindCase == Value.KindOneofCase.NumberValue && b.KindCase == Value.KindOneofCase.NumberValue)
            {
                return a.NumberValue.CompareTo(b.NumberValue);
            }

            if (a.KindCase == Value.KindOneofCase.StringValue && b.KindCase == Value.KindOneofCase.StringValue)
            {
                return string.CompareOrdinal(a.StringValue, b.StringValue);
            }

            throw new ConditionException($"'{op}' compares two numbers or two strings, not {Describe(a)} and {Describe(b)}");
        }

        private static bool Contains(Value container, Value item) => container.KindCase switch
        {
            Value.KindOneofCase.ListValue => container.ListValue.Values.Any(v => Same(v, item)),
            Value.KindOneofCase.StructValue => container.StructValue.Fields.ContainsKey(Text(item, "'in' on an object")),
            Value.KindOneofCase.NullValue or Value.KindOneofCase.None => false,
            _ => throw new ConditionException($"'in' needs a list or an object on its right, not {Describe(container)}"),
        };

        private static Value Add(Value a, Value b)
        {
            if (a.KindCase == Value.KindOneofCase.StringValue && b.KindCase == Value.KindOneofCase.StringValue)
            {
                return Value.ForString(a.StringValue + b.StringValue);
            }

            if (a.KindCase == Value.KindOneofCase.ListValue && b.KindCase == Value.KindOneofCase.ListValue)
            {
                return Value.ForList([.. a.ListValue.Values, .. b.ListValue.Values]);
            }

            return Value.ForNumber(Number(a, "+") + Number(b, "+"));
        }

        private static double NonZero(double divisor) => divisor != 0 ? divisor : throw new ConditionException("division by zero");
    }

    internal sealed class Call(string name, ConditionNode[] arguments) : ConditionNode
    {
        public override Value Evaluate(ConditionScope scope)
        {
            var first = arguments[0].Evaluate(scope);
            if (name == "size")
            {
                return Value.ForNumber(first.KindCase switch
                {
                    Value.KindOneofCase.StringValue => first.StringValue.Length,
                    Value.KindOneofCase.ListValue => first.ListValue.Values.Count,
                    Value.KindOneofCase.StructValue => first.StructValue.Fields.Count,
                    Value.KindOneofCase.NullValue or Value.KindOneofCase.None => 0,
                    _ => throw new ConditionException($"size() needs a string, a list or an object, not {Describe(first)}"),
                });
            }

            var subject = Text(first, name + "()");
            var part = Text(arguments[1].Evaluate(scope), name + "()");
            return Value.ForBool(name switch
            {
                "contains" => subject.Contains(part, StringComparison.Ordinal),
                "startsWith" => subject.StartsWith(part, StringComparison.Ordinal),
                _ => subject.EndsWith(part, StringComparison.Ordinal),
            });
        }
    }
}
