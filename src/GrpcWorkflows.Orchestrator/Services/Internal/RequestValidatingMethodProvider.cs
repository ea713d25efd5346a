using System.Reflection;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace GrpcWorkflows.Orchestrator.Services.Internal;

/// <summary>
/// Binds every gRPC service like grpc-dotnet's own binder, with one difference: a request that is
/// not a valid protobuf message (malformed, truncated, nested past the recursion limit) gets
/// <c>INVALID_ARGUMENT</c> instead of <c>UNKNOWN</c>, and is logged by grpc-dotnet as a status the
/// call returned (information level) instead of an error with a stack trace on every such request.
/// </summary>
/// <remarks>
/// Request deserialization runs before interceptors, so <see cref="ExceptionInterceptor"/> cannot
/// map it; the request marshaller is wrapped instead.
/// </remarks>
internal sealed class RequestValidatingMethodProvider<TService> : IServiceMethodProvider<TService>
    where TService : class
{
    /// <inheritdoc />
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        var attribute = typeof(TService).GetCustomAttribute<BindServiceMethodAttribute>(inherit: true);
        if (attribute is null)
        {
            return;
        }

        var bind = attribute.BindType.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .FirstOrDefault(m => m.Name == attribute.BindMethodName && m.GetParameters() is [var first, _] && first.ParameterType == typeof(ServiceBinderBase));
        if (bind is null)
        {
            return;
        }

        bind.Invoke(null, [new Binder(context), null]);
    }

    private static Marshaller<TRequest> Validating<TRequest>(Marshaller<TRequest> marshaller)
        => Marshallers.Create(marshaller.ContextualSerializer, context =>
        {
            try
            {
                return marshaller.ContextualDeserializer(context);
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"The request is not a valid protobuf message: {RpcErrors.Truncate(e.Message)}"));
            }
        });

    private static Method<TRequest, TResponse> Rebuild<TRequest, TResponse>(Method<TRequest, TResponse> method)
        => new(method.Type, method.ServiceName, method.Name, Validating(method.RequestMarshaller), method.ResponseMarshaller);

    private static List<object> Metadata(string methodName)
    {
        var metadata = new List<object>(typeof(TService).GetCustomAttributes(inherit: true));
        if (typeof(TService).GetMethod(methodName) is { } implementation)
        {
            metadata.AddRange(implementation.GetCustomAttributes(inherit: true));
        }

        return metadata;
    }

    private static TDelegate Invoker<TDelegate>(string methodName)
        where TDelegate : Delegate
    {
        var parameters = typeof(TDelegate).GetMethod("Invoke")!.GetParameters().Skip(1).Select(p => p.ParameterType).ToArray();
        var implementation = typeof(TService).GetMethod(methodName, parameters)
            ?? throw new InvalidOperationException($"{typeof(TService).Name} has no method {methodName}.");
        return (TDelegate)Delegate.CreateDelegate(typeof(TDelegate), implementation);
    }

    /// <summary>Receives the generated <c>BindService</c> calls and adds each method with the validating marshaller.</summary>
    private sealed class Binder(ServiceMethodProviderContext<TService> context) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
            => context.AddUnaryMethod(Rebuild(method), Metadata(method.Name), Invoker<UnaryServerMethod<TService, TRequest, TResponse>>(method.Name));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
            => context.AddServerStreamingMethod(Rebuild(method), Metadata(method.Name), Invoker<ServerStreamingServerMethod<TService, TRequest, TResponse>>(method.Name));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
            => context.AddClientStreamingMethod(Rebuild(method), Metadata(method.Name), Invoker<ClientStreamingServerMethod<TService, TRequest, TResponse>>(method.Name));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
            => context.AddDuplexStreamingMethod(Rebuild(method), Metadata(method.Name), Invoker<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(method.Name));
    }
}
