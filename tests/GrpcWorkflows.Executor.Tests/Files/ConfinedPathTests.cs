using GrpcWorkflows.Executor.Files;

namespace GrpcWorkflows.Executor.Tests.Files;

public sealed class ConfinedPathTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("gwf-confined-").FullName;

    public void Dispose() => Directory.Delete(_base, recursive: true);

    private string Root()
    {
        var root = Path.Combine(_base, "root");
        Directory.CreateDirectory(root);
        return root;
    }

    [Theory]
    [InlineData("a.csv", "a.csv")]
    [InlineData("sub/dir/a.csv", "sub/dir/a.csv")]
    [InlineData("sub/../a.csv", "a.csv")]
    [InlineData("./a.csv", "a.csv")]
    public void Resolve_PathInsideRoot_ReturnsFullPath(string relative, string expected)
    {
        var root = Root();

        Assert.Equal(Path.Combine(root, expected), ConfinedPath.Resolve(root, relative));
    }

    [Theory]
    [InlineData("../a.csv")]
    [InlineData("sub/../../a.csv")]
    [InlineData("/etc/passwd")]
    [InlineData("")]
    public void Resolve_PathLeavingRoot_InvalidArgument(string relative)
    {
        var ex = Assert.Throws<StepFailedException>(() => ConfinedPath.Resolve(Root(), relative, "source.path"));

        Assert.Equal("INVALID_ARGUMENT", ex.Code);
        Assert.StartsWith("source.path: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_SymlinkToOutside_Refused()
    {
        var root = Root();
        var outside = Directory.CreateDirectory(Path.Combine(_base, "outside")).FullName;
        File.CreateSymbolicLink(Path.Combine(root, "escape"), outside);
        File.CreateSymbolicLink(Path.Combine(root, "file-escape"), Path.Combine(outside, "x.txt"));

        Assert.Throws<StepFailedException>(() => ConfinedPath.Resolve(root, "escape/x.txt"));
        Assert.Throws<StepFailedException>(() => ConfinedPath.Resolve(root, "file-escape"));
    }

    [Fact]
    public void Resolve_RelativeSymlinkChainInside_FollowedToTheRealPath()
    {
        var root = Root();
        Directory.CreateDirectory(Path.Combine(root, "real"));
        File.CreateSymbolicLink(Path.Combine(root, "hop1"), "hop2");
        File.CreateSymbolicLink(Path.Combine(root, "hop2"), "real");

        Assert.Equal(Path.Combine(root, "real", "a.csv"), ConfinedPath.Resolve(root, "hop1/a.csv"));
    }

    [Fact]
    public void Resolve_RootItselfASymlink_PathsInsideAllowed()
    {
        var real = Root();
        var link = Path.Combine(_base, "root-link");
        File.CreateSymbolicLink(link, real);

        Assert.Equal(Path.Combine(real, "a.csv"), ConfinedPath.Resolve(link, "a.csv"));
    }

    [Fact]
    public void Resolve_SymlinkLoop_Refused()
    {
        var root = Root();
        File.CreateSymbolicLink(Path.Combine(root, "loop1"), "loop2");
        File.CreateSymbolicLink(Path.Combine(root, "loop2"), "loop1");

        var ex = Assert.Throws<StepFailedException>(() => ConfinedPath.Resolve(root, "loop1/a"));

        Assert.Contains("too many levels of symbolic links", ex.Message, StringComparison.Ordinal);
    }
}
