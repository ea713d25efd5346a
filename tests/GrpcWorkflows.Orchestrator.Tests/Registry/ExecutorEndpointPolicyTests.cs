using GrpcWorkflows.Orchestrator.Registry;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Orchestrator.Tests.Registry;

/// <summary>Which addresses an executor may register: never one the orchestrator should not dial.</summary>
public sealed class ExecutorEndpointPolicyTests
{
    private static readonly Uri Orchestrator = new("http://127.0.0.1:5100");

    private static ExecutorEndpointPolicy Policy(Action<ExecutorRegistryOptions>? configure = null)
    {
        var options = new ExecutorRegistryOptions();
        configure?.Invoke(options);
        return new ExecutorEndpointPolicy(Options.Create(options), () => [Orchestrator]);
    }

    [Theory]
    [InlineData("http://169.254.169.254")]
    [InlineData("http://169.254.169.254:80")]
    [InlineData("http://[::ffff:169.254.169.254]")]
    [InlineData("http://[::ffff:a9fe:a9fe]:8080")]
    [InlineData("http://[::169.254.169.254]")]
    [InlineData("http://169.254.1.1:5101")]
    [InlineData("http://[fe80::1]:5101")]
    [InlineData("http://[fd00:ec2::254]")]
    [InlineData("http://100.100.100.200")]
    [InlineData("http://metadata.google.internal")]
    [InlineData("http://0.0.0.0:5101")]
    [InlineData("http://[::]:5101")]
    [InlineData("http://[::ffff:0.0.0.0]:5101")]
    [InlineData("http://224.0.0.1:5101")]
    [InlineData("http://255.255.255.255:5101")]
    [InlineData("http://127.0.0.1:5100")]
    [InlineData("http://localhost:5100")]
    [InlineData("http://[::ffff:127.0.0.1]:5100")]
    [InlineData("ftp://127.0.0.1:5101")]
    [InlineData("unix:///tmp/executor.sock")]
    [InlineData("not a url")]
    public async Task CheckAsync_RefusedEndpoint_Problem(string endpoint)
    {
        Assert.NotNull(await Policy().CheckAsync(endpoint));
    }

    [Theory]
    [InlineData("http://127.0.0.1:5101")]
    [InlineData("http://localhost:5101")]
    [InlineData("http://[::1]:5101")]
    [InlineData("https://10.1.2.3:443")]
    [InlineData("http://8.8.8.8:5101")]
    public async Task CheckAsync_UsualExecutorAddress_Accepted(string endpoint)
    {
        Assert.Null(await Policy().CheckAsync(endpoint));
    }

    [Fact]
    public async Task CheckAsync_LoopbackWhenNotAllowed_Refused()
    {
        var policy = Policy(o => o.AllowLoopback = false);

        Assert.Contains("AllowLoopback", await policy.CheckAsync("http://127.0.0.1:5101"), StringComparison.Ordinal);
        Assert.NotNull(await policy.CheckAsync("http://[::1]:5101"));
        Assert.NotNull(await policy.CheckAsync("http://localhost:5101"));
    }

    [Fact]
    public async Task CheckAsync_AllowedAndDeniedNetworks_Applied()
    {
        var policy = Policy(o =>
        {
            o.AllowedNetworks = ["10.0.0.0/8", "fd00::/8"];
            o.DeniedNetworks = ["10.66.0.0/16"];
        });

        Assert.Null(await policy.CheckAsync("http://10.1.2.3:5101"));
        Assert.Null(await policy.CheckAsync("http://[fd12::1]:5101"));
        Assert.Contains("DeniedNetworks", await policy.CheckAsync("http://10.66.1.1:5101"), StringComparison.Ordinal);
        Assert.Contains("AllowedNetworks", await policy.CheckAsync("http://192.168.1.1:5101"), StringComparison.Ordinal);
        Assert.Contains("AllowedNetworks", await policy.CheckAsync("http://[::ffff:192.168.1.1]:5101"), StringComparison.Ordinal);
        Assert.Null(await policy.CheckAsync("http://127.0.0.1:5101"));
    }
}
