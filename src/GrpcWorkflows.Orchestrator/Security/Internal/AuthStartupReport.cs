using GrpcWorkflows.Orchestrator.Internal;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Orchestrator.Security.Internal;

/// <summary>Says at start whether clients are authenticated; a warning when <see cref="AuthMode.None"/> turned it off.</summary>
internal sealed class AuthStartupReport(IOptions<AuthOptions> options, ApiKeyStore keys, IConfiguration configuration, ILogger<AuthStartupReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var auth = options.Value;
        var addresses = ListeningAddresses.Configured(configuration) is { Count: > 0 } configured ? string.Join(", ", configured) : "the default loopback address";
        if (auth.Enabled)
        {
            var jwt = auth.Jwt.Authority ?? auth.Jwt.JwksPath ?? "off";
            Log.AuthenticationOn(logger, keys.Count, jwt);
            if (keys.CertificateCount > 0)
            {
                Log.ClientCertificatesAccepted(logger, keys.CertificateCount);
            }
        }
        else if (auth.Mode == AuthMode.None)
        {
            Log.AuthenticationOff(logger, addresses);
        }
        else
        {
            Log.AuthenticationOffOnLoopback(logger, addresses);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
