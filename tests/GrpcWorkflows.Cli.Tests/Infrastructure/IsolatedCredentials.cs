using System.Runtime.CompilerServices;

namespace GrpcWorkflows.Cli.Tests.Infrastructure;

/// <summary>
/// Every gwf started by these tests (and gwf dev's saved keys) uses a credentials file of its own
/// under the temp folder, never the user's <c>~/.config/gwf/credentials</c>.
/// </summary>
internal static class IsolatedCredentials
{
    public static string FilePath { get; } = Path.Combine(Path.GetTempPath(), $"gwf-cli-tests-{Environment.ProcessId}", "credentials");

#pragma warning disable CA2255 // A test assembly: the variable must be set before any test starts a gwf process.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Isolate() => Environment.SetEnvironmentVariable("GWF_CREDENTIALS_FILE", FilePath);
}
