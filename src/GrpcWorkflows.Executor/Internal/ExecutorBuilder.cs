using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Executor.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GrpcWorkflows.Executor.Internal;

internal sealed class ExecutorBuilder(IServiceCollection services) : IExecutorBuilder
{
    public IServiceCollection Services { get; } = services;

    public IExecutorBuilder AddStepHandler<THandler>(string stepType, string? description = null, Struct? inputSchema = null)
        where THandler : class, IStepHandler
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stepType);
        Services.TryAddScoped<THandler>();
        Services.AddSingleton(new StepHandlerRegistration(stepType, description, inputSchema, sp => sp.GetRequiredService<THandler>()));
        return this;
    }

    public IExecutorBuilder AddStepHandler(string stepType, Func<StepContext, CancellationToken, ValueTask<Struct>> handler, string? description = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stepType);
        ArgumentNullException.ThrowIfNull(handler);
        var instance = new DelegateStepHandler(handler);
        Services.AddSingleton(new StepHandlerRegistration(stepType, description, null, _ => instance));
        return this;
    }
}
