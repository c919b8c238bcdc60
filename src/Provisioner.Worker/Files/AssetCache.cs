using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Provisioner.Worker.Files;

/// <summary>
/// Scenes on the work disk, named by content hash: a .blend is fetched once and every later task
/// of any job with the same content renders from the cached copy. Content that does not match
/// the job's sha256 is refused (the file changed since it was submitted). An interrupted http
/// download resumes from where it stopped (HTTP Range).
/// </summary>
public sealed class AssetCache(string directory, HttpClient http)
{
    /// <summary>The cached path of the job's scene, fetching it first if needed.</summary>
    public async Task<string> GetAsync(string src, string? sha256, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        if (sha256 is not null)
        {
            var cached = Path.Combine(directory, sha256 + ".blend");
            if (File.Exists(cached))
            {
                return cached;
            }
        }

        var partial = Path.Combine(directory, (sha256 ?? "unknown-" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(src)))) + ".part");
        if (Uri.TryCreate(src, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            await DownloadAsync(uri, partial, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            if (!File.Exists(src))
            {
                throw new FileNotFoundException($"scene {src} does not exist on this worker (is the shared storage mounted?)", src);
            }

            File.Copy(src, partial, overwrite: true);
        }

        string actual;
        await using (var stream = File.OpenRead(partial))
        {
            actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        }

        if (sha256 is not null && actual != sha256)
        {
            File.Delete(partial);
            throw new InvalidDataException($"scene {src} has sha256 {actual}, the job expects {sha256}: it changed after the job was submitted");
        }

        var path = Path.Combine(directory, actual + ".blend");
        File.Move(partial, path, overwrite: true);
        return path;
    }

    private async Task DownloadAsync(Uri uri, string partial, CancellationToken cancellationToken)
    {
        var have = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (have > 0)
        {
            request.Headers.Range = new RangeHeaderValue(have, null);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == System.Net.HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            return; // Already complete.
        }

        response.EnsureSuccessStatusCode();
        var resumed = have > 0 && response.StatusCode == System.Net.HttpStatusCode.PartialContent;
        await using var source = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using var target = new FileStream(partial, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write);
        await source.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
    }
}
