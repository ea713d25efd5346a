using System.Text;

namespace GrpcWorkflows.Client.Definitions.Internal;

/// <summary>Builds field paths such as <c>steps.b.depends_on[0]</c> while walking a document.</summary>
internal sealed class DocumentPath
{
    private readonly List<string> _segments = [];

    public void Push(string segment) => _segments.Add(segment);

    public void Pop() => _segments.RemoveAt(_segments.Count - 1);

    public string With(string last)
    {
        Push(last);
        var text = ToString();
        Pop();
        return text;
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var segment in _segments)
        {
            if (segment.Length > 0 && segment[0] == '[')
            {
                text.Append(segment);
            }
            else
            {
                if (text.Length > 0)
                {
                    text.Append('.');
                }

                text.Append(segment);
            }
        }

        return text.ToString();
    }
}
