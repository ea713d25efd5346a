using Grpc.Core;
using GrpcWorkflows.Cli.Embedded;
using GrpcWorkflows.Cli.Output;
using GrpcWorkflows.Client;
using GrpcWorkflows.Client.Errors;
using GrpcWorkflows.Engine.Definitions;
using Spectre.Console.Cli;

namespace GrpcWorkflows.Cli.Commands;

/// <summary>
/// The base of every command: connects to the orchestrator and turns failures into one line on
/// stderr and an exit code (<see cref="ExitCodes"/>); never a stack trace.
/// </summary>
/// <typeparam name="TSettings">The command's settings.</typeparam>
public abstract class GwfCommand<TSettings> : AsyncCommand<TSettings>
    where TSettings : GlobalSettings
{
    private Uri? _address;

    /// <inheritdoc />
    public sealed override async Task<int> ExecuteAsync(CommandContext context, TSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            return await RunAsync(settings, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine("gwf: interrupted.");
            return ExitCodes.Interrupted;
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"gwf: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (DefinitionFormatException e)
        {
            Console.Error.WriteLine(e.Message);
            return ExitCodes.BadInput;
        }
        catch (LocalClusterException e)
        {
            Console.Error.WriteLine($"gwf: {e.Message}");
            return ExitCodes.OtherError;
        }
        catch (RpcException e) when (IsUnreachable(e))
        {
            var where = _address is null ? "the orchestrator" : $"the orchestrator at {Describe(_address)}";
            Console.Error.WriteLine($"gwf: cannot reach {where} ({Reason(e)}).");
            return ExitCodes.Unreachable;
        }
        catch (RpcException e)
        {
            return ReportRpcError(e);
        }
    }

    /// <summary>Runs the command.</summary>
    /// <param name="settings">The parsed settings.</param>
    /// <param name="cancellationToken">Fires on Ctrl-C.</param>
    /// <returns>The exit code.</returns>
    protected abstract Task<int> RunAsync(TSettings settings, CancellationToken cancellationToken);

    /// <summary>Creates a client for <paramref name="address"/> and remembers the address for error messages.</summary>
    protected WorkflowClient Connect(Uri address)
    {
        _address = address;
        return WorkflowClient.Create(address);
    }

    /// <summary>Creates a client for the address the settings name (<c>--address</c>, <c>GWF_ADDRESS</c> or the default).</summary>
    protected WorkflowClient Connect(TSettings settings) => Connect(settings.ResolveAddress());

    /// <summary>The address as printed in messages: scheme, host and port.</summary>
    protected static string Describe(Uri address) => address.GetLeftPart(UriPartial.Authority);

    /// <summary>Prints an error the orchestrator answered with, and the validation problems it carries.</summary>
    /// <param name="error">The error.</param>
    /// <param name="source">The definition file the request was about, to prefix each problem with; null for none.</param>
    /// <returns>The exit code.</returns>
    protected static int ReportRpcError(RpcException error, string? source = null)
    {
        var problems = error.GetValidationProblems();
        var prefix = source is null ? string.Empty : source + ": ";
        Console.Error.WriteLine($"gwf: {prefix}{error.Status.Detail} ({Names.Of(error.StatusCode)})");
        foreach (var problem in problems)
        {
            Console.Error.WriteLine($"  {prefix}{(problem.Field.Length > 0 ? problem.Field + ": " : string.Empty)}{problem.Description}");
        }

        return error.StatusCode switch
        {
            StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.NotFound or StatusCode.AlreadyExists => ExitCodes.BadInput,
            _ => ExitCodes.OtherError,
        };
    }

    private static bool IsUnreachable(RpcException e) =>
        e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded
        || (e.StatusCode is StatusCode.Internal && e.IsTransportFailure() && e.Status.DebugException is not null);

    private static string Reason(RpcException e)
    {
        var inner = e.Status.DebugException;
        while (inner?.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return inner?.Message ?? e.Status.Detail;
    }
}
