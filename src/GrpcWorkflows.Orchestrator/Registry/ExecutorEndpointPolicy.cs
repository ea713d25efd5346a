using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Orchestrator.Registry;

/// <summary>
/// Decides which addresses an executor may register, so that the orchestrator never dials what a
/// registration should not make it dial: http or https only; never an unspecified, link-local,
/// cloud-metadata, multicast or broadcast address (in any IPv4 or IPv6 spelling), nor the
/// orchestrator's own listening address; loopback only when <see cref="ExecutorRegistryOptions.AllowLoopback"/>;
/// never inside <see cref="ExecutorRegistryOptions.DeniedNetworks"/>; and, when
/// <see cref="ExecutorRegistryOptions.AllowedNetworks"/> is set, only inside one of them.
/// Host names are resolved and every address they resolve to must pass.
/// </summary>
/// <remarks>Thread-safe; the options are parsed once.</remarks>
internal sealed class ExecutorEndpointPolicy
{
    /// <summary>How long resolving a registered host name may take.</summary>
    public static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(5);

    private static readonly IPAddress[] MetadataAddresses =
    [
        IPAddress.Parse("169.254.169.254"),     // AWS, GCP, Azure, OpenStack
        IPAddress.Parse("169.254.170.2"),       // AWS ECS task metadata
        IPAddress.Parse("100.100.100.200"),     // Alibaba Cloud
        IPAddress.Parse("fd00:ec2::254"),       // AWS over IPv6
    ];

    private static readonly string[] MetadataHosts = ["metadata.google.internal", "metadata", "instance-data", "metadata.azure.internal"];

    private readonly bool _allowLoopback;
    private readonly IPNetwork[] _allowed;
    private readonly IPNetwork[] _denied;
    private readonly Func<IReadOnlyCollection<Uri>> _ownAddresses;

    /// <summary>Creates the policy from the registry's options; the orchestrator's own addresses come from <paramref name="server"/>.</summary>
    public ExecutorEndpointPolicy(IOptions<ExecutorRegistryOptions> options, IServer? server = null)
        : this(options, () => OwnListenAddresses(server))
    {
    }

    /// <summary>Creates the policy with the orchestrator's own addresses given by <paramref name="ownAddresses"/> (tests).</summary>
    public ExecutorEndpointPolicy(IOptions<ExecutorRegistryOptions> options, Func<IReadOnlyCollection<Uri>> ownAddresses)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(ownAddresses);
        var value = options.Value;
        _allowLoopback = value.AllowLoopback;
        _allowed = [.. value.AllowedNetworks.Select(n => IPNetwork.Parse(n.Trim()))];
        _denied = [.. value.DeniedNetworks.Select(n => IPNetwork.Parse(n.Trim()))];
        _ownAddresses = ownAddresses;
    }

    /// <summary>Why <paramref name="endpoint"/> may not be registered, or null when it may.</summary>
    /// <param name="endpoint">The address as the executor sent it.</param>
    /// <param name="cancellationToken">Cancels name resolution.</param>
    public async Task<string?> CheckAsync(string endpoint, CancellationToken cancellationToken = default)
    {
        if (!ExecutorAddress.TryNormalize(endpoint, out var normalized))
        {
            return "is not an absolute http:// or https:// URL with a host, such as http://127.0.0.1:5101 (h2c) or https://executor.example:443 (TLS).";
        }

        var uri = new Uri(normalized);
        var host = uri.Host.Trim('[', ']');
        if (MetadataHosts.Contains(host.TrimEnd('.'), StringComparer.OrdinalIgnoreCase))
        {
            return $"'{host}' is a cloud metadata service; executors cannot be registered there.";
        }

        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(ResolveTimeout);
                addresses = await Dns.GetHostAddressesAsync(host, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return $"host '{host}' could not be resolved; register an address the orchestrator can resolve, or an IP address.";
            }

            if (addresses.Length == 0)
            {
                return $"host '{host}' resolves to no address.";
            }
        }

        foreach (var address in addresses)
        {
            if (Problem(Canonical(address), uri.Port) is { } problem)
            {
                return addresses.Length == 1 && literal is not null ? problem : $"host '{host}' resolves to {address}: {problem}";
            }
        }

        return null;
    }

    /// <summary>IPv4 in any IPv6 spelling (mapped <c>::ffff:a.b.c.d</c> or compatible <c>::a.b.c.d</c>) as IPv4.</summary>
    private static IPAddress Canonical(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            if (bytes.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0 && bytes.AsSpan(12).IndexOfAnyExcept((byte)0) >= 0 && !IPAddress.IPv6Loopback.Equals(address))
            {
                return new IPAddress(bytes.AsSpan(12));
            }
        }

        return address;
    }

    private string? Problem(IPAddress address, int port)
    {
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return $"{address} is the unspecified address; register the address the orchestrator should call.";
        }

        if (MetadataAddresses.Contains(address))
        {
            return $"{address} is a cloud metadata service; executors cannot be registered there.";
        }

        if (IsLinkLocal(address))
        {
            return $"{address} is a link-local address; executors cannot be registered there.";
        }

        if (address.IsIPv6Multicast || (address.AddressFamily == AddressFamily.InterNetwork && address.GetAddressBytes()[0] >= 224))
        {
            return $"{address} is a multicast, broadcast or reserved address.";
        }

        if (IsOwnAddress(address, port))
        {
            return $"{address}:{port} is the orchestrator's own address; register the executor's address.";
        }

        if (IPAddress.IsLoopback(address) && !_allowLoopback)
        {
            return $"{address} is a loopback address and Executors:AllowLoopback is false.";
        }

        foreach (var denied in _denied)
        {
            if (denied.Contains(address))
            {
                return $"{address} is in {denied} (Executors:DeniedNetworks).";
            }
        }

        if (_allowed.Length > 0 && !_allowed.Any(n => n.Contains(address)) && !(IPAddress.IsLoopback(address) && _allowLoopback))
        {
            return $"{address} is outside Executors:AllowedNetworks ({string.Join(", ", _allowed)}).";
        }

        return null;
    }

    private static bool IsLinkLocal(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] == 169 && b[1] == 254;
        }

        return address.IsIPv6LinkLocal;
    }

    /// <summary>Whether the orchestrator listens at <paramref name="address"/>:<paramref name="port"/> (a listening address, or any of this host's when it listens on all).</summary>
    private bool IsOwnAddress(IPAddress address, int port)
    {
        foreach (var own in _ownAddresses())
        {
            if (own.Port != port)
            {
                continue;
            }

            var host = own.Host.Trim('[', ']');
            if (host is "*" or "+" or "0.0.0.0" or "::" || string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
            {
                if (IPAddress.IsLoopback(address) || HostAddresses().Any(a => Canonical(a).Equals(address)))
                {
                    return true;
                }
            }
            else if (IPAddress.TryParse(host, out var listening) && Canonical(listening).Equals(address))
            {
                return true;
            }
        }

        return false;
    }

    private static IPAddress[] HostAddresses()
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

    private static Uri[] OwnListenAddresses(IServer? server)
    {
        var addresses = server?.Features.Get<IServerAddressesFeature>()?.Addresses;
        if (addresses is null)
        {
            return [];
        }

        var result = new List<Uri>();
        foreach (var address in addresses)
        {
            // Kestrel reports "http://[::]:5100" or "http://*:5100"; Uri accepts neither "*" nor "+".
            if (Uri.TryCreate(address.Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal), UriKind.Absolute, out var uri))
            {
                result.Add(uri);
            }
        }

        return [.. result];
    }
}
