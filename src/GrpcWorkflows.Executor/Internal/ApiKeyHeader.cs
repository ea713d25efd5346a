using Grpc.Core;

namespace GrpcWorkflows.Executor.Internal;

/// <summary>Adds <see cref="ExecutorOptions.ApiKey"/> (header <c>x-api-key</c>) to every call to the orchestrator, when one is set.</summary>
internal static class ApiKeyHeader
{
    /// <summary>The interceptor function for <c>CallInvoker.Intercept</c>.</summary>
    public static Func<Metadata, Metadata> For(ExecutorOptions options) => headers =>
    {
        if (!string.IsNullOrEmpty(options.ApiKey))
        {
            headers.Add("x-api-key", options.ApiKey);
        }

        return headers;
    };
}
