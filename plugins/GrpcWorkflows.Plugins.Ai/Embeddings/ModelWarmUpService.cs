using GrpcWorkflows.Plugins.Ai.Internal;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Plugins.Ai.Embeddings;

/// <summary>
/// Loads the local model in the background right after start (when <see cref="LocalModelOptions.WarmUpOnStart"/>),
/// so the first step does not pay for it. The server listens meanwhile; a step that arrives first waits for the load.
/// </summary>
internal sealed class ModelWarmUpService(
    MiniLmEmbeddingGenerator generator,
    IOptions<AiOptions> options,
    ILogger<ModelWarmUpService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Local.WarmUpOnStart)
        {
            return Task.CompletedTask;
        }

        return Task.Run(
            () =>
            {
                try
                {
                    // One tiny encode after the load also warms ONNX Runtime's first run (about 4x slower than the next).
                    generator.EnsureLoaded();
                    _ = generator.GenerateAsync(["warm up"], cancellationToken: stoppingToken).GetAwaiter().GetResult();
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // The steps that need the model will report the failure; the executor keeps serving chat.
                    Log.ModelWarmUpFailed(logger, exception);
                }
            },
            stoppingToken);
    }
}
