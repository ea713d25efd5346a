using Google.Protobuf.WellKnownTypes;

namespace GrpcWorkflows.Engine.Validation;

/// <summary>
/// The <see cref="Value"/>s the engine cannot carry: no kind set, or a number JSON cannot hold.
/// Both make JSON formatting throw when they are interpolated into text, so validation refuses them.
/// </summary>
internal static class ValueCheck
{
    /// <summary>The most problems one walk reports; the rest are summarized in one line.</summary>
    public const int MaxProblems = 20;

    /// <summary>Why the engine cannot carry <paramref name="value"/> itself (not its children), or null when it can.</summary>
    public static string? Problem(Value value) => value.KindCase switch
    {
        Value.KindOneofCase.None => "the value has no kind set (a google.protobuf.Value must be null, a number, a string, a bool, a struct or a list)",
        Value.KindOneofCase.NumberValue when !double.IsFinite(value.NumberValue) => "the number is NaN or infinite, which JSON cannot hold",
        _ => null,
    };

    /// <summary>Reports every value under <paramref name="root"/> the engine cannot carry, by field path (at most <see cref="MaxProblems"/>).</summary>
    public static void Walk(Struct value, string root, Action<string, string> add)
    {
        var found = 0;
        WalkStruct(value, root, add, ref found);
        if (found > MaxProblems)
        {
            add(root, $"{found - MaxProblems} more value(s) the engine cannot carry");
        }
    }

    private static void WalkStruct(Struct value, string path, Action<string, string> add, ref int found)
    {
        foreach (var (name, item) in value.Fields)
        {
            WalkValue(item, path + "." + name, add, ref found);
        }
    }

    private static void WalkValue(Value value, string path, Action<string, string> add, ref int found)
    {
        switch (value.KindCase)
        {
            case Value.KindOneofCase.StructValue:
                WalkStruct(value.StructValue, path, add, ref found);
                break;
            case Value.KindOneofCase.ListValue:
                var index = 0;
                foreach (var item in value.ListValue.Values)
                {
                    WalkValue(item, $"{path}[{index++}]", add, ref found);
                }

                break;
            default:
                if (Problem(value) is { } problem && ++found <= MaxProblems)
                {
                    add(path, problem);
                }

                break;
        }
    }
}
