using System.Diagnostics;

namespace GrpcWorkflows.Cli.Embedded;

/// <summary>What a one-shot command of the orchestrator executable answered.</summary>
/// <param name="ExitCode">0 done, 2 bad input, 1 failed (the orchestrator's <c>ToolCommands</c>).</param>
/// <param name="Output">Its standard output.</param>
/// <param name="Error">Its standard error.</param>
internal sealed record OrchestratorToolResult(int ExitCode, string Output, string Error);

/// <summary>
/// Runs a one-shot command of the orchestrator executable (<c>validate</c>, <c>backup</c>): gwf starts
/// the orchestrator as the program it is, instead of linking the engine or the store.
/// </summary>
internal static class OrchestratorTool
{
    public static async Task<OrchestratorToolResult> RunAsync(IReadOnlyList<string> arguments, string? input, CancellationToken cancellationToken)
    {
        var assembly = BuiltInExecutables.PathOf(BuiltInExecutables.Orchestrator);
        if (!File.Exists(assembly))
        {
            throw new LocalClusterException($"{assembly} is missing; gwf needs the orchestrator it carries (build src/GrpcWorkflows.Cli).");
        }

        var info = new ProcessStartInfo(BuiltInExecutables.DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(assembly);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new LocalClusterException($"Could not start {assembly}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input.AsMemory(), cancellationToken);
        }

        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new OrchestratorToolResult(process.ExitCode, await output, await error);
    }
}
