using GrpcWorkflows.TestExecutor;

await using var app = TestExecutorApp.Build(args);
await app.RunAsync();
