using System.Text.Json;
using System.Text.RegularExpressions;
using GrpcWorkflows.Cli.Tests.Infrastructure;
using GrpcWorkflows.Storage.Postgres.Local;
using GrpcWorkflows.Testing;

namespace GrpcWorkflows.Cli.Tests.Online;

/// <summary><c>gwf dev --storage postgres</c> without a connection string: a throwaway server for the session, gone after.</summary>
public sealed partial class DevPostgresTests : IDisposable
{
    private readonly string _executors = Path.Combine(Directory.CreateTempSubdirectory("gwf-dev-pg-").FullName, "executors.json");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_executors)!, recursive: true);

    [SkippableFact]
    public async Task Dev_StoragePostgresWithoutConnectionString_ServesFromAThrowawayServerDeletedAtTheEnd()
    {
        Skip.If(ThrowawayPostgresServer.FindBinaries() is null && !Environment.IsPrivilegedProcess, "PostgreSQL is not installed: apt-get install postgresql.");
        await File.WriteAllTextAsync(_executors, """{"executors": []}""");
        string dataDirectory;
        await using (var dev = TestProcess.StartDotnet("gwf", ["dev", "--port", "0", "--storage", "postgres", "--executors", _executors, "--output", "json"]))
        {
            var line = await dev.WaitForLineAsync(l => l.StartsWith("{\"orchestrator\"", StringComparison.Ordinal), TimeSpan.FromSeconds(120));
            using var document = JsonDocument.Parse(line);
            Assert.Equal("postgres", document.RootElement.GetProperty("storage").GetString());
            var address = document.RootElement.GetProperty("orchestrator").GetString()!;
            dataDirectory = ThrowawayFolder().Match(dev.Output).Groups[1].Value;
            Assert.True(Directory.Exists(dataDirectory), dev.Output);

            // The orchestrator lists executions from the PostgreSQL store (it would not have started without it).
            var list = await Gwf.RunAsync(["list", "--address", address, "--output", "json"]);
            Assert.Equal(0, list.ExitCode);

            await dev.StopAsync(TimeSpan.FromSeconds(20));
        }

        Assert.False(Directory.Exists(dataDirectory));
    }

    [GeneratedRegex(@"throwaway PostgreSQL on 127\.0\.0\.1:\d+ in (\S+), deleted at the end")]
    private static partial Regex ThrowawayFolder();
}
