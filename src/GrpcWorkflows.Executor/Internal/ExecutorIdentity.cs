using System.Reflection;

namespace GrpcWorkflows.Executor.Internal;

/// <summary>The executor's name and version: the configured ones, else the entry assembly's.</summary>
internal static class ExecutorIdentity
{
    public static string Name(ExecutorOptions options) =>
        options.Name ?? Assembly.GetEntryAssembly()?.GetName().Name ?? "grpcworkflows-executor";

    public static string Version(ExecutorOptions options) =>
        options.Version
        ?? Assembly.GetEntryAssembly()?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? "0.0.0";
}
