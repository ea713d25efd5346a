namespace GrpcWorkflows.Orchestrator.Security;

/// <summary>Whether the orchestrator authenticates its clients.</summary>
public enum AuthMode
{
    /// <summary>
    /// The default: on when API keys or JWT are configured; with nothing configured the orchestrator
    /// serves without authentication on loopback and refuses to start on any other address.
    /// </summary>
    Auto = 0,

    /// <summary>Always on: start-up fails when no API key and no JWT source is configured.</summary>
    Required = 1,

    /// <summary>Off on every address: an explicit opt-out for trusted networks, logged as a warning at start.</summary>
    None = 2,
}
