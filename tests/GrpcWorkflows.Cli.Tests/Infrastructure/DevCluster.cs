using System.Text.Json;
using GrpcWorkflows.Testing;

namespace GrpcWorkflows.Cli.Tests.Infrastructure;

/// <summary>
/// A real orchestrator with the built-in executors, all as separate processes, started by
/// <c>gwf dev --port 0 --storage memory --output json</c> (which is itself under test) and stopped with SIGTERM.
/// </summary>
public sealed class DevCluster : IAsyncLifetime
{
    private TestProcess? _dev;

    public string Address { get; private set; } = string.Empty;

    public IReadOnlyList<string> ProcessNames { get; private set; } = [];

    /// <summary>The credentials file gwf dev saved its admin key in.</summary>
    public string CredentialsPath { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        _dev = TestProcess.StartDotnet("gwf", ["dev", "--port", "0", "--storage", "memory", "--output", "json"]);
        var line = await _dev.WaitForLineAsync(l => l.StartsWith("{\"orchestrator\"", StringComparison.Ordinal), TimeSpan.FromSeconds(120));
        using var document = JsonDocument.Parse(line);
        Address = document.RootElement.GetProperty("orchestrator").GetString()!;
        CredentialsPath = document.RootElement.GetProperty("credentials").GetString()!;
        ProcessNames = [.. document.RootElement.GetProperty("processes").EnumerateArray().Select(p => p.GetProperty("name").GetString()!)];
    }

    public async Task DisposeAsync()
    {
        if (_dev is not null)
        {
            await _dev.StopAsync(TimeSpan.FromSeconds(20));
            await _dev.DisposeAsync();
        }
    }

    public Task<GwfResult> RunAsync(params string[] arguments) => Gwf.RunAsync([.. arguments, "--address", Address]);

    public Task<GwfResult> RunWithAsync(IReadOnlyDictionary<string, string?> environment, params string[] arguments) => Gwf.RunAsync([.. arguments, "--address", Address], environment);
}

[CollectionDefinition(Name)]
public sealed class DevClusterGroup : ICollectionFixture<DevCluster>
{
    public const string Name = "gwf dev cluster";
}
