namespace GrpcWorkflows.Cli.Embedded;

/// <summary>The executables <c>gwf</c> starts (an embedded orchestrator, its executors, one-shot commands): each in <c>executables/NAME/</c> beside <c>gwf.dll</c>.</summary>
internal static class BuiltInExecutables
{
    public const string Orchestrator = "GrpcWorkflows.Orchestrator";

    /// <summary>The built-in executors and the step type each serves.</summary>
    public static readonly IReadOnlyList<(string Assembly, string StepType)> Executors =
    [
        ("GrpcWorkflows.Plugins.Input", "input"),
        ("GrpcWorkflows.Plugins.Process", "process"),
        ("GrpcWorkflows.Plugins.Ai", "ai"),
        ("GrpcWorkflows.Plugins.Output", "output"),
    ];

    /// <summary>The path of an executable's assembly.</summary>
    public static string PathOf(string assembly) => Path.Combine(AppContext.BaseDirectory, "executables", assembly, assembly + ".dll");

    /// <summary>The dotnet host to launch assemblies with: the one running gwf when it runs as <c>dotnet gwf.dll</c>, else <c>DOTNET_HOST_PATH</c>, else <c>dotnet</c> on the PATH.</summary>
    public static string DotnetHost()
    {
        var current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return current;
        }

        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
    }
}
