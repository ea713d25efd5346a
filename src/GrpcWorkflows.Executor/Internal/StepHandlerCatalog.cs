using GrpcWorkflows.Executor.Hosting;

namespace GrpcWorkflows.Executor.Internal;

/// <summary>The step types this executor serves, by type.</summary>
internal sealed class StepHandlerCatalog
{
    private readonly Dictionary<string, StepHandlerRegistration> _byType = new(StringComparer.Ordinal);

    public StepHandlerCatalog(IEnumerable<StepHandlerRegistration> registrations)
    {
        foreach (var registration in registrations)
        {
            if (!_byType.TryAdd(registration.StepType, registration))
            {
                throw new InvalidOperationException($"Step type '{registration.StepType}' has two handlers; register each step type once.");
            }
        }

        Registrations = [.. _byType.Values.OrderBy(r => r.StepType, StringComparer.Ordinal)];
    }

    public IReadOnlyList<StepHandlerRegistration> Registrations { get; }

    public bool TryGet(string stepType, out StepHandlerRegistration registration) =>
        _byType.TryGetValue(stepType, out registration!);
}
