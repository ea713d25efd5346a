using GrpcWorkflows.Executor.Hosting;
using GrpcWorkflows.Plugins.Output;
using GrpcWorkflows.Plugins.Output.Webhooks;

var builder = GrpcWorkflowsExecutorHost.CreateBuilder(args);
builder.Services.AddOptions<OutputOptions>().BindConfiguration(OutputOptions.SectionName)
    .Validate(o => !string.IsNullOrWhiteSpace(o.Root), "Output:Root must name a folder (default: output).")
    .Validate(o => o.Webhook.MaxTimeout > TimeSpan.Zero && o.Webhook.DefaultTimeout > TimeSpan.Zero && o.Webhook.DefaultTimeout <= o.Webhook.MaxTimeout,
        "Output:Webhook:DefaultTimeout and Output:Webhook:MaxTimeout must be positive, the default not above the maximum.")
    .Validate(o => o.Webhook.Allowlist.All(h => !string.IsNullOrWhiteSpace(h)), "Output:Webhook:Allowlist must not contain empty entries.")
    .ValidateOnStart();
builder.Services.AddSingleton<WebhookSender>();
builder.Services.AddGrpcWorkflowsExecutor(o => o.Name ??= "grpcworkflows-output")
    .AddStepHandler<OutputStepHandler>(OutputStepHandler.StepType, "Delivers the upstream data as the execution result, to a file (JSON, JSON Lines, CSV), a webhook and the log.", OutputStepSchema.Create());
var app = builder.Build();
app.MapGrpcWorkflowsExecutor();
await app.RunAsync();
