using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using GrpcWorkflows.Orchestrator.Registry;
using GrpcWorkflows.Orchestrator.Registry.Internal;
using GrpcWorkflows.Orchestrator.Security;
using GrpcWorkflows.Orchestrator.Services.Internal;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Orchestrator.Services;

/// <summary>
/// The <c>ExecutorRegistryService</c>: executors register their endpoint and step types, keep
/// their lease with heartbeats and deregister on shutdown; operators list them.
/// </summary>
internal sealed class ExecutorRegistryGrpcService(ExecutorRegistry registry, ExecutorEndpointPolicy endpoints, IOptions<ExecutorRegistryOptions> options) : ExecutorRegistryService.ExecutorRegistryServiceBase
{
    /// <inheritdoc />
    public override async Task<RegisterExecutorResponse> RegisterExecutor(RegisterExecutorRequest request, ServerCallContext context)
    {
        var limits = options.Value;
        var problems = new List<ValidationProblem>();
        void Add(string field, string description) => problems.Add(new ValidationProblem { Field = field, Description = description });

        if (await endpoints.CheckAsync(request.Endpoint, context.CancellationToken).ConfigureAwait(false) is { } endpointProblem)
        {
            Add("endpoint", $"'{RpcErrors.Truncate(request.Endpoint, 200)}' {endpointProblem}");
        }

        if (request.StepTypes.Count == 0)
        {
            Add("step_types", "must list at least one step type.");
        }
        else if (request.StepTypes.Count > limits.MaxStepTypes)
        {
            Add("step_types", $"lists {request.StepTypes.Count} step types; the limit is {limits.MaxStepTypes} (Executors:MaxStepTypes).");
        }

        for (var i = 0; i < Math.Min(request.StepTypes.Count, limits.MaxStepTypes); i++)
        {
            if (string.IsNullOrWhiteSpace(request.StepTypes[i]))
            {
                Add($"step_types[{i}]", "must not be empty.");
            }
            else if (request.StepTypes[i].Length > limits.MaxLabelLength)
            {
                Add($"step_types[{i}]", TooLong(request.StepTypes[i], limits.MaxLabelLength));
            }
        }

        if (request.MaxConcurrency < 0)
        {
            Add("max_concurrency", "must be 0 (the orchestrator's default) or more.");
        }

        if (request.Name.Length > limits.MaxLabelLength)
        {
            Add("name", TooLong(request.Name, limits.MaxLabelLength));
        }

        if (request.Version.Length > limits.MaxLabelLength)
        {
            Add("version", TooLong(request.Version, limits.MaxLabelLength));
        }

        if (request.Labels.Count > limits.MaxLabels)
        {
            Add("labels", $"has {request.Labels.Count} labels; the limit is {limits.MaxLabels} (Executors:MaxLabels).");
        }
        else
        {
            foreach (var (key, value) in request.Labels)
            {
                if (key.Length > limits.MaxLabelLength)
                {
                    Add("labels", $"a key {TooLong(key, limits.MaxLabelLength)}");
                }
                else if (value.Length > limits.MaxLabelLength)
                {
                    Add($"labels.{key}", TooLong(value, limits.MaxLabelLength));
                }
            }
        }

        if (problems.Count > 0)
        {
            throw RpcErrors.InvalidArgument($"The registration has {problems.Count} problem(s)", problems);
        }

        try
        {
            return registry.Register(request, CallerPrincipal.Of(context));
        }
        catch (RegistryFullException e)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, e.Message));
        }
        catch (ExecutorRegistrationDeniedException e)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, e.Message));
        }
    }

    /// <inheritdoc />
    public override Task<HeartbeatResponse> Heartbeat(HeartbeatRequest request, ServerCallContext context)
    {
        var expires = registry.Heartbeat(request.ExecutorId, CallerPrincipal.Of(context))
            ?? throw NotRegistered(request.ExecutorId);
        return Task.FromResult(new HeartbeatResponse { LeaseExpireTime = Timestamp.FromDateTimeOffset(expires) });
    }

    /// <inheritdoc />
    public override Task<DeregisterExecutorResponse> DeregisterExecutor(DeregisterExecutorRequest request, ServerCallContext context)
    {
        // Idempotent: an executor that is already gone is deregistered. Another credential's executor
        // answers as an unknown id does to a heartbeat.
        if (registry.Deregister(request.ExecutorId, CallerPrincipal.Of(context)) == DeregisterOutcome.NotOwned)
        {
            throw NotRegistered(request.ExecutorId);
        }

        return Task.FromResult(new DeregisterExecutorResponse());
    }

    /// <inheritdoc />
    public override Task<ListExecutorsResponse> ListExecutors(ListExecutorsRequest request, ServerCallContext context)
    {
        var response = new ListExecutorsResponse();
        response.Executors.Add(registry.List(string.IsNullOrEmpty(request.StepType) ? null : request.StepType));
        return Task.FromResult(response);
    }

    private static RpcException NotRegistered(string executorId)
        => new(new Status(StatusCode.NotFound, $"Executor '{RpcErrors.Truncate(executorId)}' is not registered by this credential (or its lease expired); register again."));

    private static string TooLong(string text, int limit) => $"is {text.Length} characters; the limit is {limit} (Executors:MaxLabelLength).";
}
