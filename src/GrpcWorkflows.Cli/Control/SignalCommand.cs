using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Cli.Output;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Cli.Control;

/// <summary><c>gwf signal ID NAME --data JSON</c>: completes an execution's steps waiting for the signal, with the payload as their output.</summary>
public sealed class SignalCommand : GwfCommand<SignalSettings>
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(SignalSettings settings, CancellationToken cancellationToken)
    {
        var payload = ReadPayload(settings);
        using var client = Connect(settings);
        var id = await ResolveExecutionIdAsync(client, settings.ExecutionId, cancellationToken);
        var steps = await client.SignalAsync(id, settings.Name, payload, cancellationToken);
        if (settings.Output == OutputFormat.Json)
        {
            JsonOutput.WriteLine(new SignalExecutionResponse { StepIds = { steps } });
        }
        else
        {
            Console.Out.WriteLine($"Execution {id}: signal '{settings.Name}' completed {string.Join(", ", steps)}");
        }

        return ExitCodes.Success;
    }

    private static Struct ReadPayload(SignalSettings settings)
    {
        if (settings.Data is not null && settings.DataFile is not null)
        {
            throw new UsageException("Give the payload with --data or --data-file, not both.");
        }

        string text;
        string source;
        if (settings.DataFile is { } path)
        {
            source = $"--data-file {path}";
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"{source}: {e.Message}", e);
            }
        }
        else
        {
            source = "--data";
            text = settings.Data ?? "{}";
        }

        try
        {
            return JsonParser.Default.Parse<Struct>(text);
        }
        catch (Exception e) when (e is InvalidJsonException or InvalidProtocolBufferException or FormatException)
        {
            throw new UsageException($"{source}: not a JSON object: {e.Message}", e);
        }
    }
}
