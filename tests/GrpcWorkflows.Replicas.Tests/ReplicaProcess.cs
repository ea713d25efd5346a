using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Replicas.Tests;

/// <summary>One orchestrator replica as a child process on the test's PostgreSQL schema, with short leases.</summary>
internal sealed class ReplicaProcess : IAsyncDisposable
{
    /// <summary>The lease of the tests' replicas: a dead replica's executions are taken over within about this.</summary>
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(3);

    // Replicas that call one executor sign its caller tokens with one key (a key generated per process would not verify at the executor).
    private static readonly string SharedSigningKey = Convert.ToBase64String([.. Enumerable.Range(1, 32).Select(i => (byte)i)]);

    private readonly GrpcChannel _channel;

    private ReplicaProcess(string id, TestProcess process, Uri url)
    {
        Id = id;
        Process = process;
        Url = url;
        _channel = GrpcChannel.ForAddress(url);
        Client = new WorkflowService.WorkflowServiceClient(_channel);
        Registry = new ExecutorRegistryService.ExecutorRegistryServiceClient(_channel);
    }

    /// <summary>The replica's owner name in the leases (<c>Replicas:Id</c>).</summary>
    public string Id { get; }

    public TestProcess Process { get; }

    public Uri Url { get; }

    public WorkflowService.WorkflowServiceClient Client { get; }

    public ExecutorRegistryService.ExecutorRegistryServiceClient Registry { get; }

    /// <summary>
    /// Starts a replica named <paramref name="id"/>, with the push executor at <paramref name="executorUrl"/> listed
    /// statically (or none) with a capacity of <paramref name="executorCapacity"/> calls at once, listening on
    /// <paramref name="port"/> (0: any free port), and any <paramref name="extraArguments"/>.
    /// </summary>
    public static async Task<ReplicaProcess> StartAsync(
        string id, string connectionString, string schema, Uri? executorUrl, TimeSpan? leaseDuration = null, int executorCapacity = 64, int port = 0, IEnumerable<string>? extraArguments = null)
    {
        var process = TestProcess.StartDotnet(
            "GrpcWorkflows.Orchestrator",
            [
                "--urls", $"http://127.0.0.1:{port}",
                "--Storage:Provider=postgres",
                $"--Storage:Postgres:ConnectionString={connectionString}",
                $"--Storage:Postgres:Schema={schema}",
                $"--Replicas:Id={id}",
                $"--Auth:ExecutorTokens:SigningKey={SharedSigningKey}",
                $"--Replicas:LeaseDuration={leaseDuration ?? LeaseDuration:c}",
                "--Replicas:RenewInterval=00:00:01",
                "--Engine:MaxParallelSteps=16",
                "--Orchestrator:ShutdownGracePeriod=00:00:05",
                .. extraArguments ?? [],
                .. executorUrl is null ? Array.Empty<string>() :
                [
                    $"--Executors:Static:0:Endpoint={executorUrl.ToString().TrimEnd('/')}",
                    "--Executors:Static:0:StepTypes:0=sleep",
                    "--Executors:Static:0:StepTypes:1=flaky",
                    "--Executors:Static:0:StepTypes:2=hang",
                    "--Executors:Static:0:StepTypes:3=count",
                    $"--Executors:Static:0:MaxConcurrency={executorCapacity}",
                ],
            ]);
        try
        {
            return new ReplicaProcess(id, process, await process.WaitForListeningAsync(TimeSpan.FromSeconds(60)));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>The test executor (push), logging every delivery.</summary>
    public static TestProcess StartExecutor(string deliveryLog) => TestProcess.StartDotnet(
        "GrpcWorkflows.TestExecutor",
        ["--urls", "http://127.0.0.1:0", "--log", deliveryLog, "--Executor:MaxConcurrency=256"]);

    /// <summary>The test executor in connect mode: one session, to <paramref name="orchestrator"/> only, sending <paramref name="apiKey"/> when given.</summary>
    public static TestProcess StartConnectedExecutor(string deliveryLog, Uri orchestrator, string? apiKey = null) => TestProcess.StartDotnet(
        "GrpcWorkflows.TestExecutor",
        [
            "--urls", "http://127.0.0.1:0", "--log", deliveryLog, "--Executor:MaxConcurrency=64",
            $"--Executor:OrchestratorAddress={orchestrator.ToString().TrimEnd('/')}",
            "--Executor:RegistrationRetryInitialDelay=00:00:00.1", "--Executor:RegistrationRetryMaxDelay=00:00:01",
            .. apiKey is null ? Array.Empty<string>() : [$"--Executor:ApiKey={apiKey}"],
        ]);

    /// <summary>Sends SIGSTOP (<paramref name="resume"/> false) or SIGCONT (true).</summary>
    public async Task SignalAsync(bool resume)
    {
        if (Process.HasExited)
        {
            return;
        }

        using var kill = System.Diagnostics.Process.Start(new ProcessStartInfo("kill", [resume ? "-CONT" : "-STOP", Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false });
        await kill!.WaitForExitAsync();
    }

    /// <summary>Counts the executions in <paramref name="states"/>, or null when the replica does not answer (the database is away).</summary>
    public async Task<int?> CountAsync(params ExecutionState[] states)
    {
        try
        {
            var request = new ListExecutionsRequest { PageSize = 1000 };
            request.States.AddRange(states);
            var count = 0;
            while (true)
            {
                var page = await Client.ListExecutionsAsync(request, deadline: DateTime.UtcNow.AddSeconds(10)).ResponseAsync;
                count += page.Executions.Count;
                if (string.IsNullOrEmpty(page.NextPageToken))
                {
                    return count;
                }

                request.PageToken = page.NextPageToken;
            }
        }
        catch (RpcException)
        {
            return null;
        }
    }

    /// <summary>A chain <c>s0 → s1 → …</c> of <paramref name="steps"/> sleep steps of <paramref name="milliseconds"/> each.</summary>
    public static WorkflowDefinition Chain(string id, int steps, int milliseconds)
    {
        var definition = new WorkflowDefinition { Id = id };
        for (var index = 0; index < steps; index++)
        {
            var step = Sleep(milliseconds);
            if (index > 0)
            {
                step.DependsOn.Add($"s{index - 1}");
            }

            definition.Steps.Add($"s{index}", step);
        }

        return definition;
    }

    /// <summary>A fan-out and fan-in: <c>a → (b, c) → d</c>, with a flaky step that fails once before it succeeds.</summary>
    public static WorkflowDefinition Diamond(string id, int milliseconds)
    {
        var definition = new WorkflowDefinition { Id = id };
        definition.Steps.Add("a", Sleep(milliseconds));
        var b = Sleep(milliseconds);
        b.DependsOn.Add("a");
        definition.Steps.Add("b", b);
        var c = new StepDefinition
        {
            Type = "flaky",
            Input = new Struct { Fields = { ["failures"] = Value.ForNumber(1) } },
            RetryPolicy = new RetryPolicy { MaxAttempts = 4, InitialBackoff = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(200)), BackoffMultiplier = 1 },
        };
        c.DependsOn.Add("a");
        definition.Steps.Add("c", c);
        var d = Sleep(milliseconds);
        d.DependsOn.Add("b");
        d.DependsOn.Add("c");
        definition.Steps.Add("d", d);
        return definition;
    }

    public static StepDefinition Sleep(int milliseconds) => new() { Type = "sleep", Input = new Struct { Fields = { ["ms"] = Value.ForNumber(milliseconds) } } };

    /// <summary>Watches an execution to its end through this replica, resuming from the last sequence seen + 1 when the stream breaks.</summary>
    public async Task<List<ExecutionEvent>> WatchToEndAsync(string executionId, CancellationToken cancellationToken)
    {
        var events = new List<ExecutionEvent>();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                using var call = Client.WatchExecution(new WatchExecutionRequest { ExecutionId = executionId, FromSequence = events.Count + 1 }, cancellationToken: cancellationToken);
                await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    events.Add(response.Event);
                    if (response.Event.KindCase == ExecutionEvent.KindOneofCase.Finished)
                    {
                        return events;
                    }
                }
            }
            catch (RpcException) when (!cancellationToken.IsCancellationRequested)
            {
                // The database was away: resume where the stream stopped, after a short backoff.
                await Task.Delay(200, cancellationToken);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await Process.DisposeAsync();
    }
}
