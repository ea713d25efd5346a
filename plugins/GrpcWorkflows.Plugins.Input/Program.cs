using GrpcWorkflows.Executor.Hosting;
using GrpcWorkflows.Plugins.Input;

var builder = GrpcWorkflowsExecutorHost.CreateBuilder(args);
builder.Services.AddOptions<InputOptions>().BindConfiguration(InputOptions.SectionName);
builder.Services.AddGrpcWorkflowsExecutor(o => o.Name ??= "grpcworkflows-input")
    .AddStepHandler<InputStepHandler>(InputStepHandler.StepType, "Collects literal data and JSON/JSON Lines/CSV files, validated against an optional JSON Schema.");
var app = builder.Build();
app.MapGrpcWorkflowsExecutor();
await app.RunAsync();
