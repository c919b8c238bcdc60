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
    public async Task AssetCache_LocalScene_RendersInPlace_AndRefusesContentThatChanged()
    {
        using var dir = new TempDirectory();
        using var http = new HttpClient();
        var scene = dir.File("shot/scene.blend", "BLENDER-v304 pretend scene");
        var sha = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(scene)));
        var cache = new AssetCache(Path.Combine(dir.Path, "cache"), http);

        // In place: its //textures resolve beside it, and nothing is copied.
        Assert.Equal(scene, await cache.GetAsync(scene, sha, "job-1", CancellationToken.None));
        Assert.Equal(scene, await cache.GetAsync(scene, null, "job-1", CancellationToken.None));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(dir.Path, "cache")));
        File.WriteAllText(scene, "edited after submit");
        var changed = await Assert.ThrowsAsync<InvalidDataException>(() => cache.GetAsync(scene, sha, "job-1", CancellationToken.None));
        Assert.Contains("it changed after the job was submitted", changed.Message, StringComparison.Ordinal);
        var missing = await Assert.ThrowsAsync<FileNotFoundException>(() => cache.GetAsync(dir.Path + "/gone.blend", null, "job-1", CancellationToken.None));
        Assert.Contains("is the shared storage mounted?", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssetCache_Zip_IsUnpackedOncePerContent_AndItsTopBlendRendered()
    {
        using var dir = new TempDirectory();
        using var http = new HttpClient();
        var bundle = Path.Combine(dir.Path, "shot01.zip");
        using (var zip = System.IO.Compression.ZipFile.Open(bundle, System.IO.Compression.ZipArchiveMode.Create))
        {
            Write(zip, "shot01/shot01.blend", "BLENDER-v304 main");
            Write(zip, "shot01/textures/wood.png", "png");
            Write(zip, "shot01/libs/props.blend", "BLENDER-v304 library");
        }

        var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(bundle)));
        var cache = new AssetCache(Path.Combine(dir.Path, "cache"), http);

        var scene = await cache.GetAsync(bundle, sha, "job-1", CancellationToken.None);

        Assert.Equal(Path.Combine(dir.Path, "cache", sha, "shot01", "shot01.blend"), scene);
        Assert.True(File.Exists(Path.Combine(dir.Path, "cache", sha, "shot01", "textures", "wood.png")));
        File.WriteAllText(Path.Combine(dir.Path, "cache", sha, "marker"), "kept");
        Assert.Equal(scene, await cache.GetAsync(bundle, sha, "job-2", CancellationToken.None));
        Assert.True(File.Exists(Path.Combine(dir.Path, "cache", sha, "marker"))); // not unpacked again

        var two = Path.Combine(dir.Path, "two.zip");
        using (var zip = System.IO.Compression.ZipFile.Open(two, System.IO.Compression.ZipArchiveMode.Create))
        {
            Write(zip, "a.blend", "a");
            Write(zip, "b.blend", "b");
        }

        var ambiguous = await Assert.ThrowsAsync<InvalidDataException>(() => cache.GetAsync(two, null, "job-3", CancellationToken.None));
        Assert.Contains("holds 2 .blend files at its top (a.blend, b.blend)", ambiguous.Message, StringComparison.Ordinal);
    }

    private static void Write(System.IO.Compression.ZipArchive zip, string name, string text)
    {
        using var writer = new StreamWriter(zip.CreateEntry(name).Open());
        writer.Write(text);
    }
}
