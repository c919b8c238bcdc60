using Provisioner.Core.Desired;
using Provisioner.Core.Planning;
using Provisioner.Core.Text;
using Provisioner.Remote.Apply;
using Provisioner.Tests.Support;

namespace Provisioner.Tests.Remote;

/// <summary>The VM storage script, run for real with bash and curl on local files: an image is kept only when its sha256 matches.</summary>
public sealed class VmStorageTests
{
    private static VmDesiredState Vm(TempDirectory dir, string url, string sha256)
    {
        var inventory = dir.File("vm.yaml", $$"""
            version: 1
            defaults:
              gpu_model:
                functions: [{ function: 0, id: "10de:2231" }]
              vm:
                image: { url: "https://images.example.org/base.img", sha256: {{sha256}} }
                users: [{ name: render, ssh_authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGDCQseXtQm6+hBJHriEUswlgXUkrAzO0Zc7c2rAbRby a@b"] }]
                worker: { kind: none }
            hosts:
              - name: h
                address: 10.0.0.1
                os: debian
                gpus: [{ address: "65:00.0" }]
            """);
        var paths = new HostPaths { ImageDirectory = Path.Combine(dir.Path, "images"), SeedDirectory = Path.Combine(dir.Path, "seeds") };
        var vm = Rendered.Hosts(inventory, paths).Single().Vms.Single();
        // The inventory takes http(s) only; the script's fetch is the same for a local file:// URL.
        return vm with { BaseImage = vm.BaseImage with { Url = url } };
    }

    [Fact]
    public void Fetch_MatchingSha_KeepsTheImage_OtherSha_RefusesAndKeepsNothing()
    {
        using var dir = new TempDirectory();
        var image = dir.File("base.img", "not really an image\n");
        var good = Sha256Text.Hex("not really an image\n");
        var bad = new string('0', 64);

        var refused = Run(new VmWork(Vm(dir, "file://" + image, bad), true, [], false, false, false, false, false));
        var vm = Vm(dir, "file://" + image, good);
        var fetched = Run(new VmWork(vm, true, [], false, false, false, false, false));

        Assert.Equal(42, refused.ExitCode);
        Assert.Contains($"expected {bad}: refused", refused.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir.Path, "images", "base", bad + ".img")));
        Assert.False(File.Exists(Path.Combine(dir.Path, "images", "base", bad + ".img.part")));
        Assert.Equal(0, fetched.ExitCode);
        Assert.Equal("not really an image\n", File.ReadAllText(vm.BaseImage.CachePath));
    }

    [Fact]
    public void Disks_ExistingDiskIsNeverOverwritten()
    {
        using var dir = new TempDirectory();
        var vm = Vm(dir, "file:///nonexistent", new string('0', 64));
        var work = vm.Disks.Single(d => !d.FromBaseImage);
        Directory.CreateDirectory(Path.GetDirectoryName(work.Path)!);
        File.WriteAllText(work.Path, "the VM's data");

        var result = Run(new VmWork(vm, false, [work], false, false, false, false, false));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("the VM's data", File.ReadAllText(work.Path));
    }

    [Fact]
    public void Folders_LeftPrivateByAnEarlierRun_BecomeTraversableForQemu_NotListable()
    {
        // The VM's QEMU runs as libvirt-qemu: it must pass through the folders of its disks and seed.
        using var dir = new TempDirectory();
        var vm = Vm(dir, "file:///nonexistent", new string('0', 64));
        var folders = vm.Disks.Select(d => Path.GetDirectoryName(d.Path)!).Append(Path.GetDirectoryName(vm.Seed.IsoPath)!).Append(Path.GetDirectoryName(Path.GetDirectoryName(vm.Seed.IsoPath))!).Distinct().ToList();
        foreach (var folder in folders)
        {
            Directory.CreateDirectory(folder);
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        // Nothing to fetch or make (a re-run after a VM failed to start): the folders are still fixed.
        var result = Run(new VmWork(vm, false, [], false, false, false, false, false));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(3, folders.Count);
        Assert.All(folders, f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute, File.GetUnixFileMode(f)));
    }

    private static ExternalTool.Result Run(VmWork work) => ExternalTool.Run("bash", "-c", StepScripts.VmStorage([work], "run-1"));
}
