using Provisioner.Core.Rendering;
using Provisioner.Tests.Support;

namespace Provisioner.Tests.Templates;

/// <summary>
/// Rendered artifacts checked by the real tools that will read them: libvirt's schema and its
/// test driver (through our own binding), cloud-init's schema, systemd's verifier, and the shells. Each check also has a
/// negative case, so a validator that silently accepts everything would fail the suite.
/// </summary>
public sealed class ValidatorTests
{
    private static IReadOnlyList<Artifact> All { get; } = [.. Rendered.FixtureInventories.SelectMany(Rendered.Artifacts)];

    private static IEnumerable<Artifact> Named(string suffix) => All.Where(a => a.RelativePath.EndsWith(suffix, StringComparison.Ordinal));

    [Fact]
    public void Domains_PassVirtXmlValidate()
    {
        ExternalTool.Require("virt-xml-validate");
        using var dir = new TempDirectory();
        var domains = Named("/domain.xml").ToList();
        Assert.True(domains.Count >= 10);
        foreach (var domain in domains)
        {
            var file = dir.File(domain.RelativePath, domain.Content);
            var result = ExternalTool.Run("virt-xml-validate", file, "domain");
            Assert.True(result.ExitCode == 0, domain.RelativePath + ": " + result);
        }
    }

    [Fact]
    public void VirtXmlValidate_RejectsAnInvalidDomain()
    {
        using var dir = new TempDirectory();
        var domain = Named("/domain.xml").First().Content.Replace("<memballoon model='none'/>", "<graphics type='none'/>", StringComparison.Ordinal);

        var result = ExternalTool.Run("virt-xml-validate", dir.File("bad.xml", domain), "domain");

        Assert.NotEqual(0, result.ExitCode);
    }

    [Fact]
    public void Domains_AreDefinedByLibvirtTestDriverThroughOurBinding()
    {
        // One connection: the test driver keeps its state per connection, so names must not clash.
        using var libvirt = Provisioner.Remote.Libvirt.LibvirtConnection.Open("test:///default");
        foreach (var domain in Named("/domain.xml"))
        {
            using var defined = libvirt.Define(domain.Content);
            Assert.Contains(defined.Name, domain.RelativePath, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void LibvirtTestDriver_RejectsADomainWithABadHostdevAddress()
    {
        using var libvirt = Provisioner.Remote.Libvirt.LibvirtConnection.Open("test:///default");
        var domain = Named("/domain.xml").First().Content.Replace("slot='0x00' function='0x1'", "slot='0x00' function='0x9'", StringComparison.Ordinal);

        var error = Assert.Throws<Provisioner.Remote.Libvirt.LibvirtException>(() => libvirt.Define(domain));

        Assert.NotEmpty(error.LibvirtMessage);
    }

    [Fact]
    public void UserData_PassCloudInitSchema()
    {
        ExternalTool.Require("cloud-init");
        using var dir = new TempDirectory();
        foreach (var userData in Named("/user-data"))
        {
            var result = ExternalTool.Run("cloud-init", "schema", "--config-file", dir.File(userData.RelativePath, userData.Content));
            Assert.True(result.ExitCode == 0, userData.RelativePath + ": " + result);
            Assert.Contains("Valid cloud-config", result.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void CloudInitSchema_RejectsInvalidUserData()
    {
        using var dir = new TempDirectory();
        var userData = Named("/user-data").First().Content.Replace("ssh_pwauth: false", "ssh_pwauth: [nope]", StringComparison.Ordinal);

        var result = ExternalTool.Run("cloud-init", "schema", "--config-file", dir.File("user-data", userData));

        Assert.NotEqual(0, result.ExitCode);
    }

    [Fact]
    public void WorkerUnits_PassSystemdAnalyzeVerify()
    {
        ExternalTool.Require("systemd-analyze");
        using var root = SystemdRoot();
        foreach (var unit in Named("/provision-worker.service"))
        {
            AssertVerifies(root, unit);
        }
    }

    /// <summary>worker.gl: xorg: the X server's unit, and the worker unit that wants it.</summary>
    [Fact]
    public void XorgUnits_PassSystemdAnalyzeVerify_WithTheWorkerThatWantsThem()
    {
        ExternalTool.Require("systemd-analyze");
        var units = Named("/provision-xorg.service").ToList();
        Assert.NotEmpty(units);
        foreach (var unit in units)
        {
            using var root = SystemdRoot();
            AssertVerifies(root, unit, "provision-xorg.service");
            var worker = All.Single(a => a.RelativePath == unit.RelativePath.Replace("provision-xorg.service", "provision-worker.service", StringComparison.Ordinal));
            Assert.Contains("After=network-online.target provision-xorg.service", worker.Content, StringComparison.Ordinal);
            AssertVerifies(root, worker);
        }
    }

    /// <summary>Several processes on one GPU: a template unit, verified as systemd instantiates it (%i filled in).</summary>
    [Fact]
    public void WorkerTemplateUnits_PassSystemdAnalyzeVerify_AndAMissingCommandFails()
    {
        ExternalTool.Require("systemd-analyze");
        var units = Named("/provision-worker@.service").ToList();
        Assert.NotEmpty(units);
        foreach (var unit in units)
        {
            using var root = SystemdRoot();
            Assert.Contains("Environment=PROVISION_WORKER_SLOT=%i", unit.Content, StringComparison.Ordinal);
            AssertVerifies(root, unit, "provision-worker@.service");

            var broken = VerifyUnit(root, unit.Content.Replace("ExecStart=/opt/", "ExecStart=/missing/", StringComparison.Ordinal), "provision-worker@.service");
            Assert.NotEqual(0, broken.ExitCode);
        }
    }

    /// <summary>The host's hugepages unit (an early oneshot in sysinit.target), next to the script it runs.</summary>
    [Fact]
    public void HugepagesUnits_PassSystemdAnalyzeVerify()
    {
        ExternalTool.Require("systemd-analyze");
        var units = Named("/files/etc/systemd/system/provision-hugepages.service").ToList();
        Assert.True(units.Count >= 5, "one per hugepage-reserving host");
        foreach (var unit in units)
        {
            using var root = SystemdRoot();
            var script = root.File("usr/local/sbin/provision-hugepages", Named("/files/usr/local/sbin/provision-hugepages").Single(s => s.RelativePath.Split('/')[0] == unit.RelativePath.Split('/')[0]).Content);
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            AssertVerifies(root, unit, "provision-hugepages.service");
        }
    }

    [Fact]
    public void SystemdAnalyzeVerify_RejectsAUnitWhoseCommandIsMissing()
    {
        using var root = SystemdRoot();
        var unit = Named("/provision-worker.service").First().Content.Replace("ExecStart=/opt/", "ExecStart=/missing/", StringComparison.Ordinal);

        Assert.NotEqual(0, VerifyUnit(root, unit).ExitCode);
    }

    [Fact]
    public void ShellScripts_PassSyntaxCheck()
    {
        using var dir = new TempDirectory();
        var scripts = All.Where(a => a.RelativePath.EndsWith(".sh", StringComparison.Ordinal)
                                     || a.RelativePath.Contains("/initramfs-tools/hooks/", StringComparison.Ordinal)
                                     || a.RelativePath.Contains("/default/grub.d/", StringComparison.Ordinal)
                                     || a.RelativePath.EndsWith("/provision-worker-install", StringComparison.Ordinal)
                                     || a.RelativePath.EndsWith("/provision-xorg", StringComparison.Ordinal)).ToList();
        Assert.True(scripts.Count >= 5);
        foreach (var script in scripts)
        {
            var file = dir.File(script.RelativePath, script.Content);
            var bash = ExternalTool.Run("bash", "-n", file);
            Assert.True(bash.ExitCode == 0, script.RelativePath + ": " + bash);
            if (!script.Content.StartsWith("#!/bin/bash", StringComparison.Ordinal))
            {
                // Sourced by grub-mkconfig or run by initramfs-tools under /bin/sh (dash on Debian).
                var dash = ExternalTool.Run("dash", "-n", file);
                Assert.True(dash.ExitCode == 0, script.RelativePath + " (dash): " + dash);
            }
        }
    }

    [Fact]
    public void GrubDropIn_SourcedTwice_HasEachArgumentOnceAndDropsIommuOff()
    {
        using var dir = new TempDirectory();
        var dropIn = Named("deb-amd-01/files/etc/default/grub.d/90-provision.cfg").Single();
        var file = dir.File("90-provision.cfg", dropIn.Content);
        var defaults = dir.File("grub", "GRUB_CMDLINE_LINUX=\"quiet amd_iommu=off iommu=pt\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"splash\"\n");

        // update-grub sources /etc/default/grub then every drop-in; a second run must not append again.
        var result = ExternalTool.Run("dash", "-c", $". {defaults}; . {file}; . {file}; printf '%s|%s' \"$GRUB_CMDLINE_LINUX\" \"$GRUB_CMDLINE_LINUX_DEFAULT\"");

        Assert.Equal(0, result.ExitCode);
        var (linux, linuxDefault) = (result.Stdout.Split('|')[0].Split(' '), result.Stdout.Split('|')[1]);
        Assert.Equal(linux.Distinct().Count(), linux.Length);
        Assert.Contains("amd_iommu=on", linux);
        Assert.Contains("iommu=pt", linux);
        Assert.DoesNotContain("amd_iommu=off", linux);
        Assert.Equal("quiet", linux[0]);
        Assert.Equal("splash", linuxDefault);
    }

    private static readonly string[] Ours = ["intel_iommu=on", "default_hugepagesz=1G", "hugepagesz=1G"];
    private static readonly string[] TheOwners = ["isolcpus=0-3", "nohz_full=0-3", "pci=realloc=off", "audit=0"];

    /// <summary>
    /// Dump 06's real /etc/default/grub keeps its arguments in GRUB_CMDLINE_LINUX_DEFAULT, as most
    /// hand-configured hosts do, with 1 GiB hugepages already on it: after the drop-in each of
    /// ours is on the command line once (not once per line), its hugepages= count is gone (the
    /// pages are reserved per NUMA node by provision-hugepages), and the owner's other arguments stay.
    /// </summary>
    [Fact]
    public void GrubDropIn_ArgumentsAlreadyInTheDefaultLine_AreNotDoubled()
    {
        using var dir = new TempDirectory();
        var dropIn = Named("ubu-intel-01/files/etc/default/grub.d/90-provision.cfg").Single();
        var file = dir.File("90-provision.cfg", dropIn.Content);
        var published = Twin.Profile("06").GetProperty("grub").GetProperty("GRUB_CMDLINE_LINUX_DEFAULT").GetString();
        var defaults = dir.File("grub", $"GRUB_CMDLINE_LINUX=\"\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"{published}\"\n");

        var result = ExternalTool.Run("dash", "-c", $". {defaults}; . {file}; . {file}; printf '%s %s' \"$GRUB_CMDLINE_LINUX\" \"$GRUB_CMDLINE_LINUX_DEFAULT\"");

        Assert.Equal(0, result.ExitCode);
        var words = result.Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(words.Distinct().Count(), words.Length);
        Assert.All(Ours, a => Assert.Single(words, a));
        Assert.DoesNotContain(words, w => w.StartsWith("hugepages=", StringComparison.Ordinal));
        Assert.All(TheOwners, a => Assert.Contains(a, words));
    }

    /// <summary>A left-over value of a key we set (intel_iommu=off, another vfio_pci.ids=) or clear (any hugepages=: the kernel keeps the first) goes from both lines.</summary>
    [Fact]
    public void GrubDropIn_OtherValuesOfOurKeys_AreRemovedFromBothLines()
    {
        using var dir = new TempDirectory();
        var file = dir.File("90-provision.cfg", Named("ubu-intel-01/files/etc/default/grub.d/90-provision.cfg").Single().Content);
        var defaults = dir.File("grub", "GRUB_CMDLINE_LINUX=\"hugepages=4 quiet\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"intel_iommu=off splash hugepagesz=2M vfio_pci.ids=10de:1234\"\n");

        var result = ExternalTool.Run("dash", "-c", $". {defaults}; . {file}; printf '%s|%s' \"$GRUB_CMDLINE_LINUX\" \"$GRUB_CMDLINE_LINUX_DEFAULT\"");

        // vfio_pci.ids= is vfio-pci.ids= to the kernel ('-' and '_' alike): the owner's spelling goes too.
        Assert.Equal("quiet intel_iommu=on vfio-pci.ids=10de:1aef,10de:2231 default_hugepagesz=1G hugepagesz=1G|splash", result.Stdout);
    }

    /// <summary>
    /// EL7's kernel-args script edits /etc/default/grub: an argument the owner keeps in
    /// GRUB_CMDLINE_LINUX_DEFAULT (grub2-mkconfig joins both lines) is not added a second time, and
    /// other values of our keys go from both lines.
    /// </summary>
    [Fact]
    public void El7KernelArgsScript_TheOwnersDefaultLine_IsClearedOfOurKeys_EachArgumentOnce()
    {
        using var dir = new TempDirectory();
        var defaults = dir.File("grub", "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"crashkernel=auto rhgb quiet hugepages=4\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"intel_iommu=on vfio_pci.ids=10de:1234 nomodeset\"\n");
        var script = dir.File("kernel-args.sh", Named("el7-intel-01/files/var/lib/provision/bin/kernel-args.sh").Single().Content.Replace("/etc/default/grub", defaults, StringComparison.Ordinal));
        var bin = Directory.CreateDirectory(Path.Combine(dir.Path, "bin")).FullName;
        File.WriteAllText(Path.Combine(bin, "grub2-mkconfig"), "#!/bin/sh\nexit 0\n"); // the step after the edit; not under test
        File.SetUnixFileMode(Path.Combine(bin, "grub2-mkconfig"), UnixFileMode.UserRead | UnixFileMode.UserExecute);

        var run = ExternalTool.Run("bash", "-c", $"PATH={bin}:$PATH bash {script} && . {defaults} && printf '%s|%s' \"$GRUB_CMDLINE_LINUX\" \"$GRUB_CMDLINE_LINUX_DEFAULT\"");

        Assert.True(run.ExitCode == 0, run.ToString());
        var (linux, @default) = (run.Stdout.Split('|')[0], run.Stdout.Split('|')[1]);
        Assert.StartsWith("crashkernel=auto rhgb quiet intel_iommu=on iommu=pt vfio-pci.ids=", linux, StringComparison.Ordinal);
        Assert.Equal("nomodeset", @default);
        var words = (linux + " " + @default).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(words.Distinct().Count(), words.Length);
        Assert.DoesNotContain(words, w => w is "hugepages=4" || w.StartsWith("vfio_pci.ids=", StringComparison.Ordinal));
    }

    [Fact]
    public void YamlDocuments_AreWellFormed()
    {
        var documents = All.Where(a => a.RelativePath.EndsWith("/network-config", StringComparison.Ordinal)
                                       || a.RelativePath.EndsWith("/meta-data", StringComparison.Ordinal)
                                       || a.RelativePath.EndsWith(".yaml", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(documents);
        foreach (var document in documents)
        {
            var diagnostics = new Core.Diagnostics.DiagnosticBag();
            Assert.IsType<Core.Yaml.YamlMapping>(Core.Yaml.YamlTreeReader.Read(document.Content, document.RelativePath, diagnostics));
            Assert.False(diagnostics.HasErrors, document.RelativePath + ": " + string.Join("\n", diagnostics.Items));
        }
    }

    private static TempDirectory SystemdRoot()
    {
        // systemd-analyze --root needs the base units and the unit's commands to exist in the root.
        var root = new TempDirectory();
        var copy = ExternalTool.Run("cp", "-r", "/usr/lib/systemd/system", Path.Combine(root.Path, "unit-base"));
        Assert.Equal(0, copy.ExitCode);
        Directory.CreateDirectory(Path.Combine(root.Path, "usr/lib/systemd"));
        Directory.Move(Path.Combine(root.Path, "unit-base"), Path.Combine(root.Path, "usr/lib/systemd/system"));
        foreach (var command in new[] { "opt/provision-worker/provision-worker", "opt/flamenco/flamenco-worker", "usr/local/sbin/provision-xorg" })
        {
            var path = root.File(command, "#!/bin/sh\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return root;
    }

    /// <summary>systemd-analyze verify passes on the rendered unit, silently (a warning on stderr fails too).</summary>
    private static void AssertVerifies(TempDirectory root, Artifact unit, string name = "provision-worker.service")
    {
        var result = VerifyUnit(root, unit.Content, name);
        Assert.True(result.ExitCode == 0 && result.Stderr.Length == 0, unit.RelativePath + ": " + result);
    }

    private static ExternalTool.Result VerifyUnit(TempDirectory root, string content, string name = "provision-worker.service")
    {
        root.File("etc/systemd/system/" + name, content);
        return ExternalTool.Run("systemd-analyze", "verify", "--root=" + root.Path, "/etc/systemd/system/" + name);
    }
}
