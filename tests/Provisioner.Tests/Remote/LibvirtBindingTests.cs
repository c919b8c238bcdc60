using Provisioner.Remote.Libvirt;
using Provisioner.Tests.Support;

namespace Provisioner.Tests.Remote;

/// <summary>Our libvirt binding against libvirt's real test driver (its own XML parser and state machine, no daemon).</summary>
public sealed class LibvirtBindingTests
{
    private static readonly string Domain = Rendered.Artifacts(Repo.Path("inventories", "example.yaml"))
        .First(a => a.RelativePath.EndsWith("/domain.xml", StringComparison.Ordinal)).Content;

    [Fact]
    public void Open_TestDriver_ReportsVersionAndItsDefaultDomain()
    {
        using var libvirt = LibvirtConnection.Open("test:///default");

        Assert.True(libvirt.LibraryVersion >= new Version(4, 5, 0));
        var domains = libvirt.ListAll();
        Assert.Contains(domains, d => d.Name == "test");
        foreach (var domain in domains)
        {
            domain.Dispose();
        }
    }

    [Fact]
    public void Define_RenderedDomain_RoundTripsAndRunsThroughItsLifecycle()
    {
        using var libvirt = LibvirtConnection.Open("test:///default");

        using var domain = libvirt.Define(Domain);

        Assert.Equal("hk-gpu-01-gpu0", domain.Name);
        var xml = domain.GetXml(LibvirtDomain.XmlFlags.Inactive);
        Assert.Contains("<uuid>830d4e70-d952-5f31-b104-fac90f4875a0</uuid>", xml, StringComparison.Ordinal);
        Assert.Contains("bus='0x65' slot='0x00' function='0x1'", xml, StringComparison.Ordinal);
        Assert.Equal(Guid.Parse("830d4e70-d952-5f31-b104-fac90f4875a0"), domain.Uuid);
        Assert.Equal(DomainState.ShutOff, domain.State);

        domain.Start();
        Assert.Equal(DomainState.Running, domain.State);
        domain.Autostart = true;
        Assert.True(domain.Autostart);
        domain.Destroy();
        Assert.Equal(DomainState.ShutOff, domain.State);

        using (var again = libvirt.FindByUuid(domain.Uuid))
        {
            Assert.Equal("hk-gpu-01-gpu0", again!.Name);
        }

        domain.Undefine(nvram: false);
        Assert.Null(libvirt.Find("hk-gpu-01-gpu0"));
    }

    [Fact]
    public void Define_BadXml_RaisesLibvirtsOwnMessage()
    {
        using var libvirt = LibvirtConnection.Open("test:///default");

        var error = Assert.Throws<LibvirtException>(() => libvirt.Define(Domain.Replace("<vcpu placement='static'>8</vcpu>", "<vcpu placement='static'>eight</vcpu>", StringComparison.Ordinal)));

        Assert.StartsWith("define domain failed: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("vcpu", error.LibvirtMessage, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Start_RunningDomain_IsAnErrorWithLibvirtsText()
    {
        using var libvirt = LibvirtConnection.Open("test:///default");
        using var test = libvirt.Find("test")!;

        var error = Assert.Throws<LibvirtException>(test.Start);

        Assert.Contains("already running", error.LibvirtMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void GuestAgent_OnTheTestDriver_IsRefusedAsLibvirtSaysSo()
    {
        using var libvirt = LibvirtConnection.Open("test:///default");
        using var test = libvirt.Find("test")!;

        var error = Assert.Throws<LibvirtException>(() => test.GuestAgent("{\"execute\":\"guest-ping\"}", TimeSpan.FromSeconds(5)));

        Assert.NotEmpty(error.LibvirtMessage);
    }

    [Fact]
    public void Open_UnknownDriver_FailsWithLibvirtsMessage()
    {
        var error = Assert.Throws<LibvirtException>(() => LibvirtConnection.Open("bogus:///nothing"));

        Assert.StartsWith("open bogus:///nothing failed: ", error.Message, StringComparison.Ordinal);
    }
}
