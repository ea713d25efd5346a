using System.Diagnostics;
using Grpc.Core;
using GrpcWorkflows.Client;

namespace GrpcWorkflows.Cli.Embedded;

/// <summary>
/// An orchestrator, the built-in executors (input, process, ai, output) and those of
/// <c>gwf.executors.json</c> running as child
/// processes of <c>gwf</c> on free loopback ports, for one <c>gwf run</c> or a <c>gwf dev</c> session.
/// Disposing stops them all.
/// </summary>
internal sealed class LocalCluster : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private readonly List<ChildProcess> _processes;

    private LocalCluster(List<ChildProcess> processes, Uri orchestratorAddress, IReadOnlyList<(string Name, Uri Address)> members)
    {
        _processes = processes;
        OrchestratorAddress = orchestratorAddress;
        Members = members;
    }

    /// <summary>The orchestrator's address.</summary>
    public Uri OrchestratorAddress { get; }

    /// <summary>Every process started, with its address.</summary>
    public IReadOnlyList<(string Name, Uri Address)> Members { get; }

    /// <summary>Completes when any process of the cluster exits.</summary>
    public Task AnyExited => Task.WhenAny(_processes.Select(p => p.Exited));

    /// <summary>The processes, for messages.</summary>
    public IReadOnlyList<ChildProcess> Processes => _processes;

    /// <summary>Starts the orchestrator, then the executors, and waits until every built-in step type is registered.</summary>
    public static async Task<LocalCluster> StartAsync(LocalClusterOptions options, CancellationToken cancellationToken)
    {
        var processes = new List<ChildProcess>();
        var clock = Stopwatch.StartNew();
        try
        {
            var orchestrator = ChildProcess.StartDotnet(
                BuiltInExecutables.Orchestrator,
                BuiltInExecutables.PathOf(BuiltInExecutables.Orchestrator),
                ["--urls", options.OrchestratorUrl, $"--Storage:Provider={options.Storage}", .. options.OrchestratorArguments],
                options.Echo);
            processes.Add(orchestrator);
            Uri orchestratorAddress;
            try
            {
                orchestratorAddress = await orchestrator.WaitForListeningAsync(options.StartTimeout, cancellationToken);
            }
            catch (LocalClusterException) when (orchestrator.AddressInUse)
            {
                throw new LocalClusterException(AddressInUseMessage(options.OrchestratorUrl));
            }

            var executors = BuiltInExecutables.Executors
                .Select(e => ChildProcess.StartDotnet(
                    e.Assembly,
                    BuiltInExecutables.PathOf(e.Assembly),
                    // Push mode: each registers its address, so `gwf executors --schemas` can ask it with
                    // DescribeExecutor (an executor that connects out has no address the orchestrator or gwf can call).
                    ["--urls", "http://127.0.0.1:0", $"--Executor:OrchestratorAddress={orchestratorAddress.GetLeftPart(UriPartial.Authority)}", "--Executor:Mode=Push", .. BuiltInArguments(e.StepType, options)],
                    options.Echo,
                    options.ExecutorEnvironment))
                .Concat(options.ExternalExecutors.Select(e => ChildProcess.Start(e.Name, e.Command, e.ArgumentsFor(orchestratorAddress), e.WorkingDirectory, options.Echo, e.Setup is null ? null : $"set it up with: {e.Setup}", options.ExecutorEnvironment)))
                .ToList();
            processes.AddRange(executors);
            var members = new List<(string, Uri)> { (orchestrator.Name, orchestratorAddress) };
            foreach (var executor in executors)
            {
                members.Add((executor.Name, await executor.WaitForListeningAsync(options.StartTimeout - clock.Elapsed, cancellationToken)));
            }

            var stepTypes = BuiltInExecutables.Executors.Select(e => e.StepType).Concat(options.ExternalExecutors.SelectMany(e => e.StepTypes));
            await WaitForRegistrationAsync(orchestratorAddress, options.ApiKey, stepTypes, processes, options.StartTimeout - clock.Elapsed, cancellationToken);
            return new LocalCluster(processes, orchestratorAddress, members);
        }
        catch
        {
            await Task.WhenAll(processes.Select(p => p.StopAsync(TimeSpan.Zero)));
            throw;
        }
    }

    /// <summary>Stops every process: SIGTERM (so executors deregister), then a kill past <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        // Executors first, so they deregister from a live orchestrator.
        await Task.WhenAll(_processes.Skip(1).Select(p => p.StopAsync(grace)));
        await _processes[0].StopAsync(grace);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero);
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }
    }

    /// <summary>The one-line message for an orchestrator address that is taken, with the fix.</summary>
    public static string AddressInUseMessage(string url) =>
        $"{url} is already in use (another gwf dev or orchestrator?): stop it, use it (gwf commands talk to it), or start on any free port with 'gwf dev --port 0'.";

    private static IEnumerable<string> BuiltInArguments(string stepType, LocalClusterOptions options) => stepType switch
    {
        "input" when options.InputDataRoot is not null => [$"--Input:DataRoot={options.InputDataRoot}"],
        "output" when options.OutputRoot is not null => [$"--Output:Root={options.OutputRoot}"],
        _ => [],
    };

    private static async Task WaitForRegistrationAsync(Uri orchestrator, string? apiKey, IEnumerable<string> stepTypes, List<ChildProcess> processes, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var expected = stepTypes.ToHashSet(StringComparer.Ordinal);
        using var client = WorkflowClient.Create(orchestrator, new WorkflowClientOptions { Address = orchestrator, ApiKey = apiKey });
        var deadline = Stopwatch.StartNew();
        var missing = expected;
        while (deadline.Elapsed < timeout)
        {
            try
            {
                var executors = await client.ListExecutorsAsync(cancellationToken: cancellationToken);
                missing = [.. expected.Except(executors.SelectMany(e => e.StepTypes))];
                if (missing.Count == 0)
                {
                    return;
                }
            }
            catch (RpcException) when (!cancellationToken.IsCancellationRequested)
            {
                // Not ready yet.
            }

            if (processes.FirstOrDefault(p => p.Exited.IsCompleted) is { } dead)
            {
                throw new LocalClusterException($"{dead.Name} exited during start-up.{(dead.SetupHint is null ? string.Empty : $" {dead.SetupHint}.")} Its last output:\n{dead.Tail}");
            }

            await Task.Delay(PollInterval, cancellationToken);
        }

        throw new LocalClusterException($"the executors for {string.Join(", ", missing.Order())} did not register with the local orchestrator within {timeout.TotalSeconds:0}s.");
    }
}
