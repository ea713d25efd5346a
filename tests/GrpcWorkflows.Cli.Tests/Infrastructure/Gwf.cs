using System.Diagnostics;
using System.Text;
using GrpcWorkflows.Testing;

namespace GrpcWorkflows.Cli.Tests.Infrastructure;

/// <summary>Runs <c>dotnet gwf.dll ...</c> as a process, with stdout and stderr captured separately and a deadline.</summary>
internal static class Gwf
{
    public static string WorkflowPath(string name) => Path.Combine(AppContext.BaseDirectory, "Workflows", name);

    public static string ExamplePath(string name) => Path.Combine(AppContext.BaseDirectory, "examples", name);

    /// <summary>Runs gwf to its end. <c>GWF_ADDRESS</c> is cleared unless <paramref name="environment"/> sets it.</summary>
    public static async Task<GwfResult> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "gwf.dll"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment.Remove("GWF_ADDRESS");
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout ?? AsyncTestHelpers.DefaultTimeoutSpan);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"gwf {string.Join(' ', arguments)} did not finish in time. Output so far:\n{await stdout}\n{await stderr}");
        }

        return new GwfResult(process.ExitCode, await stdout, await stderr);
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
