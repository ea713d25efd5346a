using Grpc.Core;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Client.Tests.Infrastructure;

/// <summary>An executor registry that lists a fixed set of executors.</summary>
internal sealed class FixedExecutorRegistry(IReadOnlyList<ExecutorInfo> executors) : ExecutorRegistryService.ExecutorRegistryServiceBase
{
    public override Task<ListExecutorsResponse> ListExecutors(ListExecutorsRequest request, ServerCallContext context)
    {
        var response = new ListExecutorsResponse();
        response.Executors.Add(executors.Where(e => request.StepType.Length == 0 || e.StepTypes.Contains(request.StepType)));
        return Task.FromResult(response);
    }
}
