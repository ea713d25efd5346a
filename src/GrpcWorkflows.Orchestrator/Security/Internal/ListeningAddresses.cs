using System.Net;

namespace GrpcWorkflows.Orchestrator.Security.Internal;

/// <summary>The addresses the host is configured to listen on (<c>urls</c>, <c>http_ports</c>, <c>https_ports</c>, <c>Kestrel:Endpoints</c>), and which are not loopback.</summary>
internal static class ListeningAddresses
{
    /// <summary>Every configured listening address; empty when none is configured (the host's loopback default).</summary>
    public static IReadOnlyList<string> Configured(IConfiguration configuration)
    {
        var addresses = new List<string>();
        addresses.AddRange(Split(configuration["urls"]));
        addresses.AddRange(Split(configuration["http_ports"]).Select(port => $"http://*:{port}"));
        addresses.AddRange(Split(configuration["https_ports"]).Select(port => $"https://*:{port}"));
        addresses.AddRange(configuration.GetSection("Kestrel:Endpoints").GetChildren()
            .Select(endpoint => endpoint["Url"]).OfType<string>().Where(url => url.Length > 0));
        return addresses;
    }

    /// <summary>Whether <paramref name="url"/> (<c>scheme://host:port</c>, host possibly <c>*</c>, <c>+</c> or <c>[::1]</c>) binds loopback only.</summary>
    public static bool IsLoopback(string url)
    {
        var rest = url.Contains("://", StringComparison.Ordinal) ? url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..] : url;
        if (rest.StartsWith("unix:", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        rest = slash >= 0 ? rest[..slash] : rest;
        var host = rest.StartsWith('[')
            ? rest[1..Math.Max(1, rest.IndexOf(']', StringComparison.Ordinal))]
            : rest.LastIndexOf(':') is var colon and >= 0 ? rest[..colon] : rest;
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }

    private static string[] Split(string? value)
        => string.IsNullOrWhiteSpace(value) ? [] : value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
