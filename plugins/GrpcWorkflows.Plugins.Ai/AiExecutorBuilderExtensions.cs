using GrpcWorkflows.Executor.Hosting;
using GrpcWorkflows.Plugins.Ai;
using GrpcWorkflows.Plugins.Ai.Chat;
using GrpcWorkflows.Plugins.Ai.Embeddings;
using GrpcWorkflows.Plugins.Ai.Tasks;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <c>ai</c> step type on an executor.</summary>
public static class AiExecutorBuilderExtensions
{
    /// <summary>The description published by <c>DescribeExecutor</c>.</summary>
    public const string Description =
        "AI processing: embed, similarity, classify, rank, summarize and analyze on a local MiniLM model (offline); chat on an OpenAI-compatible provider (Ai:Chat:Endpoint).";

    /// <summary>
    /// Serves the <c>ai</c> step type: binds <see cref="AiOptions"/> from the <c>Ai</c> configuration section
    /// (validated at start), registers the local model as the process's
    /// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> (loaded once, in the background after start unless
    /// <c>Ai:Local:WarmUpOnStart</c> is false) and the chat provider when <c>Ai:Chat:Endpoint</c> is set.
    /// </summary>
    /// <param name="builder">The executor builder from <c>AddGrpcWorkflowsExecutor()</c>.</param>
    /// <returns>The builder.</returns>
    public static IExecutorBuilder AddAiStep(this IExecutorBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<AiOptions>().BindConfiguration(AiOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AiOptions>, AiOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<MiniLmEmbeddingGenerator>();
        services.TryAddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp => sp.GetRequiredService<MiniLmEmbeddingGenerator>());
        services.AddHostedService<ModelWarmUpService>();
        services.TryAddSingleton<ChatClientSource>();
        services.TryAddEnumerable(
        [
            ServiceDescriptor.Singleton<IAiTask, EmbedTask>(),
            ServiceDescriptor.Singleton<IAiTask, SimilarityTask>(),
            ServiceDescriptor.Singleton<IAiTask, ClassifyTask>(),
            ServiceDescriptor.Singleton<IAiTask, RankTask>(),
            ServiceDescriptor.Singleton<IAiTask, SummarizeTask>(),
            ServiceDescriptor.Singleton<IAiTask, AnalyzeTask>(),
            ServiceDescriptor.Singleton<IAiTask, ChatTask>(),
        ]);

        // Stateless over singletons: one instance serves every call.
        services.TryAddSingleton<AiStepHandler>();
        return builder.AddStepHandler<AiStepHandler>(AiStepHandler.StepType, Description, AiInputSchema.Create());
    }
}
