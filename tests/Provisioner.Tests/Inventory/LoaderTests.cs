using Provisioner.Core.Inventory.Loading;
using Provisioner.Core.Inventory.Model;
using Provisioner.Core.Inventory.Values;
using Provisioner.Tests.Support;

namespace Provisioner.Tests.Inventory;

public sealed class LoaderTests
{
    private static Core.Inventory.Model.Inventory Load(string yaml)
    {
        var result = InventoryLoader.Load(yaml, "test.yaml");
        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        return result.Inventory!;
    }

    private const string Vm = """
          vm:
            image: { url: https://images.example.org/a.img, sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef }
            users: [{ name: render, ssh_authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGDCQseXtQm6+hBJHriEUswlgXUkrAzO0Zc7c2rAbRby a@b"] }]
            worker: { kind: none }
        """;

    [Fact]
    public void Load_Example_HasTheSourceMaterialHost()
    {
        var result = InventoryLoader.LoadFile(Repo.Path("inventories", "example.yaml"));

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        var host = Assert.Single(result.Inventory!.Hosts);
        Assert.Equal(OsFamily.El7, host.Os);
        Assert.Equal(4, host.Gpus.Count);
        Assert.All(host.Gpus, g => Assert.Equal(2, g.Functions.Count));
        Assert.All(host.Gpus, g => Assert.Equal(ByteSize.FromGiB(24), g.Vm.Memory));
        Assert.Equal(96, host.Hugepages.Count);
        Assert.Equal(["ens1f0", "ens1f1"], host.Network!.Bond!.Interfaces);
    }

    [Fact]
    public void Load_Layers_HostOverGroupOverDefaults()
    {
        var inventory = Load($$"""
            version: 1
            defaults:
              cpu_vendor: intel
              host_reserve: 8GiB
            {{Vm}}
                vcpus: 4
            groups:
              amd: { cpu_vendor: amd, vm: { vcpus: 12 } }
            hosts:
              - name: a
                address: 10.0.0.1
                group: amd
                host_reserve: 4GiB
                gpus: [{ address: "01:00.0" }, { address: "02:00.0", vm: { vcpus: 2 } }]
              - name: b
                address: 10.0.0.2
                gpus: [{ address: "01:00.0" }]
            """);

        var (a, b) = (inventory.Hosts[0], inventory.Hosts[1]);
        Assert.Equal(CpuVendor.Amd, a.CpuVendor);
        Assert.Equal(ByteSize.FromGiB(4), a.HostReserve);
        Assert.Equal(12, a.Gpus[0].Vm.Vcpus);
        Assert.Equal(2, a.Gpus[1].Vm.Vcpus);
        Assert.Equal(CpuVendor.Intel, b.CpuVendor);
        Assert.Equal(ByteSize.FromGiB(8), b.HostReserve);
        Assert.Equal(4, b.Gpus[0].Vm.Vcpus);
        Assert.Equal("render", b.Gpus[0].Vm.Users[0].Name);
    }

    [Fact]
    public void Load_ShortPciAddress_IsNormalisedWithDomain()
    {
        var inventory = Load($$"""
            version: 1
            defaults:
            {{Vm}}
            hosts:
              - { name: a, address: 10.0.0.1, gpus: [{ address: "B1:00.0" }] }
            """);

        Assert.Equal("0000:b1:00.0", inventory.Hosts[0].Gpus[0].Address.ToString());
    }

    [Fact]
    public void Load_DerivedIdentity_IsStableAndDistinctPerGpu()
    {
        const string yaml = $$"""
            version: 1
            defaults:
            {{Vm}}
            hosts:
              - { name: a, address: 10.0.0.1, gpus: [{ address: "01:00.0" }, { address: "02:00.0" }] }
            """;
        var first = Load(yaml).Hosts[0].Gpus;
        var second = Load(yaml).Hosts[0].Gpus;

        Assert.Equal(first[0].Vm.Uuid, second[0].Vm.Uuid);
        Assert.Equal(first[0].Vm.Network.Mac, second[0].Vm.Network.Mac);
        Assert.NotEqual(first[0].Vm.Uuid, first[1].Vm.Uuid);
        Assert.NotEqual(first[0].Vm.Network.Mac, first[1].Vm.Network.Mac);
        Assert.Matches("^52(:[0-9a-f]{2}){5}$", first[0].Vm.Network.Mac.Value);
        Assert.Equal(5, first[0].Vm.Uuid.Version);
    }

    [Fact]
    public void Load_AnchorsAndMergeKeys_AreResolved()
    {
        var inventory = Load($$"""
            version: 1
            defaults:
            {{Vm}}
            hosts:
              - &base { name: a, address: 10.0.0.1, os: el9, gpus: [{ address: "01:00.0" }] }
              - <<: *base
                name: b
                address: 10.0.0.2
            """);

        Assert.Equal(OsFamily.El9, inventory.Hosts[1].Os);
        Assert.Equal("b", inventory.Hosts[1].Name);
        Assert.Single(inventory.Hosts[1].Gpus);
    }

    [Fact]
    public void Load_HugepagesAuto_CountsOnlyHugepageBackedVms()
    {
        var inventory = Load($$"""
            version: 1
            defaults:
            {{Vm}}
            hosts:
              - name: a
                address: 10.0.0.1
                hugepages: { size: 2M }
                gpus: [{ address: "01:00.0", vm: { memory: 8GiB } }, { address: "02:00.0", vm: { hugepages: false } }]
            """);

        Assert.Equal(4096, inventory.Hosts[0].Hugepages.Count);
        Assert.False(inventory.Hosts[0].Hugepages.IsGigantic);
    }

    [Fact]
    public void Load_GpusAuto_HasNoVmsAndAnInfo()
    {
        var result = InventoryLoader.Load($$"""
            version: 1
            defaults:
            {{Vm}}
            hosts:
              - { name: a, address: 10.0.0.1, gpus: auto }
            """, "t.yaml");

        Assert.True(result.Succeeded);
        Assert.True(result.Inventory!.Hosts[0].GpusAuto);
        Assert.Empty(result.Inventory.Hosts[0].Gpus);
        Assert.Contains(result.Diagnostics, d => d.Code == "PRV039");
    }
    [Fact]
    public void Load_FarmStorage_ReachesEveryWorkerVmButNotAVmWithoutOne()
    {
        var inventory = Load("""
            version: 1
            farm:
              storage: { server: "fd00::5", export: /exports/farm, version: "3" }
            defaults:
              vm:
                image: { url: https://images.example.org/a.img, sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef }
                users: [{ name: render, ssh_authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGDCQseXtQm6+hBJHriEUswlgXUkrAzO0Zc7c2rAbRby a@b"] }]
                worker: { kind: queue, queue_url: "redis://10.0.0.5:6379/0" }
            hosts:
              - name: a
                address: 10.0.0.1
                gpus: [{ address: "01:00.0" }, { address: "02:00.0", vm: { worker: { kind: none } } }]
            """);

        var gpus = inventory.Hosts[0].Gpus;
        var share = gpus[0].Vm.Worker.Storage;
        Assert.NotNull(share);
        Assert.Equal("[fd00::5]:/exports/farm", share.Source);
        Assert.Equal("/srv/farm", share.MountPath);
        // Version 3 without a lock daemon, as the source material mounts it.
        Assert.Equal("vers=3,noatime,nolock,local_lock=all,_netdev", share.FstabOptions);
        Assert.Null(gpus[1].Vm.Worker.Storage);
        Assert.Same(share, inventory.FarmStorage);
    }

    [Fact]
    public void Load_FarmStorageOptions_ReplaceTheDefaults()
    {
        var inventory = Load("""
            version: 1
            farm:
              storage: { server: nfs.example.org, export: /srv/farm, mount: /mnt/farm, options: [hard, rsize=1048576] }
            defaults:
              vm:
                image: { url: https://images.example.org/a.img, sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef }
                users: [{ name: render, ssh_authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGDCQseXtQm6+hBJHriEUswlgXUkrAzO0Zc7c2rAbRby a@b"] }]
                worker: { kind: queue, queue_url: "redis://10.0.0.5:6379/0" }
            hosts:
              - name: a
                address: 10.0.0.1
                gpus: [{ address: "01:00.0" }]
            """);

        var share = inventory.Hosts[0].Gpus[0].Vm.Worker.Storage!;
        Assert.Equal("vers=4,hard,rsize=1048576,_netdev", share.FstabOptions);
        Assert.Equal("/mnt/farm", share.MountPath);
    }

    [Fact]
    public void Load_BlenderSystemOnAHost_ReplacesTheDefaultsTarballAndTheOtherWayRound()
    {
        var inventory = Load("""
            version: 1
            defaults:
              vm:
                image: { url: https://images.example.org/a.img, sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef }
                users: [{ name: render, ssh_authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGDCQseXtQm6+hBJHriEUswlgXUkrAzO0Zc7c2rAbRby a@b"] }]
                worker:
                  kind: queue
                  queue_url: "redis://10.0.0.5:6379/0"
                  blender: { url: https://download.blender.org/b.tar.xz, sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef }
            groups:
              distro: { vm: { worker: { blender: system } } }
            hosts:
              - name: a
                address: 10.0.0.1
                group: distro
                gpus: [{ address: "01:00.0" }, { address: "02:00.0", vm: { worker: { blender: { url: https://example.org/c.tar.xz, sha256: 1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef } } } }]
              - name: b
                address: 10.0.0.2
                gpus: [{ address: "01:00.0" }]
            """);

        var a = inventory.Hosts[0].Gpus;
        Assert.True(a[0].Vm.Worker.SystemBlender);
        Assert.Null(a[0].Vm.Worker.Blender);
        Assert.False(a[1].Vm.Worker.SystemBlender);
        Assert.Equal("https://example.org/c.tar.xz", a[1].Vm.Worker.Blender!.Url);
        var b = inventory.Hosts[1].Gpus[0].Vm.Worker;
        Assert.False(b.SystemBlender);
        Assert.Equal("https://download.blender.org/b.tar.xz", b.Blender!.Url);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(2, 1, 2)]
    [InlineData(4, 1, 3)]
    [InlineData(8, 1, 6)]
    [InlineData(8, 2, 3)]
    [InlineData(16, 4, 3)]
    [InlineData(2, 4, 1)]
    public void BlenderThreads_LeaveTheSystemItsShare(int vcpus, int processes, int expected) =>
        Assert.Equal(expected, WorkerSettings.BlenderThreads(vcpus, processes));
}
