using GrpcWorkflows.TestExecutor;
using GrpcWorkflows.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace GrpcWorkflows.Orchestrator.Tests.Infrastructure;

/// <summary>The test executor on its own Kestrel (loopback, free port) inside the test process.</summary>
internal sealed class InProcessExecutor : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessExecutor(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public TestSteps Steps => _app.Services.GetRequiredService<TestSteps>();

    /// <summary>Starts an executor (on <paramref name="port"/>, or a free one); it registers itself when <paramref name="orchestrator"/> is given.</summary>
    public static async Task<InProcessExecutor> StartAsync(Uri? orchestrator = null, int maxConcurrency = 16, int port = 0, params string[] extraArgs)
    {
        // A short shutdown timeout: a test that ends with a call still hanging must not wait 30 s for it.
        var args = new List<string> { "--urls", $"http://127.0.0.1:{port}", $"--Executor:MaxConcurrency={maxConcurrency}", "--shutdownTimeoutSeconds=3" };
        if (orchestrator is not null)
        {
            args.Add($"--Executor:OrchestratorAddress={orchestrator}");
        }

        args.AddRange(extraArgs);
        var app = TestExecutorApp.Build([.. args]);
        await app.StartAsync().DefaultTimeout();
        return new InProcessExecutor(app, new Uri(app.Urls.First()));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await _app.DisposeAsync();
    }
}
