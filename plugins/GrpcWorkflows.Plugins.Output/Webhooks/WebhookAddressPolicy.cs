using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace GrpcWorkflows.Plugins.Output.Webhooks;

/// <summary>
/// Decides where webhooks may go: allowlisted hosts anywhere; other hosts only when the allowlist is empty, and then
/// only to public addresses (never private, loopback, link-local, shared, documentation, multicast or unspecified ones,
/// nor this host's own addresses).
/// </summary>
public sealed class WebhookAddressPolicy
{
    private static readonly Lazy<IPAddress[]> OwnAddresses = new(ReadOwnAddresses);

    private readonly IReadOnlyCollection<string> _allowlist;
    private readonly Func<IReadOnlyCollection<IPAddress>>? _ownAddresses;

    /// <summary>Creates the policy.</summary>
    /// <param name="allowlist">Hosts allowed anywhere (exact names or <c>*.domain</c> patterns); when empty, any public host.</param>
    /// <param name="ownAddresses">This host's addresses, refused like private ones; null to read them from the network interfaces.</param>
    public WebhookAddressPolicy(IReadOnlyCollection<string> allowlist, Func<IReadOnlyCollection<IPAddress>>? ownAddresses = null)
    {
        ArgumentNullException.ThrowIfNull(allowlist);
        _allowlist = allowlist;
        _ownAddresses = ownAddresses;
    }

    /// <summary>Whether the host is on the allowlist (exact, case-insensitive, or matching a <c>*.domain</c> pattern).</summary>
    /// <param name="host">The host name or IP literal.</param>
    /// <returns>True when listed.</returns>
    public bool IsAllowlisted(string host)
    {
        var bare = host.Trim('[', ']');
        foreach (var entry in _allowlist)
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
    public bool AllowsUnlistedHosts => _allowlist.Count == 0;

    /// <summary>
    /// Whether a host that is not allowlisted may be contacted at <paramref name="address"/>: a public
    /// address (<see cref="IsPublic"/>) that is not one of this host's own.
    /// </summary>
    /// <param name="address">The address.</param>
    /// <returns>True when allowed.</returns>
    public bool IsAllowedDestination(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!IsPublic(address))
        {
            return false;
        }

        var own = _ownAddresses?.Invoke() ?? OwnAddresses.Value;
        var v4 = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return !own.Any(a => a.Equals(address) || a.Equals(v4));
    }

    /// <summary>
    /// Whether an address is publicly routable (so allowed for a host that is not allowlisted): not private,
    /// loopback, link-local, shared, documentation, benchmarking, multicast, reserved or unspecified, in IPv4
    /// or in any IPv6 form that embeds an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo).
    /// </summary>
    /// <param name="address">The address.</param>
    /// <returns>True when public.</returns>
    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return IsPublicV4(address.GetAddressBytes());
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        var b = address.GetAddressBytes();
        if (b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0)
        {
            return false;                                       // ::, ::1 and IPv4-compatible ::a.b.c.d (deprecated)
        }

        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return IsPublicV4(b.AsSpan(2, 4));                  // 6to4 2002::/16 embeds an IPv4 address
        }

        return !(address.IsIPv6LinkLocal
            || address.IsIPv6SiteLocal
            || address.IsIPv6Multicast
            || (b[0] & 0xfe) == 0xfc                            // unique local fc00::/7
            || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) // documentation 2001:db8::/32
            || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0)       // Teredo 2001::/32 embeds an IPv4 address
            || (b[0] == 0x01 && b[1] == 0 && b[2] == 0 && b[3] == 0 && b[4] == 0 && b[5] == 0 && b[6] == 0 && b[7] == 0) // discard 100::/64
            || (b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b));  // NAT64 64:ff9b::/96 and 64:ff9b:1::/48
    }

    private static bool IsPublicV4(ReadOnlySpan<byte> b)
        => !(b[0] == 0                                          // "this" network
            || b[0] == 10                                       // private
            || b[0] == 127                                      // loopback
            || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)       // shared address space (CGNAT)
            || (b[0] == 169 && b[1] == 254)                     // link-local (cloud metadata lives here)
            || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)        // private
            || (b[0] == 192 && b[1] == 168)                     // private
            || (b[0] == 192 && b[1] == 0 && b[2] == 0)          // IETF protocol assignments
            || (b[0] == 192 && b[1] == 0 && b[2] == 2)          // documentation TEST-NET-1
            || (b[0] == 198 && b[1] == 51 && b[2] == 100)       // documentation TEST-NET-2
            || (b[0] == 203 && b[1] == 0 && b[2] == 113)        // documentation TEST-NET-3
            || (b[0] == 192 && b[1] == 88 && b[2] == 99)        // deprecated 6to4 relay anycast
            || (b[0] == 198 && (b[1] == 18 || b[1] == 19))      // benchmarking
            || b[0] >= 224);                                    // multicast, reserved, broadcast

    private static IPAddress[] ReadOwnAddresses()
    {
        try
        {
            return [.. NetworkInterface.GetAllNetworkInterfaces().SelectMany(i => i.GetIPProperties().UnicastAddresses).Select(u => u.Address)];
        }
        catch (NetworkInformationException)
        {
            return [];
        }
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
        var usable = allowlisted ? addresses : [.. addresses.Where(IsAllowedDestination)];
        if (usable.Length == 0)
        {
            throw new WebhookDestinationRefusedException(
                $"webhook host '{host}' resolves to {string.Join(", ", addresses.Select(a => a.ToString()))}: private, reserved, loopback, link-local and this host's own addresses are refused unless the host is in Output:Webhook:Allowlist.");
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
