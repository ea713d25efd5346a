using System.Text.Json;
using System.Text.Json.Nodes;

namespace GrpcWorkflows.Cli.Credentials;

/// <summary>
/// The CLI credentials file: API keys per orchestrator address, written by <c>gwf dev</c> and read by
/// every command that has no <c>--api-key</c> or <c>GWF_API_KEY</c>. A key is only ever sent to the
/// address it was saved for.
/// </summary>
/// <remarks>
/// At <c>GWF_CREDENTIALS_FILE</c>, else <c>$XDG_CONFIG_HOME/gwf/credentials</c>, else
/// <c>~/.config/gwf/credentials</c>; JSON <c>{"orchestrators": {"http://127.0.0.1:5100": {"api_key": "..."}}}</c>,
/// readable by its owner only. Writers take a lock file beside it, so parallel <c>gwf dev</c> sessions keep each other's entries.
/// </remarks>
internal static class CredentialsFile
{
    /// <summary>The environment variable naming the file instead of the default path.</summary>
    public const string PathVariable = "GWF_CREDENTIALS_FILE";

    private const string Orchestrators = "orchestrators";
    private const string ApiKeyProperty = "api_key";
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(10);
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The file's path: <c>GWF_CREDENTIALS_FILE</c>, <c>$XDG_CONFIG_HOME/gwf/credentials</c> or <c>~/.config/gwf/credentials</c>.</summary>
    public static string DefaultPath()
    {
        if (Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } explicitPath)
        {
            return Path.GetFullPath(explicitPath);
        }

        var config = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(config, "gwf", "credentials");
    }

    /// <summary>The API key saved for <paramref name="address"/>, or null (no file, no entry, or a file that cannot be read).</summary>
    public static string? ApiKeyFor(Uri address, string? path = null)
    {
        try
        {
            var root = Read(path ?? DefaultPath());
            return root[Orchestrators]?[Key(address)]?[ApiKeyProperty]?.GetValue<string>();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Saves <paramref name="apiKey"/> for <paramref name="address"/>, keeping the other entries.</summary>
    public static void Save(Uri address, string apiKey, string? path = null)
        => Update(path ?? DefaultPath(), orchestrators => orchestrators[Key(address)] = new JsonObject { [ApiKeyProperty] = apiKey });

    /// <summary>Removes the entry of <paramref name="address"/> if it still holds <paramref name="apiKey"/> (another session may have replaced it).</summary>
    public static void Remove(Uri address, string apiKey, string? path = null)
        => Update(path ?? DefaultPath(), orchestrators =>
        {
            if (orchestrators[Key(address)]?[ApiKeyProperty]?.GetValue<string>() == apiKey)
            {
                orchestrators.Remove(Key(address));
            }
        });

    private static string Key(Uri address) => address.GetLeftPart(UriPartial.Authority).ToLowerInvariant();

    private static JsonObject Read(string path)
        => File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? [] : [];

    private static void Update(string path, Action<JsonObject> change)
    {
        var folder = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(folder))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
            }
            else
            {
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        using var fileLock = AcquireLock(path + ".lock");
        JsonObject root;
        try
        {
            root = Read(path);
        }
        catch (JsonException)
        {
            root = [];
        }

        if (root[Orchestrators] is not JsonObject orchestrators)
        {
            orchestrators = [];
            root[Orchestrators] = orchestrators;
        }

        change(orchestrators);
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, root, Indented);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static FileStream AcquireLock(string lockPath)
    {
        var deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
        }
    }
}
