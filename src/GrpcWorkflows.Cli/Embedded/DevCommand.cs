using System.Globalization;
using System.Text.Json;
using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Cli.Credentials;
using Spectre.Console;

namespace GrpcWorkflows.Cli.Embedded;

/// <summary>
/// <c>gwf dev</c>: starts an orchestrator, the built-in executors and those of <c>gwf.executors.json</c> as separate processes on
/// loopback, prints their addresses, and stops them all on Ctrl-C. The orchestrator requires an API key: the session's admin
/// key is saved in the CLI credentials file for its address (and removed at the end), the executors get their own key.
/// </summary>
public sealed class DevCommand : GwfCommand<DevSettings>
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(DevSettings settings, CancellationToken cancellationToken)
    {
        var orchestratorArguments = new List<string>();
        var storage = settings.Storage;
        if (storage == "sqlite")
        {
            var folder = Path.GetFullPath(settings.DataDirectory);
            Directory.CreateDirectory(folder);
            orchestratorArguments.Add($"--Storage:Sqlite:Path={Path.Combine(folder, "grpcworkflows.db")}");
        }

        await using var postgres = storage == "postgres" && settings.PostgresConnectionString is null
            ? await LocalPostgres.StartAsync(cancellationToken)
            : null;
        if (storage == "postgres")
        {
            orchestratorArguments.Add($"--Storage:Postgres:ConnectionString={settings.PostgresConnectionString ?? postgres!.ConnectionString}");
        }

        var url = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{settings.Port}");
        if (settings.Port != 0 && await OrchestratorProbe.IsListeningAsync(new Uri(url), TimeSpan.FromSeconds(1), cancellationToken))
        {
            Console.Error.WriteLine($"gwf: {LocalCluster.AddressInUseMessage(url)}");
            return ExitCodes.OtherError;
        }

        // Authentication on even on loopback: an admin key for gwf (saved to the credentials file) and one for the executors.
        var keys = DevKeys.Create();
        orchestratorArguments.AddRange(keys.OrchestratorArguments());
        // The dashboard, the JSON API and /metrics on a second, HTTP/1.1 address: port + 80 (5180 by default).
        orchestratorArguments.Add(string.Create(CultureInfo.InvariantCulture, $"--Orchestrator:HttpAddress=http://127.0.0.1:{(settings.Port == 0 ? 0 : settings.Port + 80)}"));
        var external = ExecutorsFile.Load(settings.ExecutorsFile);
        var names = string.Concat(external.Select(e => $", {e.Name}"));
        var storageText = storage switch
        {
            "sqlite" => $"SQLite under {settings.DataDirectory}/",
            "postgres" when postgres is not null => $"a throwaway PostgreSQL on 127.0.0.1:{postgres.Port} in {postgres.DataDirectory}, deleted at the end",
            "postgres" => "PostgreSQL",
            _ => "memory storage",
        };
        Console.Error.WriteLine($"gwf: starting the orchestrator ({storageText}) and the built-in executors{names}...");
        Action<string, string>? echo = settings.Logs ? (name, line) => Console.Error.WriteLine($"[{name}] {line}") : null;
        await using var cluster = await LocalCluster.StartAsync(
            new LocalClusterOptions
            {
                OrchestratorUrl = url,
                ExternalExecutors = external,
                InputDataRoot = settings.DataRoot is null ? null : Path.GetFullPath(settings.DataRoot),
                OutputRoot = settings.OutputRoot is null ? null : Path.GetFullPath(settings.OutputRoot),
                Storage = storage,
                OrchestratorArguments = orchestratorArguments,
                ApiKey = keys.Admin,
                ExecutorEnvironment = keys.ExecutorEnvironment(),
                Echo = echo,
            },
            cancellationToken);
        var credentials = SaveCredentials(cluster.OrchestratorAddress, keys.Admin);

        if (settings.Output == OutputFormat.Json)
        {
            var document = new
            {
                orchestrator = cluster.OrchestratorAddress.GetLeftPart(UriPartial.Authority),
                dashboard = Dashboard(cluster)?.ToString(),
                storage,
                credentials,
                processes = cluster.Members.Select(m => new { name = m.Name, address = m.Address.GetLeftPart(UriPartial.Authority) }),
            };
            Console.Out.WriteLine(JsonSerializer.Serialize(document));
            Console.Out.Flush();
        }
        else
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumns("process", "address");
            foreach (var (name, address) in cluster.Members)
            {
                table.AddRow(new Text(name), new Text(address.GetLeftPart(UriPartial.Authority)));
            }

            AnsiConsole.Write(table);
            var orchestrator = cluster.OrchestratorAddress.GetLeftPart(UriPartial.Authority);
            Console.Out.WriteLine(settings.Port == 5100
                ? $"Orchestrator ready at {orchestrator}; other gwf commands use it by default. Ctrl-C stops everything."
                : $"Orchestrator ready at {orchestrator}: export {GlobalSettings.AddressVariable}={orchestrator}. Ctrl-C stops everything.");
            if (Dashboard(cluster) is { } dashboard)
            {
                Console.Out.WriteLine($"Dashboard at {dashboard} (the JSON API under /v1, Prometheus metrics at /metrics); it asks for the API key below.");
            }

            Console.Out.WriteLine(credentials is null
                ? $"It requires an API key: export {GlobalSettings.ApiKeyVariable}={keys.Admin}"
                : $"It requires an API key: gwf commands read the admin key saved for it in {credentials}.");
        }

        try
        {
            await Task.WhenAny(cluster.AnyExited, Task.Delay(Timeout.Infinite, cancellationToken));
        }
        finally
        {
            Console.Error.WriteLine("gwf: stopping...");
            await cluster.StopAsync(TimeSpan.FromSeconds(10));
            ForgetCredentials(cluster.OrchestratorAddress, keys.Admin);
        }

        if (!cancellationToken.IsCancellationRequested && cluster.Processes.FirstOrDefault(p => p.Exited.IsCompleted) is { } dead)
        {
            Console.Error.WriteLine($"gwf: {dead.Name} exited; stopped the others. Its last output:\n{dead.Tail}");
            return ExitCodes.OtherError;
        }

        return ExitCodes.Success;
    }

    /// <summary>The dashboard's URL: the orchestrator's second listening address, <c>/ui/</c>.</summary>
    private static Uri? Dashboard(LocalCluster cluster)
        => cluster.Processes[0].ListeningAddresses.Skip(1).Select(http => new Uri(http, "/ui/")).FirstOrDefault();

    /// <summary>Saves the admin key for <paramref name="address"/>; returns the file, or null (with a warning) when it cannot be written.</summary>
    private static string? SaveCredentials(Uri address, string apiKey)
    {
        try
        {
            CredentialsFile.Save(address, apiKey);
            return CredentialsFile.DefaultPath();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"gwf: could not save the API key to {CredentialsFile.DefaultPath()} ({e.Message}).");
            return null;
        }
    }

    /// <summary>Removes the session's key from the credentials file (it is useless once the orchestrator stops).</summary>
    private static void ForgetCredentials(Uri address, string apiKey)
    {
        try
        {
            CredentialsFile.Remove(address, apiKey);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"gwf: could not remove the session's API key from {CredentialsFile.DefaultPath()} ({e.Message}).");
        }
    }
}
