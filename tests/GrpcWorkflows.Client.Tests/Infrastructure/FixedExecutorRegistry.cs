using Grpc.Core;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Client.Tests.Infrastructure;

/// <summary>An executor registry that lists a fixed set of executors and keeps the headers of each call.</summary>
internal sealed class FixedExecutorRegistry(IReadOnlyList<ExecutorInfo> executors) : ExecutorRegistryService.ExecutorRegistryServiceBase
{
    public System.Collections.Concurrent.ConcurrentQueue<Metadata> Headers { get; } = new();

    public override Task<ListExecutorsResponse> ListExecutors(ListExecutorsRequest request, ServerCallContext context)
    {
        Headers.Enqueue(context.RequestHeaders);
        var response = new ListExecutorsResponse();
        response.Executors.Add(executors.Where(e => request.StepType.Length == 0 || e.StepTypes.Contains(request.StepType)));
        return Task.FromResult(response);
    }
}
