using GrpcWorkflows.Executor.Hosting;
using GrpcWorkflows.Plugins.Output;
using GrpcWorkflows.Plugins.Output.Webhooks;

var builder = GrpcWorkflowsExecutorHost.CreateBuilder(args);
builder.Services.AddOptions<OutputOptions>().BindConfiguration(OutputOptions.SectionName);
builder.Services.AddSingleton<WebhookSender>();
builder.Services.AddGrpcWorkflowsExecutor(o => o.Name ??= "grpcworkflows-output")
    .AddStepHandler<OutputStepHandler>(OutputStepHandler.StepType, "Delivers the upstream data as the execution result, to a file (JSON, JSON Lines, CSV), a webhook and the log.");
var app = builder.Build();
app.MapGrpcWorkflowsExecutor();
await app.RunAsync();
