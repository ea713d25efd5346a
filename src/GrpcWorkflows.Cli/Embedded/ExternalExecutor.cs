namespace GrpcWorkflows.Cli.Embedded;

/// <summary>An executor listed in <c>gwf.executors.json</c>: the command that starts it and the step types it registers.</summary>
/// <param name="Name">The name shown in messages and in <c>gwf dev</c>'s table.</param>
/// <param name="StepTypes">The step types it registers.</param>
/// <param name="Command">The program to run.</param>
/// <param name="Arguments">Its arguments; <c>{orchestrator}</c> becomes the orchestrator's address.</param>
/// <param name="WorkingDirectory">The folder it runs in (absolute).</param>
/// <param name="Setup">What to run first when it cannot start (printed with the error); null for nothing.</param>
internal sealed record ExternalExecutor(string Name, IReadOnlyList<string> StepTypes, string Command, IReadOnlyList<string> Arguments, string WorkingDirectory, string? Setup)
{
    /// <summary>The arguments with the orchestrator's address filled in.</summary>
    public IEnumerable<string> ArgumentsFor(Uri orchestrator) =>
        Arguments.Select(a => a.Replace(ExecutorsFile.OrchestratorPlaceholder, orchestrator.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal));
}
