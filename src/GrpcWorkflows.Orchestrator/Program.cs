using GrpcWorkflows.Orchestrator.Hosting;

var builder = OrchestratorHost.CreateBuilder(args);
var app = builder.Build();
app.MapGrpcWorkflowsOrchestrator();
await app.RunAsync();
