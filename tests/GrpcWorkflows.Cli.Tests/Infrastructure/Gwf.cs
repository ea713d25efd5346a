using System.Reflection;
using GrpcWorkflows.Testing;

namespace GrpcWorkflows.Cli.Tests.Infrastructure;

/// <summary>Runs <c>dotnet gwf.dll ...</c> as a process, with stdout and stderr captured separately and a deadline.</summary>
internal static class Gwf
{
    /// <summary>The clone the tests were built from (stamped into the assembly at build time).</summary>
    public static string RepositoryRoot { get; } = typeof(Gwf).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!.TrimEnd('/');

    public static string WorkflowPath(string name) => Path.Combine(AppContext.BaseDirectory, "Workflows", name);

    public static string ExamplePath(string name) => Path.Combine(AppContext.BaseDirectory, "examples", name);

    /// <summary>Runs gwf to its end. <c>GWF_ADDRESS</c> and <c>GWF_API_KEY</c> are cleared unless <paramref name="environment"/> sets them.</summary>
    public static async Task<GwfResult> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        var variables = new Dictionary<string, string?> { ["GWF_ADDRESS"] = null, ["GWF_API_KEY"] = null };
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            variables[key] = value;
        }

        var result = await CommandRun.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "gwf.dll"), .. arguments], AppContext.BaseDirectory, variables, timeout ?? AsyncTestHelpers.DefaultTimeoutSpan);
        return new GwfResult(result.ExitCode, result.StandardOutput, result.StandardError);
    }

    /// <summary>A loopback address where nothing listens (a port just released).</summary>
    public static string ClosedAddress()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }
}
