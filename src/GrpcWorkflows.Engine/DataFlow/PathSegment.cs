using System.Globalization;
using System.Text;

namespace GrpcWorkflows.Engine.DataFlow;

/// <summary>One step of a value path: a field name, or a list index.</summary>
internal readonly record struct PathSegment(string? Field, int Index)
{
    public static string Format(IReadOnlyList<PathSegment> path)
    {
        var text = new StringBuilder();
        foreach (var segment in path)
        {
            if (segment.Field is null)
            {
                text.Append('[').Append(segment.Index.ToString(CultureInfo.InvariantCulture)).Append(']');
            }
            else
            {
                if (text.Length > 0)
                {
                    text.Append('.');
                }

                text.Append(segment.Field);
            }
        }

        return text.ToString();
    }
}
