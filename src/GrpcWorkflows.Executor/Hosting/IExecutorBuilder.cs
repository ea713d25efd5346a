using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;

namespace GrpcWorkflows.Executor.Hosting;

/// <summary>Adds step handlers to an executor; returned by <c>services.AddGrpcWorkflowsExecutor()</c>.</summary>
public interface IExecutorBuilder
{
    /// <summary>The service collection the executor is registered in.</summary>
    IServiceCollection Services { get; }

    /// <summary>Serves <paramref name="stepType"/> with a handler class resolved from the call's scope.</summary>
    /// <typeparam name="THandler">The handler; registered scoped unless already registered.</typeparam>
    /// <param name="stepType">The step type, for example <c>process</c>.</param>
    /// <param name="description">What steps of this type do.</param>
    /// <param name="inputSchema">A JSON Schema of the step's input, published by <c>DescribeExecutor</c>.</param>
    /// <returns>This builder.</returns>
    IExecutorBuilder AddStepHandler<THandler>(string stepType, string? description = null, Struct? inputSchema = null)
        where THandler : class, IStepHandler;

    /// <summary>Serves <paramref name="stepType"/> with a delegate.</summary>
    /// <param name="stepType">The step type.</param>
    /// <param name="handler">The handler.</param>
    /// <param name="description">What steps of this type do.</param>
    /// <returns>This builder.</returns>
    IExecutorBuilder AddStepHandler(string stepType, Func<StepContext, CancellationToken, ValueTask<Struct>> handler, string? description = null);
}
