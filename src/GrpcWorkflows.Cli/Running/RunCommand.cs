using Grpc.Core;
using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Cli.Embedded;
using GrpcWorkflows.Cli.Watching;
using GrpcWorkflows.Client;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Cli.Running;

/// <summary>
/// <c>gwf run FILE</c>: submits a definition and shows the execution live until it ends. With no
/// address configured and nothing listening at the default one, starts an embedded orchestrator
/// (memory storage) with the built-in executors for the run.
/// </summary>
public sealed class RunCommand : GwfCommand<RunSettings>
{
    private static readonly TimeSpan CancelTimeout = TimeSpan.FromSeconds(10);

    /// <inheritdoc />
    protected override async Task<int> RunAsync(RunSettings settings, CancellationToken cancellationToken)
    {
        var stored = settings.Reference();
        var definition = stored is null ? DefinitionFile.Load(settings.File) : new WorkflowDefinition();
        var source = stored is null ? settings.File : settings.Ref;
        var input = InputParser.Parse(settings.InputFile, settings.Inputs);
        var labels = InputParser.ParseLabels(settings.Labels);
        var address = settings.ResolveAddress();
        LocalCluster? cluster = null;
        if (!settings.HasExplicitAddress && !await OrchestratorProbe.IsListeningAsync(address, TimeSpan.FromSeconds(1), cancellationToken))
        {
            if (settings.Detach)
            {
                throw new UsageException($"--detach needs a running orchestrator, and none answers at {Describe(address)}: start one with 'gwf dev' or pass --address.");
            }

            if (stored is not null)
            {
                throw new UsageException($"--ref runs a workflow stored in a running orchestrator, and none answers at {Describe(address)}: start one with 'gwf dev' or pass --address.");
            }

            if (EmbeddedRun.MissingChatEndpoint(definition) is { } missing)
            {
                Console.Error.WriteLine($"gwf: skipped {settings.File}: {missing}");
                return ExitCodes.Skipped;
            }

            cluster = await EmbeddedRun.StartAsync(address, settings.File, definition, settings.ExecutorsFile, cancellationToken);
            address = cluster.OrchestratorAddress;
        }

        try
        {
            using var client = Connect(address);
            var submit = new SubmitWorkflowRequest { Input = input, IdempotencyKey = settings.IdempotencyKey ?? string.Empty, Labels = { labels } };
            if (stored is null)
            {
                submit.Definition = definition;
            }
            else
            {
                // Pinned to the version read here, so the steps shown are the steps that run.
                var found = (await client.GetWorkflowAsync(stored.Id, stored.Version, cancellationToken: cancellationToken)).Workflow;
                definition = found.Definition;
                submit.WorkflowRef = new WorkflowReference { Id = found.WorkflowId, Version = found.Version };
            }

            if (settings.Detach)
            {
                SubmitCommand.Print(await client.SubmitAsync(submit, cancellationToken), settings.Output);
                return ExitCodes.Success;
            }

            var progress = new ExecutionProgress();
            progress.Seed(definition);
            try
            {
                await ProgressDisplay.FollowAsync(client.RunAsync(submit, cancellationToken), progress, settings.Output, cancellationToken);
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.FailedPrecondition)
            {
                return ReportRpcError(e, source);
            }
            catch (Exception e) when (IsInterruption(e, cancellationToken) && progress.ExecutionId is { } id)
            {
                await InterruptedAsync(client, id, settings.CancelOnInterrupt, embedded: cluster is not null);
                return ExitCodes.Interrupted;
            }

            return progress.Finished?.State == ExecutionState.Succeeded ? ExitCodes.Success : ExitCodes.ExecutionFailed;
        }
        finally
        {
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }
        }
    }

    /// <summary>After Ctrl-C: cancels the execution (with the flag, or when the user says so) or says how to follow or cancel it later.</summary>
    private static async Task InterruptedAsync(WorkflowClient client, string id, bool cancel, bool embedded)
    {
        Console.Out.Flush();
        if (embedded && !cancel)
        {
            Console.Error.WriteLine($"\ngwf: interrupted; execution {id} ends with the embedded orchestrator, which stops with gwf (run 'gwf dev' in another terminal to keep executions running after gwf run returns).");
            return;
        }

        if (!cancel && !embedded && !Console.IsInputRedirected)
        {
            Console.Error.Write($"\ngwf: cancel execution {id} too? [y/N] ");
            var answer = Console.In.ReadLine();
            cancel = answer is not null && answer.Trim().StartsWith('y');
        }

        if (!cancel)
        {
            Console.Error.WriteLine($"\ngwf: stopped following; execution {id} keeps running: 'gwf watch {id}' follows it again, 'gwf cancel {id}' cancels it.");
            return;
        }

        using var limit = new CancellationTokenSource(CancelTimeout);
        try
        {
            var state = await client.CancelAsync(id, "cancelled with Ctrl-C on gwf run", limit.Token);
            Console.Error.WriteLine($"\ngwf: execution {id} {(state == ExecutionState.Cancelled ? "cancelled" : $"had already finished: {Output.Names.Of(state)}")}.");
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException)
        {
            Console.Error.WriteLine($"\ngwf: could not cancel execution {id} ({e.Message}); 'gwf cancel {id}' tries again.");
        }
    }
}
