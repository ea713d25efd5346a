using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace GrpcWorkflows.Orchestrator.Http;

/// <summary>
/// The dashboard's built files (<c>ui/dist</c> of the repository: <c>index.html</c>, <c>app.js</c>,
/// <c>app.css</c>), embedded in the orchestrator's assembly so that it needs no web root, no npm at run
/// time and no separate server.
/// </summary>
internal static class UiFiles
{
    /// <summary>The prefix of the embedded resources' names (see the csproj).</summary>
    public const string ResourcePrefix = "GrpcWorkflows.Orchestrator.ui";

    private static readonly EmbeddedFileProvider Files = new(typeof(UiFiles).Assembly, ResourcePrefix);

    /// <summary>Answers <c>/ui/</c> (the page) and <c>/ui/{file}</c> (its script and style); 404 for anything else.</summary>
    public static async Task ServeAsync(HttpContext http, string? file)
    {
        if (string.IsNullOrEmpty(file) && !http.Request.Path.Value!.EndsWith('/'))
        {
            // "/ui" → "/ui/": the page's relative links (app.js, app.css) resolve under /ui/.
            http.Response.Redirect("/ui/");
            return;
        }

        var name = string.IsNullOrEmpty(file) ? "index.html" : file;
        var info = name.Contains('/', StringComparison.Ordinal) ? null : Files.GetFileInfo(name);
        if (info is not { Exists: true })
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        http.Response.ContentType = Path.GetExtension(name) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".svg" => "image/svg+xml",
            _ => "application/octet-stream",
        };
        // The names do not change between builds: let the browser revalidate instead of caching an old bundle.
        http.Response.Headers.CacheControl = new StringValues("no-cache");
        http.Response.Headers["X-Content-Type-Options"] = "nosniff";
        http.Response.ContentLength = info.Length;
        await using var stream = info.CreateReadStream();
        await stream.CopyToAsync(http.Response.Body, http.RequestAborted);
    }
}
