using Google.Protobuf.WellKnownTypes;

namespace GrpcWorkflows.Executor.Internal;

internal sealed class DelegateStepHandler(Func<StepContext, CancellationToken, ValueTask<Struct>> handler) : IStepHandler
{
    public ValueTask<Struct> ExecuteAsync(StepContext context, CancellationToken cancellationToken) => handler(context, cancellationToken);
}
