using System.Text.Json.Nodes;
using GrpcWorkflows.Plugins.Ai.Embeddings;

namespace GrpcWorkflows.Plugins.Ai.Tasks;

/// <summary>The fields every local task's output starts with.</summary>
internal static class LocalOutput
{
    /// <summary>The value of <c>provider</c> for the local model.</summary>
    public const string Provider = "local";

    public static JsonObject Create(string task) => new()
    {
        ["provider"] = Provider,
        ["task"] = task,
        ["model"] = MiniLmEmbeddingGenerator.ModelId,
    };
}
