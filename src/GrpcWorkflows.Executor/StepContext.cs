using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Executor;

/// <summary>One attempt of one step, as a step handler sees it.</summary>
/// <remarks>Created by the SDK per call; tests create one from an <see cref="ExecuteStepRequest"/> to call a handler directly.</remarks>
public sealed class StepContext
{
    private readonly IReadOnlyDictionary<string, Struct> _dependencies;

    /// <summary>Creates the context of an attempt.</summary>
    /// <param name="request">The request the orchestrator sent.</param>
    /// <param name="deadline">The call's deadline (UTC), if it has one.</param>
    /// <param name="services">The call's service provider, if any.</param>
    public StepContext(ExecuteStepRequest request, DateTime? deadline = null, IServiceProvider? services = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        Request = request;
        Deadline = deadline;
        Services = services;
        _dependencies = request.Dependencies;
    }

    /// <summary>The request as received.</summary>
    public ExecuteStepRequest Request { get; }

    /// <summary>The execution the step belongs to.</summary>
    public string ExecutionId => Request.ExecutionId;

    /// <summary>The workflow id.</summary>
    public string WorkflowId => Request.WorkflowId;

    /// <summary>The step id.</summary>
    public string StepId => Request.StepId;

    /// <summary>The step type.</summary>
    public string StepType => Request.StepType;

    /// <summary>The attempt number, from 1.</summary>
    public int Attempt => Request.Attempt;

    /// <summary>
    /// A key of this step of this execution, the same for every attempt and every re-sent delivery (retries after a
    /// timeout included): record it with the step's side effect and skip the effect when the key is already recorded.
    /// <see cref="Attempt"/> tells a retry from the first try.
    /// </summary>
    public string IdempotencyKey => Request.IdempotencyKey;

    /// <summary>The step's input with every template reference resolved; never null (empty when the step has none).</summary>
    public Struct Input => Request.Input ?? new Struct();

    /// <summary>The outputs of the step's direct dependencies, keyed by step id.</summary>
    public IReadOnlyDictionary<string, Struct> Dependencies => _dependencies;

    /// <summary>The workflow input; never null.</summary>
    public Struct WorkflowInput => Request.WorkflowInput ?? new Struct();

    /// <summary>The call's deadline (UTC), or null when it has none.</summary>
    public DateTime? Deadline { get; }

    /// <summary>The call's service provider (its request scope), or null outside a call.</summary>
    public IServiceProvider? Services { get; }

    /// <summary>
    /// The dependencies' output fields merged into one struct, dependencies taken in step-id order (ordinal), a later
    /// dependency's field replacing an earlier one's of the same name.
    /// </summary>
    /// <returns>A new struct; changing it changes nothing in the request.</returns>
    public Struct MergedDependencyData()
    {
        var merged = new Struct();
        foreach (var (_, output) in Dependencies.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (output is null)
            {
                continue;
            }

            foreach (var (name, value) in output.Fields)
            {
                merged.Fields[name] = value.Clone();
            }
        }

        return merged;
    }

    /// <summary>The step's input as a new JSON object.</summary>
    /// <returns>The input as JSON.</returns>
    public JsonObject InputJson() => StructJson.ToJsonObject(Input);

    /// <summary>The result of <see cref="MergedDependencyData"/> as a new JSON object.</summary>
    /// <returns>The merged dependency data as JSON.</returns>
    public JsonObject MergedDependencyJson() => StructJson.ToJsonObject(MergedDependencyData());
}
