using System.Net.Sockets;

namespace GrpcWorkflows.Cli.Embedded;

/// <summary>Whether something accepts connections at an address (the check before starting an embedded orchestrator).</summary>
internal static class OrchestratorProbe
{
    public static async Task<bool> IsListeningAsync(Uri address, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await client.ConnectAsync(address.DnsSafeHost, address.Port, limit.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
