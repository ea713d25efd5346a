using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using GrpcWorkflows.Orchestrator.Registry;
using GrpcWorkflows.Orchestrator.Services.Internal;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Orchestrator.Services;

/// <summary>
/// The <c>ExecutorRegistryService</c>: executors register their endpoint and step types, keep
/// their lease with heartbeats and deregister on shutdown; operators list them.
/// </summary>
internal sealed class ExecutorRegistryGrpcService(ExecutorRegistry registry) : ExecutorRegistryService.ExecutorRegistryServiceBase
{
    /// <inheritdoc />
    public override Task<RegisterExecutorResponse> RegisterExecutor(RegisterExecutorRequest request, ServerCallContext context)
    {
        var problems = new List<ValidationProblem>();
        if (!ExecutorAddress.TryNormalize(request.Endpoint, out _))
        {
            problems.Add(new ValidationProblem { Field = "endpoint", Description = $"'{request.Endpoint}' is not an absolute http:// or https:// URL with a host, such as http://127.0.0.1:5101 (h2c) or https://executor.example:443 (TLS)." });
        }

        if (request.StepTypes.Count == 0)
        {
            problems.Add(new ValidationProblem { Field = "step_types", Description = "must list at least one step type." });
        }

        for (var i = 0; i < request.StepTypes.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(request.StepTypes[i]))
            {
                problems.Add(new ValidationProblem { Field = $"step_types[{i}]", Description = "must not be empty." });
            }
        }

        if (request.MaxConcurrency < 0)
        {
            problems.Add(new ValidationProblem { Field = "max_concurrency", Description = "must be 0 (the orchestrator's default) or more." });
        }

        if (problems.Count > 0)
        {
            throw RpcErrors.InvalidArgument($"The registration has {problems.Count} problem(s)", problems);
        }

        return Task.FromResult(registry.Register(request));
    }

    /// <inheritdoc />
    public override Task<HeartbeatResponse> Heartbeat(HeartbeatRequest request, ServerCallContext context)
    {
        var expires = registry.Heartbeat(request.ExecutorId)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"Executor '{request.ExecutorId}' is not registered (its lease expired); register again."));
        return Task.FromResult(new HeartbeatResponse { LeaseExpireTime = Timestamp.FromDateTimeOffset(expires) });
    }

    /// <inheritdoc />
    public override Task<DeregisterExecutorResponse> DeregisterExecutor(DeregisterExecutorRequest request, ServerCallContext context)
    {
        // Idempotent: an executor that is already gone is deregistered.
        registry.Deregister(request.ExecutorId);
        return Task.FromResult(new DeregisterExecutorResponse());
    }

    /// <inheritdoc />
    public override Task<ListExecutorsResponse> ListExecutors(ListExecutorsRequest request, ServerCallContext context)
    {
        var response = new ListExecutorsResponse();
        response.Executors.Add(registry.List(string.IsNullOrEmpty(request.StepType) ? null : request.StepType));
        return Task.FromResult(response);
    }
}
