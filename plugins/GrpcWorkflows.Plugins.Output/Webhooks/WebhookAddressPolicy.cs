using System.Net;
using System.Net.Sockets;

namespace GrpcWorkflows.Plugins.Output.Webhooks;

/// <summary>
/// Decides where webhooks may go: allowlisted hosts anywhere; other hosts only when the allowlist is empty, and then
/// only to public addresses (never private, loopback, link-local, shared, multicast or unspecified ones).
/// </summary>
public sealed class WebhookAddressPolicy(IReadOnlyCollection<string> allowlist)
{
    /// <summary>Whether the host is on the allowlist (exact, case-insensitive, or matching a <c>*.domain</c> pattern).</summary>
    /// <param name="host">The host name or IP literal.</param>
    /// <returns>True when listed.</returns>
    public bool IsAllowlisted(string host)
    {
        var bare = host.Trim('[', ']');
        foreach (var entry in allowlist)
        {
            var pattern = entry.Trim().Trim('[', ']');
            if (pattern.StartsWith("*.", StringComparison.Ordinal)
                ? bare.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase)
                : string.Equals(bare, pattern, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a host that is not allowlisted may be contacted at all (only when the allowlist is empty).</summary>
    public bool AllowsUnlistedHosts => allowlist.Count == 0;

    /// <summary>Whether an address is publicly routable (so allowed for a host that is not allowlisted).</summary>
    /// <param name="address">The address.</param>
    /// <returns>True when public.</returns>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] == 0                                  // "this" network
                || b[0] == 10                                   // private
                || b[0] == 127                                  // loopback
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)   // shared address space (CGNAT)
                || (b[0] == 169 && b[1] == 254)                 // link-local (cloud metadata lives here)
                || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)    // private
                || (b[0] == 192 && b[1] == 168)                 // private
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)      // IETF protocol assignments
                || (b[0] == 198 && (b[1] == 18 || b[1] == 19))  // benchmarking
                || b[0] >= 224);                                // multicast, reserved, broadcast
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            return !(IPAddress.IPv6Loopback.Equals(address)
                || IPAddress.IPv6None.Equals(address)
                || address.IsIPv6LinkLocal
                || address.IsIPv6SiteLocal
                || address.IsIPv6Multicast
                || (b[0] & 0xfe) == 0xfc                        // unique local fc00::/7
                || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) // documentation
                || (b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b));   // NAT64: may embed a private IPv4
        }

        return false;
    }

    /// <summary>
    /// The connection callback for <see cref="SocketsHttpHandler.ConnectCallback"/>: resolves the host, applies the
    /// policy to the resolved addresses and connects only to an allowed one, so DNS rebinding cannot slip past a check.
    /// </summary>
    /// <param name="context">The connection context.</param>
    /// <param name="cancellationToken">Cancels the connection.</param>
    /// <returns>The connected stream.</returns>
    /// <exception cref="WebhookDestinationRefusedException">The host or all its addresses are refused.</exception>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var allowlisted = IsAllowlisted(host);
        if (!allowlisted && !AllowsUnlistedHosts)
        {
            throw new WebhookDestinationRefusedException($"webhook host '{host}' is not in Output:Webhook:Allowlist.");
        }

        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var usable = allowlisted ? addresses : [.. addresses.Where(IsPublic)];
        if (usable.Length == 0)
        {
            throw new WebhookDestinationRefusedException(
                $"webhook host '{host}' resolves to {string.Join(", ", addresses.Select(a => a.ToString()))}: private, loopback or link-local addresses are refused unless the host is in Output:Webhook:Allowlist.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(usable, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
