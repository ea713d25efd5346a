using GrpcWorkflows.Executor.Hosting;
using GrpcWorkflows.Plugins.Ai.Chat;
using GrpcWorkflows.Plugins.Ai.Internal;

// The `ai` step executor. Configuration: Ai:Chat:Endpoint / Model / ApiKey (or Ai__Chat__Endpoint ...), Ai:Local:*, Executor:*.
var builder = GrpcWorkflowsExecutorHost.CreateBuilder(args);

builder.Services.AddGrpcWorkflowsExecutor(options => options.Name ??= "ai").AddAiStep();

var app = builder.Build();
app.MapGrpcWorkflowsExecutor();

var chat = app.Services.GetRequiredService<ChatClientSource>();
var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("GrpcWorkflows.Plugins.Ai");
if (chat.IsConfigured && chat.Options.Endpoint is { } endpoint)
{
    Log.ChatProviderConfigured(logger, endpoint, chat.Options.Model);
}
else
{
    Log.NoChatProvider(logger);
}

await app.RunAsync();
