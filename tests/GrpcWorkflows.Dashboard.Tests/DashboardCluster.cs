using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using GrpcWorkflows.Testing;

namespace GrpcWorkflows.Dashboard.Tests;

/// <summary>
/// Started once for the test project: the orchestrator (SQLite in a temp folder, an HTTP address beside
/// its h2c one, API keys required: one per role the tests use) and, each as its own process, the built-in input/process/ai/output executors and the
/// test executor (echo, noop, sleep, fail, ...), all registered before the first test.
/// </summary>
public sealed partial class DashboardCluster : IAsyncLifetime
{
    private static readonly string[] Types = ["input", "process", "ai", "output", "echo", "noop", "sleep", "fail"];
    private readonly List<TestProcess> _processes = [];
    private readonly string _folder = Directory.CreateTempSubdirectory("gwf-dashboard-").FullName;

    /// <summary>The repository the tests were built from.</summary>
    public static string Root { get; } = typeof(DashboardCluster).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!.TrimEnd('/');

    /// <summary>The API key of each role (the orchestrator holds their SHA-256 only).</summary>
    public Dictionary<string, string> Keys { get; } = new[] { "operator", "viewer", "executor" }
        .ToDictionary(role => role, role => $"gwf_{role}_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));

    /// <summary>The orchestrator's HTTP/1.1 address: the dashboard and the JSON API.</summary>
    public Uri HttpAddress { get; private set; } = null!;

    /// <summary>The orchestrator's gRPC (h2c) address.</summary>
    public Uri GrpcAddress { get; private set; } = null!;

    public string Logs => string.Join("\n\n", _processes.Select(p => $"--- {p.Name}\n{p.Output}"));

    public async Task InitializeAsync()
    {
        var orchestrator = Start(TestProcess.StartDotnet("GrpcWorkflows.Orchestrator",
        [
            "--urls", "http://127.0.0.1:0",
            "--Orchestrator:HttpAddress=http://127.0.0.1:0",
            $"--Storage:Sqlite:Path={Path.Combine(_folder, "grpcworkflows.db")}",
            .. Keys.SelectMany((key, i) => new[]
            {
                $"--Auth:ApiKeys:{i}:Name={key.Key}-key",
                $"--Auth:ApiKeys:{i}:Role={key.Key}",
                $"--Auth:ApiKeys:{i}:Sha256={Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key.Value)))}",
                // An executor credential registers the step types it is scoped to: these executors serve several.
                $"--Auth:ApiKeys:{i}:StepTypes:0=*",
            }),
        ]));
        var grpc = await orchestrator.WaitForListeningAsync();
        GrpcAddress = grpc;
        await orchestrator.WaitForLineAsync(line => line.Contains("Application started", StringComparison.Ordinal), AsyncTestHelpers.DefaultTimeoutSpan);
        HttpAddress = orchestrator.Lines.Select(line => ListeningLine().Match(line)).Where(m => m.Success).Select(m => new Uri(m.Groups["url"].Value)).Last();

        string[] common = ["--urls", "http://127.0.0.1:0", $"--Executor:OrchestratorAddress={grpc}", $"--Executor:ApiKey={Keys["executor"]}"];
        Start(TestProcess.StartDotnet("GrpcWorkflows.Plugins.Input", [.. common, $"--Input:DataRoot={Path.Combine(Root, "examples")}"]));
        Start(TestProcess.StartDotnet("GrpcWorkflows.Plugins.Process", common));
        Start(TestProcess.StartDotnet("GrpcWorkflows.Plugins.Output", [.. common, $"--Output:Root={Path.Combine(_folder, "output")}"]));
        Start(TestProcess.StartDotnet("GrpcWorkflows.Plugins.Ai", common));
        Start(TestProcess.StartDotnet("GrpcWorkflows.TestExecutor", [.. common, "--Executor:MaxConcurrency=64"]));

        using var http = new HttpClient { BaseAddress = HttpAddress };
        http.DefaultRequestHeaders.Add("x-api-key", Keys["viewer"]);
        await AsyncTestHelpers.WaitUntilAsync(
            async () =>
            {
                var executors = await http.GetStringAsync("/v1/executors");
                return Types.All(type => executors.Contains($"\"{type}\"", StringComparison.Ordinal));
            },
            "every executor registered with the orchestrator",
            TimeSpan.FromSeconds(120));
    }

    /// <summary>Runs one scenario of ui/tests/browser.mjs; returns its output (with "measure" lines).</summary>
    public async Task<string> RunScenarioAsync(string scenario)
    {
        var screenshots = Path.Combine(Root, "docs", "screenshots");
        var keys = new Dictionary<string, string?> { ["GWF_API_KEY"] = Keys["operator"], ["GWF_VIEWER_KEY"] = Keys["viewer"] };
        await using var node = TestProcess.Start("node", [Path.Combine(Root, "ui", "tests", "browser.mjs"), scenario, HttpAddress.ToString(), screenshots], keys, name: "browser " + scenario);
        await node.Exited.WaitAsync(TimeSpan.FromMinutes(4));
        Assert.True(node.ExitCode == 0, $"{node.Output}\n\n{Logs}");
        return node.Output;
    }

    /// <summary>
    /// Registers, for <paramref name="stepType"/>, a push executor whose address refuses connections (nothing listens
    /// on the discard port): the type's steps are accepted, then wait for a reachable executor.
    /// </summary>
    public async Task RegisterUnreachableExecutorAsync(string stepType)
    {
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(GrpcAddress);
        var registry = new V1.ExecutorRegistryService.ExecutorRegistryServiceClient(channel);
        var request = new V1.RegisterExecutorRequest { Endpoint = "http://127.0.0.1:9", Name = "unreachable-on-purpose", MaxConcurrency = 1 };
        request.StepTypes.Add(stepType);
        await registry.RegisterExecutorAsync(request, new Grpc.Core.Metadata { { "x-api-key", Keys["executor"] } }).ResponseAsync.DefaultTimeout();
    }

    private TestProcess Start(TestProcess process)
    {
        _processes.Add(process);
        return process;
    }

    public async Task DisposeAsync()
    {
        foreach (var process in Enumerable.Reverse(_processes))
        {
            await process.StopAsync(TimeSpan.FromSeconds(5));
            await process.DisposeAsync();
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A process still holding a file: the temp folder is left behind.
        }
    }

    [GeneratedRegex(@"Now listening on: (?<url>https?://\S+)")]
    private static partial Regex ListeningLine();
}
