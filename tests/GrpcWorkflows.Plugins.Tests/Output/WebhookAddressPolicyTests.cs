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
    [InlineData("192.0.2.10", false)]
    [InlineData("198.51.100.7", false)]
    [InlineData("203.0.113.9", false)]
    [InlineData("64:ff9b:1::a00:1", false)]
    [InlineData("64:ff9b::a9fe:a9fe", false)]
    [InlineData("::127.0.0.1", false)]
    [InlineData("::169.254.169.254", false)]
    [InlineData("::8.8.8.8", false)]
    [InlineData("2002:a00:1::1", false)]
    [InlineData("2002:808:808::1", true)]
    [InlineData("2001:0:4136:e378::1", false)]
    [InlineData("2001:db8::1", false)]
    [InlineData("100::1", false)]
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

    [Theory]
    [InlineData("8.8.4.4")]
    [InlineData("::ffff:8.8.4.4")]
    [InlineData("2001:4860:4860::8844")]
    public void IsAllowedDestination_OwnPublicAddress_Refused(string address)
    {
        var policy = new WebhookAddressPolicy([], () => [IPAddress.Parse("8.8.4.4"), IPAddress.Parse("2001:4860:4860::8844")]);

        Assert.False(policy.IsAllowedDestination(IPAddress.Parse(address)));
        Assert.True(policy.IsAllowedDestination(IPAddress.Parse("8.8.8.8")));
    }

    [Fact]
    public void IsAllowedDestination_ThisHostsInterfaceAddresses_AllRefused()
    {
        var policy = new WebhookAddressPolicy([]);
        var own = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(u => u.Address)
            .ToList();

        Assert.NotEmpty(own);
        Assert.All(own, address => Assert.False(policy.IsAllowedDestination(address), $"{address} is this host's own"));
    }
}
