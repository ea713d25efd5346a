using GrpcWorkflows.V1;

namespace GrpcWorkflows.Cli.Validation;

/// <summary>
/// Prints a definition's problems, whether the file could not be parsed or the graph is wrong, in
/// one format: <c>FILE:LINE:COLUMN: FIELD: DESCRIPTION</c>, every problem on its own line.
/// </summary>
internal static class ProblemReport
{
    public static void Print(TextWriter writer, string file, IReadOnlyList<ValidationProblem> problems, string how)
    {
        var locations = FieldLocator.TryRead(file);
        writer.WriteLine($"{file}: {problems.Count} problem{(problems.Count == 1 ? string.Empty : "s")} ({how}):");
        foreach (var problem in problems)
        {
            var position = problem.Field.Length == 0 ? null : locations?.PositionOf(problem.Field);
            var where = position is { } p ? $"{file}:{p.Line}:{p.Column}" : file;
            writer.WriteLine($"  {where}: {(problem.Field.Length > 0 ? problem.Field + ": " : string.Empty)}{problem.Description}");
        }
    }
}
