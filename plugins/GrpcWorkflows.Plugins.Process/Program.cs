using GrpcWorkflows.Executor.Hosting;
using GrpcWorkflows.Plugins.Process;

var builder = GrpcWorkflowsExecutorHost.CreateBuilder(args);
builder.Services.AddGrpcWorkflowsExecutor(o => o.Name ??= "grpcworkflows-process")
    .AddStepHandler<ProcessStepHandler>(ProcessStepHandler.StepType, "Runs rules (transform, set, rename, remove, filter, map, aggregate, sort, dedupe, limit) over the upstream data.", ProcessStepSchema.Create());
var app = builder.Build();
app.MapGrpcWorkflowsExecutor();
await app.RunAsync();
