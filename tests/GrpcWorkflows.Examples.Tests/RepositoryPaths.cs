using System.Reflection;

namespace GrpcWorkflows.Examples.Tests;

/// <summary>Locates the repository the tests were built from (stamped into the assembly at build time).</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = typeof(RepositoryPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!.TrimEnd('/');

    public static string Examples => Path.Combine(Root, "examples");
}
