using GrpcWorkflows.V1;

namespace GrpcWorkflows.Orchestrator.Services.Internal;

/// <summary>Reads the submission out of a <c>RunWorkflowRequest</c>: its <c>submit</c> field, or the deprecated fields 1 to 4.</summary>
internal static class RunRequests
{
    /// <summary>The submission a run request carries.</summary>
    /// <exception cref="Grpc.Core.RpcException"><c>INVALID_ARGUMENT</c> when both <c>submit</c> and a deprecated field are set.</exception>
    public static SubmitWorkflowRequest Submission(RunWorkflowRequest request)
    {
#pragma warning disable CS0612 // The deprecated fields are read here, and only here, for clients that still send them.
        var legacy = new SubmitWorkflowRequest { Definition = request.Definition, Input = request.Input, IdempotencyKey = request.IdempotencyKey };
        legacy.Labels.Add(request.Labels);
#pragma warning restore CS0612
        if (request.Submit is null)
        {
            return legacy;
        }

        var both = new List<string>();
        if (legacy.Definition is not null)
        {
            both.Add("definition");
        }

        if (legacy.Input is not null)
        {
            both.Add("input");
        }

        if (legacy.IdempotencyKey.Length > 0)
        {
            both.Add("idempotency_key");
        }

        if (legacy.Labels.Count > 0)
        {
            both.Add("labels");
        }

        if (both.Count > 0)
        {
            throw RpcErrors.InvalidArgument(
                "A RunWorkflowRequest sets both submit and deprecated fields",
                both.Select(field => new ValidationProblem { Field = field, Description = $"is deprecated and must be empty when submit is set; use submit.{field}." }));
        }

        return request.Submit;
    }
}
