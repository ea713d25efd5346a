namespace GrpcWorkflows.Plugins.Ai.Tasks;

/// <summary>The values of <c>input.task</c>.</summary>
public static class AiTaskNames
{
    /// <summary>Embedding vectors of texts (local model).</summary>
    public const string Embed = "embed";

    /// <summary>Cosine similarity of texts (local model).</summary>
    public const string Similarity = "similarity";

    /// <summary>Zero-shot classification: the label whose description is nearest (local model).</summary>
    public const string Classify = "classify";

    /// <summary>Items ordered by relevance to a query (local model).</summary>
    public const string Rank = "rank";

    /// <summary>Extractive summary: the most central sentences (local model).</summary>
    public const string Summarize = "summarize";

    /// <summary>A profile of upstream data: fields, types, statistics, text summaries and labels (local model).</summary>
    public const string Analyze = "analyze";

    /// <summary>A prompt answered by the chat provider.</summary>
    public const string Chat = "chat";
}
