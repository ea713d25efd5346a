using Google.Protobuf.WellKnownTypes;

namespace GrpcWorkflows.Executor.Hosting;

/// <summary>A step type served by this executor and how to get its handler.</summary>
/// <param name="StepType">The step type.</param>
/// <param name="Description">What steps of this type do.</param>
/// <param name="InputSchema">A JSON Schema of the step's input, published by <c>DescribeExecutor</c>.</param>
/// <param name="CreateHandler">Resolves the handler from the call's service provider.</param>
public sealed record StepHandlerRegistration(
    string StepType,
    string? Description,
    Struct? InputSchema,
    Func<IServiceProvider, IStepHandler> CreateHandler);
