using System.Text.Json.Nodes;
using GrpcWorkflows.Executor;
using GrpcWorkflows.Executor.Hosting;

// A step executor serving `greet`: {"name": "Ada"} -> {"greeting": "Hello, Ada!"}.
var builder = GrpcWorkflowsExecutorHost.CreateBuilder(args);
builder.Services.AddGrpcWorkflowsExecutor(options => options.Name ??= "hello-executor")
    .AddStepHandler("greet", (step, cancellationToken) =>
    {
        if (step.InputJson()["name"] is not JsonValue value || !value.TryGetValue(out string? name))
        {
            throw StepFailedException.InvalidInput("name: is required and must be a string.");
        }

        return ValueTask.FromResult(StructJson.ToStruct(new JsonObject { ["greeting"] = $"Hello, {name}!" }));
    }, "Greets input.name.");
var app = builder.Build();
app.MapGrpcWorkflowsExecutor();
await app.RunAsync();
