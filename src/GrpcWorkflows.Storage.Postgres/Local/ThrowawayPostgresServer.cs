using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace GrpcWorkflows.Storage.Postgres.Local;

/// <summary>
/// A PostgreSQL server of its own, started from the installed binaries (Debian's <c>postgresql</c>
/// package: <c>/usr/lib/postgresql/N/bin</c>, or the folder in <c>GWF_PG_BIN</c>) in a fresh data folder,
/// listening on 127.0.0.1 on a free port, with trust authentication, and deleted when disposed. For
/// <c>gwf dev --storage postgres</c>, tests and benchmarks, never for data that matters.
/// </summary>
/// <remarks>
/// PostgreSQL refuses to run as root: as root the server runs as the <c>postgres</c> user (through
/// <c>runuser</c>) in a folder under <c>/tmp</c> that it owns. Starting takes about 1.5 s. A process killed
/// before disposing leaves the server running: stop it with <c>pg_ctl -D FOLDER stop</c>.
/// </remarks>
public sealed class ThrowawayPostgresServer : IAsyncDisposable
{
    private const string BinariesVariable = "GWF_PG_BIN";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly string _binaries;
    private readonly string _settings;
    private int _disposed;

    private ThrowawayPostgresServer(string binaries, string dataDirectory, int port, string settings)
    {
        _binaries = binaries;
        _settings = settings;
        DataDirectory = dataDirectory;
        Port = port;
    }

    /// <summary>The data folder (deleted when disposed).</summary>
    public string DataDirectory { get; }

    /// <summary>The port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The connection string of the <c>postgres</c> database as the <c>postgres</c> superuser.</summary>
    public string ConnectionString => string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres");

    /// <summary>The folder of <c>initdb</c> and <c>pg_ctl</c>, or null when PostgreSQL is not installed.</summary>
    public static string? FindBinaries()
    {
        if (Environment.GetEnvironmentVariable(BinariesVariable) is { Length: > 0 } configured)
        {
            return File.Exists(Path.Combine(configured, "initdb")) ? configured : null;
        }

        if (!Directory.Exists("/usr/lib/postgresql"))
        {
            return null;
        }

        return Directory.GetDirectories("/usr/lib/postgresql")
            .Select(folder => (Folder: Path.Combine(folder, "bin"), Version: int.TryParse(Path.GetFileName(folder), NumberStyles.Integer, CultureInfo.InvariantCulture, out var version) ? version : 0))
            .Where(candidate => File.Exists(Path.Combine(candidate.Folder, "initdb")))
            .OrderByDescending(candidate => candidate.Version)
            .Select(candidate => candidate.Folder)
            .FirstOrDefault();
    }

    /// <summary>Creates a data folder, starts the server on a free port and waits until it accepts connections.</summary>
    /// <param name="durable">
    /// False (tests) turns <c>fsync</c>, <c>synchronous_commit</c> and <c>full_page_writes</c> off: faster, and
    /// nothing survives a machine crash. True keeps PostgreSQL's defaults (benchmarks, <c>gwf dev</c>).
    /// </param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="InvalidOperationException">PostgreSQL is not installed, or would not start (the message carries its log).</exception>
    public static async Task<ThrowawayPostgresServer> StartAsync(bool durable = true, CancellationToken cancellationToken = default)
    {
        var binaries = FindBinaries() ?? throw new InvalidOperationException(
            $"PostgreSQL is not installed: no /usr/lib/postgresql/*/bin/initdb (and {BinariesVariable} is not set). Install it (Debian: apt-get install postgresql), or give a connection string to an existing server.");
        var root = Environment.IsPrivilegedProcess;
        var parent = root ? "/tmp" : Path.GetTempPath();
        var dataDirectory = Path.Combine(parent, "grpcworkflows-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dataDirectory);
        try
        {
            if (root)
            {
                await RunAsync("chown", ["postgres:postgres", dataDirectory], cancellationToken).ConfigureAwait(false);
            }

            await RunAsync(root, Path.Combine(binaries, "initdb"), ["-D", dataDirectory, "--username=postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"], cancellationToken).ConfigureAwait(false);
            for (var attempt = 1; ; attempt++)
            {
                var port = FreePort();
                var settings = $"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='{dataDirectory}'"
                    + (durable ? string.Empty : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
                try
                {
                    await RunAsync(root, Path.Combine(binaries, "pg_ctl"), ["-D", dataDirectory, "-l", Path.Combine(dataDirectory, "server.log"), "-w", "-t", "60", "-o", settings, "start"], cancellationToken).ConfigureAwait(false);
                    return new ThrowawayPostgresServer(binaries, dataDirectory, port, settings);
                }
                catch (InvalidOperationException) when (attempt < 3 && ReadLog(dataDirectory).Contains("could not bind", StringComparison.OrdinalIgnoreCase))
                {
                    // Another process took the port between the probe and the start: try another one.
                }
            }
        }
        catch (Exception exception) when (exception is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
        {
            var log = ReadLog(dataDirectory);
            TryDelete(dataDirectory);
            throw new InvalidOperationException($"The throwaway PostgreSQL server did not start: {exception.Message}{(log.Length > 0 ? "\nServer log:\n" + log : string.Empty)}", exception);
        }
    }

    /// <summary>Stops the server (fast shutdown: clients are disconnected), keeping its data; <see cref="StartAgainAsync"/> brings it back.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) =>
        RunAsync(Environment.IsPrivilegedProcess, Path.Combine(_binaries, "pg_ctl"), ["-D", DataDirectory, "-m", "fast", "-w", "stop"], cancellationToken);

    /// <summary>Starts the server stopped by <see cref="StopAsync"/> again, on the same port and data.</summary>
    public Task StartAgainAsync(CancellationToken cancellationToken = default) =>
        RunAsync(Environment.IsPrivilegedProcess, Path.Combine(_binaries, "pg_ctl"), ["-D", DataDirectory, "-l", Path.Combine(DataDirectory, "server.log"), "-w", "-t", "60", "-o", _settings, "start"], cancellationToken);

    /// <summary>Stops the server (fast shutdown) and deletes its data folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await RunAsync(Environment.IsPrivilegedProcess, Path.Combine(_binaries, "pg_ctl"), ["-D", DataDirectory, "-m", "fast", "-w", "stop"], CancellationToken.None).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Already stopped (or its folder is gone): nothing more to stop.
        }

        TryDelete(DataDirectory);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Task RunAsync(bool asPostgresUser, string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        asPostgresUser
            ? RunAsync("runuser", ["-u", "postgres", "--", program, .. arguments], cancellationToken)
            : RunAsync(program, arguments, cancellationToken);

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{Path.GetFileName(program)} did not finish within {CommandTimeout.TotalSeconds:0} s.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(program)} {string.Join(' ', arguments)} exited with {process.ExitCode}: {(await error.ConfigureAwait(false)).Trim()} {(await output.ConfigureAwait(false)).Trim()}");
        }
    }

    private static string ReadLog(string dataDirectory)
    {
        try
        {
            var path = Path.Combine(dataDirectory, "server.log");
            return File.Exists(path) ? File.ReadAllText(path) : string.Empty;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the system's temporary-file cleaning.
        }
    }
}
