using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Provisioner.Worker.Files;

/// <summary>
/// Where a task's scene comes from, as it arrived:
/// <list type="bullet">
/// <item>A .blend on a path this worker sees (the shared storage) renders in place, so the
/// relative paths it names (<c>//textures/wood.png</c>) resolve beside it. A copy in a cache
/// would lose them and Blender would render magenta without an error. With a sha256, the file
/// is checked in place (once per size and modification time).</item>
/// <item>A .blend over http(s) is fetched to the work disk: named by its sha256, once for every job
/// with that content; without one, once per job (a later task of the job reuses it). An
/// interrupted download resumes (HTTP Range). Content that does not match the sha256 is refused.</item>
/// <item>A .zip (either way) is a scene with its files: unpacked once per content hash into a
/// folder of its own, and the .blend found in it (the only one nearest the top).</item>
/// </list>
/// </summary>
public sealed class AssetCache(string directory, HttpClient http)
{
    // Path -> (length, mtime, sha256) of local scenes already hashed: a later task of the job
    // does not read the whole file from the share again unless it changed.
    private readonly ConcurrentDictionary<string, (long Length, DateTime Modified, string Sha256)> hashed = new(StringComparer.Ordinal);

    /// <summary>The path of the .blend to render for the job's <paramref name="src"/>, fetching or unpacking it first if needed.</summary>
    public async Task<string> GetAsync(string src, string? sha256, string jobId, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var remote = Uri.TryCreate(src, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";
        var zip = (remote ? uri!.AbsolutePath : src).EndsWith(".zip", StringComparison.OrdinalIgnoreCase);
        if (!remote)
        {
            if (!File.Exists(src))
            {
                throw new FileNotFoundException($"scene {src} does not exist on this worker (is the shared storage mounted?)", src);
            }

            var actual = await LocalSha256Async(src, cancellationToken).ConfigureAwait(false);
            Refuse(src, sha256, actual);
            return zip ? Unpack(src, actual) : src;
        }

        // Named by content when it is known, else by job: fetched once either way.
        var name = (sha256 ?? "job-" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(jobId + "\n" + src)))[..32]) + (zip ? ".zip" : ".blend");
        var cached = Path.Combine(directory, name);
        if (!File.Exists(cached))
        {
            var partial = cached + ".part";
            await DownloadAsync(uri!, partial, cancellationToken).ConfigureAwait(false);
            string fetched;
            await using (var stream = File.OpenRead(partial))
            {
                fetched = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
            }

            if (sha256 is not null && fetched != sha256)
            {
                File.Delete(partial);
                Refuse(src, sha256, fetched);
            }

            File.Move(partial, cached, overwrite: true);
        }

        return zip ? Unpack(cached, sha256 ?? Path.GetFileNameWithoutExtension(cached)) : cached;
    }

    private static void Refuse(string src, string? expected, string actual)
    {
        if (expected is not null && actual != expected)
        {
            throw new InvalidDataException($"scene {src} has sha256 {actual}, the job expects {expected}: it changed after the job was submitted");
        }
    }

    private async Task<string> LocalSha256Async(string path, CancellationToken cancellationToken)
    {
        var info = new FileInfo(path);
        if (hashed.TryGetValue(path, out var known) && known.Length == info.Length && known.Modified == info.LastWriteTimeUtc)
        {
            return known.Sha256;
        }

        await using var stream = File.OpenRead(path);
        var sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        hashed[path] = (info.Length, info.LastWriteTimeUtc, sha);
        return sha;
    }

    /// <summary>
    /// Unpacks a bundle into DIRECTORY/KEY/ (once: an attempt that stopped half-way leaves only its
    /// .part folder, started over next time) and returns its .blend. .NET's extraction refuses
    /// entries that would land outside the folder (../, absolute paths).
    /// </summary>
    private string Unpack(string bundle, string key)
    {
        var folder = Path.Combine(directory, key);
        if (!Directory.Exists(folder))
        {
            var partial = folder + ".part";
            if (Directory.Exists(partial))
            {
                Directory.Delete(partial, recursive: true);
            }

            try
            {
                ZipFile.ExtractToDirectory(bundle, partial);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"scene bundle {bundle} is not a readable .zip: {e.Message}", e);
            }

            Directory.Move(partial, folder);
        }

        return SceneIn(folder, bundle);
    }

    /// <summary>The bundle's scene: the only .blend nearest the top (libraries it links may sit deeper).</summary>
    private static string SceneIn(string folder, string bundle)
    {
        var blends = Directory.EnumerateFiles(folder, "*.blend", SearchOption.AllDirectories)
            .Select(path => (Path: path, Depth: Path.GetRelativePath(folder, path).Count(c => c == Path.DirectorySeparatorChar)))
            .ToList();
        if (blends.Count == 0)
        {
            throw new InvalidDataException($"scene bundle {bundle} holds no .blend file");
        }

        var top = blends.Min(b => b.Depth);
        var nearest = blends.Where(b => b.Depth == top).Select(b => b.Path).Order(StringComparer.Ordinal).ToList();
        return nearest.Count == 1
            ? nearest[0]
            : throw new InvalidDataException($"scene bundle {bundle} holds {nearest.Count} .blend files at its top ({string.Join(", ", nearest.Select(p => Path.GetRelativePath(folder, p)))}): leave one there and put linked libraries in a folder");
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
