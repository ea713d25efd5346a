namespace GrpcWorkflows.Storage.Tests;

/// <summary>A fresh folder for a test's database files, deleted on dispose.</summary>
internal sealed class TempDatabase : IDisposable
{
    public TempDatabase()
    {
        Folder = Directory.CreateTempSubdirectory("grpcworkflows-store-").FullName;
    }

    public string Folder { get; }

    public string PathOf(string fileName = "store.db") => System.IO.Path.Combine(Folder, fileName);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still open elsewhere: leave the folder for the OS to clean.
        }
    }
}
