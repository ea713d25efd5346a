using Grpc.Core;
using Grpc.Net.Client;
using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Cli.Output;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Cli.Inspecting;

/// <summary><c>gwf executors --schemas</c>: each executor's step types with their descriptions and declared input schemas, asked of the executor itself.</summary>
internal static class ExecutorSchemas
{
    private static readonly TimeSpan DescribeTimeout = TimeSpan.FromSeconds(10);

    public static async Task PrintAsync(IReadOnlyList<ExecutorInfo> executors, string? stepType, OutputFormat format, CancellationToken cancellationToken)
    {
        foreach (var executor in executors)
        {
            DescribeExecutorResponse described;
            try
            {
                using var channel = GrpcChannel.ForAddress(executor.Endpoint);
                var client = new StepExecutorService.StepExecutorServiceClient(channel);
                described = await client.DescribeExecutorAsync(new DescribeExecutorRequest(), deadline: DateTime.UtcNow + DescribeTimeout, cancellationToken: cancellationToken);
            }
            catch (Exception e) when (e is RpcException or UriFormatException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
            {
                Console.Error.WriteLine($"gwf: {executor.Endpoint} ({string.Join(", ", executor.StepTypes)}) did not describe itself: {(e as RpcException)?.Status.Detail ?? e.Message}");
                continue;
            }

            var types = described.StepTypes.Where(t => stepType is null || t.Type == stepType).ToList();
            if (format == OutputFormat.Json)
            {
                var response = described.Clone();
                response.StepTypes.Clear();
                response.StepTypes.Add(types);
                Console.Out.WriteLine($"{{\"endpoint\":{System.Text.Json.JsonSerializer.Serialize(executor.Endpoint)},\"described\":{JsonOutput.Format(response)}}}");
                continue;
            }

            Console.Out.WriteLine($"{(described.Name.Length > 0 ? described.Name : executor.ExecutorId)} at {executor.Endpoint}");
            foreach (var type in types)
            {
                Console.Out.WriteLine($"  {type.Type}: {type.Description}");
                Console.Out.WriteLine(type.InputSchema is { Fields.Count: > 0 } schema
                    ? string.Join('\n', JsonOutput.Pretty(schema).Split('\n').Select(l => "    " + l))
                    : "    (no input schema declared)");
            }
        }

        Console.Out.Flush();
    }
}
