using System.Collections.Frozen;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Provisioner.Service;

/// <summary>
/// The web dashboard's three files (src/Provisioner.Service/Dashboard), embedded in the assembly
/// and served at <c>/</c> and <c>/dashboard/NAME</c>. They hold no farm data: the page reads the
/// API like any client. A strict Content-Security-Policy lets the page load only its own files and
/// talk only to this service, and no other site may frame it.
/// </summary>
internal static class DashboardAssets
{
    public const string Policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly FrozenDictionary<string, (byte[] Content, string Type)> Files = Load();

    /// <summary>True for the paths this class serves (the access rules let anyone who may connect load them).</summary>
    public static bool IsAsset(PathString path) => path == "/" || path.StartsWithSegments("/dashboard", StringComparison.Ordinal);

    public static void Map(IEndpointRouteBuilder routes)
    {
        string[] methods = [HttpMethods.Get, HttpMethods.Head]; // HEAD too: link checkers and monitors ask it
        routes.MapMethods("/", methods, (HttpContext context) => Serve(context, "index.html")).ExcludeFromDescription();
        routes.MapMethods("/dashboard/{name}", methods, (string name, HttpContext context) => Serve(context, name)).ExcludeFromDescription();
    }

    private static IResult Serve(HttpContext context, string name)
    {
        if (!Files.TryGetValue(name, out var file))
        {
            return Problems.Of(StatusCodes.Status404NotFound, $"the dashboard has no file '{Problems.Shown(name)}'", "open http://HOST:PORT/ for the dashboard");
        }

        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = Policy;
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = "no-cache";
        return Results.Bytes(file.Content, file.Type);
    }

    private static FrozenDictionary<string, (byte[] Content, string Type)> Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("Dashboard/", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            var name = resource["Dashboard/".Length..];
            files[name] = (memory.ToArray(), Path.GetExtension(name) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                _ => "application/octet-stream",
            });
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
