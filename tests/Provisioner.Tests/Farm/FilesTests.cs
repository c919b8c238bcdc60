using System.Security.Cryptography;
using Provisioner.Tests.Support;
using Provisioner.Worker.Files;

namespace Provisioner.Tests.Farm;

public sealed class FilesTests
{
    [Fact]
    public async Task ResultCopier_ResumesAnInterruptedCopy_AndRenamesIntoPlace()
    {
        using var dir = new TempDirectory();
        var content = RandomNumberGenerator.GetBytes(100_000);
        var source = Path.Combine(dir.Path, "frame_0001.png");
        await File.WriteAllBytesAsync(source, content);
        var destination = Path.Combine(dir.Path, "out", "frame_0001.png");
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        await File.WriteAllBytesAsync(destination + ".part", content[..40_000]);

        await ResultCopier.CopyAsync(source, destination, CancellationToken.None);

        Assert.Equal(content, await File.ReadAllBytesAsync(destination));
        Assert.False(File.Exists(destination + ".part"));
    }

    [Fact]
    public async Task ResultCopier_PartialOfOtherContent_StartsOver()
    {
        using var dir = new TempDirectory();
        var content = RandomNumberGenerator.GetBytes(10_000);
        var source = Path.Combine(dir.Path, "a.png");
        await File.WriteAllBytesAsync(source, content);
        var destination = Path.Combine(dir.Path, "b.png");
        await File.WriteAllBytesAsync(destination + ".part", RandomNumberGenerator.GetBytes(5_000));

        await ResultCopier.CopyAsync(source, destination, CancellationToken.None);

        Assert.Equal(content, await File.ReadAllBytesAsync(destination));
    }

    [Fact]
    public async Task AssetCache_CachesByContentHash_AndRefusesContentThatChanged()
    {
        using var dir = new TempDirectory();
        using var http = new HttpClient();
        var scene = dir.File("scene.blend", "BLENDER-v304 pretend scene");
        var sha = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(scene)));
        var cache = new AssetCache(Path.Combine(dir.Path, "cache"), http);

        var cached = await cache.GetAsync(scene, sha, CancellationToken.None);
        File.Delete(scene); // a second task of the same content never reads the source again
        var again = await cache.GetAsync(scene, sha, CancellationToken.None);

        Assert.Equal(Path.Combine(dir.Path, "cache", sha + ".blend"), cached);
        Assert.Equal(cached, again);
        dir.File("scene.blend", "edited after submit");
        var changed = await Assert.ThrowsAsync<InvalidDataException>(() => cache.GetAsync(scene, new string('0', 64), CancellationToken.None));
        Assert.Contains("it changed after the job was submitted", changed.Message, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Path.Combine(dir.Path, "cache")));
    }
}
