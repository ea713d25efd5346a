using Grpc.Core;
using GrpcWorkflows.Cli.Credentials;
using GrpcWorkflows.Cli.Embedded;
using GrpcWorkflows.Cli.Output;
using GrpcWorkflows.Client;
using GrpcWorkflows.Client.Errors;
using GrpcWorkflows.Cli.Running;
using GrpcWorkflows.Cli.Validation;
using GrpcWorkflows.V1;
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
    private TSettings? _settings;

    /// <inheritdoc />
    public sealed override async Task<int> ExecuteAsync(CommandContext context, TSettings settings, CancellationToken cancellationToken)
    {
        _settings = settings;
        try
        {
            return await RunAsync(settings, cancellationToken);
        }
        catch (Exception e) when (IsInterruption(e, cancellationToken))
        {
            Console.Error.WriteLine("gwf: interrupted.");
            return ExitCodes.Interrupted;
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"gwf: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (DefinitionFileException e)
        {
            if (e.Problems.Count == 0)
            {
                Console.Error.WriteLine($"gwf: {e.Message}");
            }
            else
            {
                ProblemReport.Print(Console.Error, e.File, e.Problems, "the file cannot be read as a definition");
            }

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
        catch (RpcException e) when (e.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
        {
            var where = _address is null ? "the orchestrator" : $"the orchestrator at {Describe(_address)}";
            Console.Error.WriteLine($"gwf: {where} refused the call: {e.Status.Detail} ({Names.Of(e.StatusCode)})");
            Console.Error.WriteLine(e.StatusCode == StatusCode.Unauthenticated
                ? $"  Give an API key with --api-key or {GlobalSettings.ApiKeyVariable}; gwf dev saves its own in {CredentialsFile.DefaultPath()}."
                : "  Use a key with a larger role (viewer < operator < admin); see docs/security.md.");
            return ExitCodes.OtherError;
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

    /// <summary>
    /// True when <paramref name="error"/> is how a call ends after Ctrl-C: an
    /// <see cref="OperationCanceledException"/>, or gRPC's <c>CANCELLED</c> ("Call canceled by the client").
    /// </summary>
    protected static bool IsInterruption(Exception error, CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested && error is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled };

    /// <summary>
    /// The full execution id that <paramref name="idOrPrefix"/> names: the id itself, or the one
    /// execution whose id starts with it.
    /// </summary>
    /// <exception cref="UsageException">No execution, or several, match the prefix.</exception>
    protected static async Task<string> ResolveExecutionIdAsync(WorkflowClient client, string idOrPrefix, CancellationToken cancellationToken)
    {
        var text = idOrPrefix.Trim();
        try
        {
            return (await client.GetAsync(text, cancellationToken)).ExecutionId;
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.NotFound or StatusCode.InvalidArgument)
        {
            // Not a whole id: try it as a prefix.
        }

        // The server filters by prefix (ordinal); ids are typed in either case, so ask for each spelling.
        var matches = new List<string>();
        foreach (var spelling in new[] { text, text.ToLowerInvariant(), text.ToUpperInvariant() }.Distinct(StringComparer.Ordinal))
        {
            ListExecutionsResponse page;
            try
            {
                page = await client.ListAsync(new ListExecutionsRequest { PageSize = 6, ExecutionIdPrefix = spelling }, cancellationToken);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
            {
                throw new UsageException($"'{text}' is not an execution id nor the start of one (ids are letters, digits, '-' and '_').");
            }

            matches.AddRange(page.Executions.Select(e => e.ExecutionId).Except(matches, StringComparer.Ordinal));
        }

        return matches switch
        {
            [var only] => only,
            [] => throw new UsageException($"no execution id is or starts with '{text}' (gwf list shows the executions)."),
            _ => throw new UsageException($"'{text}' starts several execution ids ({string.Join(", ", matches.Take(5))}{(matches.Count > 5 ? ", ..." : string.Empty)}); type more of it."),
        };
    }

    /// <summary>Creates a client for <paramref name="address"/> with the API key the settings resolve for it, and remembers the address for error messages.</summary>
    protected WorkflowClient Connect(Uri address)
    {
        _address = address;
        return WorkflowClient.Create(address, new WorkflowClientOptions { Address = address, ApiKey = _settings?.ResolveApiKey(address), Namespace = _settings?.ResolveNamespace() });
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
