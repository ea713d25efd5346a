using System.Net;
using GrpcWorkflows.Plugins.Output.Webhooks;

namespace GrpcWorkflows.Plugins.Tests.Output;

public sealed class WebhookAddressPolicyTests
{
    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.16.5.4", false)]
    [InlineData("172.32.0.1", true)]
    [InlineData("192.168.1.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("8.8.8.8", true)]
    [InlineData("::1", false)]
    [InlineData("::", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fd12:3456::1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("::ffff:8.8.8.8", true)]
    [InlineData("2001:4860:4860::8888", true)]
    public void IsPublic_Address_Classified(string address, bool expected)
    {
        Assert.Equal(expected, WebhookAddressPolicy.IsPublic(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("hooks.example.com", true)]
    [InlineData("HOOKS.example.com", true)]
    [InlineData("a.internal.example.org", true)]
    [InlineData("internal.example.org", false)]
    [InlineData("example.com", false)]
    [InlineData("::1", true)]
    public void IsAllowlisted_Host_MatchesExactOrWildcard(string host, bool expected)
    {
        var policy = new WebhookAddressPolicy(["hooks.example.com", "*.internal.example.org", "[::1]"]);

        Assert.Equal(expected, policy.IsAllowlisted(host));
    }
}
