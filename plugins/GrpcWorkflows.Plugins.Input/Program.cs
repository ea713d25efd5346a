using GrpcWorkflows.Executor.Hosting;
using GrpcWorkflows.Plugins.Input;

var builder = GrpcWorkflowsExecutorHost.CreateBuilder(args);
builder.Services.AddOptions<InputOptions>().BindConfiguration(InputOptions.SectionName)
    .Validate(o => !string.IsNullOrWhiteSpace(o.DataRoot), "Input:DataRoot must name a folder (default: data).")
    .Validate(o => o.MaxSourceBytes > 0, "Input:MaxSourceBytes must be positive.")
    .ValidateOnStart();
builder.Services.AddGrpcWorkflowsExecutor(o => o.Name ??= "grpcworkflows-input")
    .AddStepHandler<InputStepHandler>(InputStepHandler.StepType, "Collects literal data and JSON/JSON Lines/CSV files, validated against an optional JSON Schema.", InputStepSchema.Create());
var app = builder.Build();
app.MapGrpcWorkflowsExecutor();
await app.RunAsync();
