using GrpcWorkflows.Cli.Credentials;

namespace GrpcWorkflows.Cli.Tests.Credentials;

public sealed class CredentialsFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("gwf-credentials-").FullName;

    private string FilePath => Path.Combine(_folder, "nested", "credentials");

    [Fact]
    public void Save_TwoAddresses_EachKeyOnlyForItsAddress()
    {
        CredentialsFile.Save(new Uri("http://127.0.0.1:5100"), "gwf_first", FilePath);
        CredentialsFile.Save(new Uri("http://127.0.0.1:6200/"), "gwf_second", FilePath);

        Assert.Equal("gwf_first", CredentialsFile.ApiKeyFor(new Uri("http://127.0.0.1:5100/"), FilePath));
        Assert.Equal("gwf_second", CredentialsFile.ApiKeyFor(new Uri("http://127.0.0.1:6200"), FilePath));
        Assert.Null(CredentialsFile.ApiKeyFor(new Uri("https://workflows.example.com"), FilePath));
    }

    [Fact]
    public void Save_NewFile_ReadableByItsOwnerOnly()
    {
        CredentialsFile.Save(new Uri("http://127.0.0.1:5100"), "gwf_secret", FilePath);

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(FilePath));
        }
    }

    [Fact]
    public void Remove_EntryReplacedByAnotherSession_KeepsTheNewerKey()
    {
        var address = new Uri("http://127.0.0.1:5100");
        CredentialsFile.Save(address, "gwf_old", FilePath);
        CredentialsFile.Save(address, "gwf_new", FilePath);

        CredentialsFile.Remove(address, "gwf_old", FilePath);
        var afterStaleRemove = CredentialsFile.ApiKeyFor(address, FilePath);
        CredentialsFile.Remove(address, "gwf_new", FilePath);

        Assert.Equal("gwf_new", afterStaleRemove);
        Assert.Null(CredentialsFile.ApiKeyFor(address, FilePath));
    }

    [Fact]
    public void ApiKeyFor_MissingOrCorruptFile_Null()
    {
        Assert.Null(CredentialsFile.ApiKeyFor(new Uri("http://127.0.0.1:5100"), FilePath));
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        File.WriteAllText(FilePath, "{ not json");

        Assert.Null(CredentialsFile.ApiKeyFor(new Uri("http://127.0.0.1:5100"), FilePath));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
