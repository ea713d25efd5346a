using System.Globalization;
using System.Text.RegularExpressions;

namespace GrpcWorkflows.Cli.Embedded;

/// <summary>
/// A throwaway PostgreSQL server for <c>gwf dev --storage postgres</c>: the orchestrator executable's
/// <c>postgres-local</c> command runs it (from the machine's PostgreSQL binaries) until it is stopped,
/// and deletes its data then.
/// </summary>
internal sealed partial class LocalPostgres : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(15);
    private readonly ChildProcess _process;

    private LocalPostgres(ChildProcess process, int port, string dataDirectory)
    {
        _process = process;
        Port = port;
        DataDirectory = dataDirectory;
    }

    /// <summary>The server's port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>Where the server keeps its data until it stops.</summary>
    public string DataDirectory { get; }

    /// <summary>How the orchestrator connects (the superuser over TCP on loopback, trust authentication).</summary>
    public string ConnectionString => string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres");

    public static async Task<LocalPostgres> StartAsync(CancellationToken cancellationToken)
    {
        Console.Error.WriteLine("gwf: starting a throwaway PostgreSQL server (pass --postgres CONNECTION_STRING to use an existing one)...");
        var process = ChildProcess.StartDotnet("postgres", BuiltInExecutables.PathOf(BuiltInExecutables.Orchestrator), ["postgres-local"]);
        try
        {
            var address = await process.WaitForListeningAsync(StartTimeout, cancellationToken);
            // The command prints its data directory before it says it listens.
            return new LocalPostgres(process, address.Port, DataDirectoryLine().Match(process.Tail).Groups["path"].Value);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the server (SIGTERM: it shuts down and deletes its data) and waits for that.</summary>
    public async ValueTask DisposeAsync()
    {
        await _process.StopAsync(StopGrace);
        await _process.DisposeAsync();
    }

    [GeneratedRegex(@"^Data directory: (?<path>\S+) ", RegexOptions.Multiline)]
    private static partial Regex DataDirectoryLine();
}
