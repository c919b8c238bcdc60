using System.Security.Cryptography;
using Provisioner.IntegrationTests.Support;
using Provisioner.Tests.Support;
using Provisioner.Worker.Files;

namespace Provisioner.IntegrationTests.Farm;

/// <summary>The worker's scene cache against a real HTTP server on loopback.</summary>
public sealed class AssetCacheHttpTests
{
    [Fact]
    public async Task AssetCache_Url_IsFetchedOncePerContentOrPerJob()
    {
        using var dir = new TempDirectory();
        using var http = new HttpClient();
        File.WriteAllText(Path.Combine(dir.Path, "scene.blend"), "BLENDER-v304 served");
        var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(dir.Path, "scene.blend"))));
        using var server = await LocalHttpServer.StartAsync(dir.Path);
        var cache = new AssetCache(Path.Combine(dir.Path, "cache"), http);
        var url = server.Url("scene.blend");

        var pinned = await cache.GetAsync(url, sha, "job-1", CancellationToken.None);
        var unpinned = await cache.GetAsync(url, null, "job-1", CancellationToken.None);
        File.Delete(Path.Combine(dir.Path, "scene.blend")); // later tasks never fetch again
        Assert.Equal(pinned, await cache.GetAsync(url, sha, "job-2", CancellationToken.None));
        Assert.Equal(unpinned, await cache.GetAsync(url, null, "job-1", CancellationToken.None));

        Assert.Equal(Path.Combine(dir.Path, "cache", sha + ".blend"), pinned);
        Assert.NotEqual(pinned, unpinned);
        Assert.Equal("BLENDER-v304 served", File.ReadAllText(unpinned));
        // Another job without a sha256 fetches its own copy (the URL may serve new content): gone now.
        await Assert.ThrowsAsync<HttpRequestException>(() => cache.GetAsync(url, null, "job-2", CancellationToken.None));
    }
}
