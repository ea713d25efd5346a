using System.Diagnostics.CodeAnalysis;

namespace GrpcWorkflows.Engine.Secrets;

/// <summary>
/// Where <c>{{ secrets.NAME }}</c> references in step inputs get their values. The engine asks at
/// dispatch (each attempt) and at submission (to report unknown names); a value is sent to the
/// executor in the step's input and never written to the event log: a step output or error that
/// repeats it is recorded with <see cref="SecretRedaction.Marker"/> in its place.
/// </summary>
/// <remarks>
/// Called on the engine's scheduling path, under its lock: answer from memory or a local file,
/// quickly, and without throwing. Thread-safe. Built in: <see cref="EnvironmentSecretProvider"/>,
/// <see cref="FileSecretProvider"/> and <see cref="CompositeSecretProvider"/>.
/// </remarks>
public interface ISecretProvider
{
    /// <summary>Reads the secret <paramref name="name"/>; false when this provider does not have it.</summary>
    /// <param name="name">The name as written after <c>secrets.</c>: letters, digits, <c>_</c>, <c>-</c> and <c>.</c>.</param>
    /// <param name="value">The secret's value.</param>
    bool TryGetSecret(string name, [NotNullWhen(true)] out string? value);
}
