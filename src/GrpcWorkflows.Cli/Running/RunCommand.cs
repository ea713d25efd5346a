using Grpc.Core;
using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Cli.Embedded;
using GrpcWorkflows.Cli.Watching;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Cli.Running;

/// <summary>
/// <c>gwf run FILE</c>: submits a definition and shows the execution live until it ends. With no
/// address configured and nothing listening at the default one, starts an embedded orchestrator
/// (memory storage) with the built-in executors for the run.
/// </summary>
public sealed class RunCommand : GwfCommand<RunSettings>
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(RunSettings settings, CancellationToken cancellationToken)
    {
        var definition = DefinitionFile.Load(settings.File);
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

            cluster = await EmbeddedRun.StartAsync(address, cancellationToken);
            address = cluster.OrchestratorAddress;
        }

        try
        {
            using var client = Connect(address);
            if (settings.Detach)
            {
                var submitted = await client.SubmitAsync(new SubmitWorkflowRequest { Definition = definition, Input = input, IdempotencyKey = settings.IdempotencyKey ?? string.Empty, Labels = { labels } }, cancellationToken);
                SubmitCommand.Print(submitted, settings.Output);
                return ExitCodes.Success;
            }

            var request = new SubmitWorkflowRequest { Definition = definition, Input = input, IdempotencyKey = settings.IdempotencyKey ?? string.Empty, Labels = { labels } };
            var progress = new ExecutionProgress();
            progress.Seed(definition);
            try
            {
                await ProgressDisplay.FollowAsync(client.RunAsync(request, cancellationToken), progress, settings.Output, cancellationToken);
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.FailedPrecondition)
            {
                return ReportRpcError(e, settings.File);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && cluster is null && progress.ExecutionId is not null)
            {
                Console.Error.WriteLine($"gwf: stopped following; execution {progress.ExecutionId} continues (gwf watch {progress.ExecutionId}, gwf cancel {progress.ExecutionId}).");
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
}
