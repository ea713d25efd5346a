using System.Diagnostics.CodeAnalysis;

namespace GrpcWorkflows.Orchestrator.Registry;

/// <summary>Normalizes executor addresses so that one endpoint has one spelling.</summary>
internal static class ExecutorAddress
{
    /// <summary>
    /// Turns <paramref name="address"/> into <c>scheme://host:port</c> when it is an absolute
    /// http or https address; returns false otherwise.
    /// </summary>
    public static bool TryNormalize(string? address, [NotNullWhen(true)] out string? normalized)
    {
        normalized = null;
        if (string.IsNullOrWhiteSpace(address)
            || !Uri.TryCreate(address.Trim(), UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(uri.Host))
        {
            return false;
        }

        normalized = uri.GetLeftPart(UriPartial.Authority);
        return true;
    }
}
