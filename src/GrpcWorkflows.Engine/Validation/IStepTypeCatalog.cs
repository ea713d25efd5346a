namespace GrpcWorkflows.Engine.Validation;

/// <summary>
/// The registry hook of validation: tells whether some executor serves a step type. The
/// orchestrator implements it over its executor registry; without one, every type is served.
/// </summary>
public interface IStepTypeCatalog
{
    /// <summary>Whether an executor is registered for <paramref name="stepType"/>.</summary>
    bool IsServed(string stepType);

    /// <summary>The step types served now (a snapshot), for replicas to tell each other, as <see cref="Storage.ServedStepTypes"/> entries; empty when unknown.</summary>
    IReadOnlyCollection<string> ServedTypes => [];
}
