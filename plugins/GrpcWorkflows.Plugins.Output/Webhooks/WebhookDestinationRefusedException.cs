namespace GrpcWorkflows.Plugins.Output.Webhooks;

/// <summary>A webhook destination broke the address policy (thrown from the connection callback).</summary>
public sealed class WebhookDestinationRefusedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WebhookDestinationRefusedException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Why the destination is refused and what setting allows it.</param>
    public WebhookDestinationRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public WebhookDestinationRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
