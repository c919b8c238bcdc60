using System.Text.Json;
using Provisioner.Tests.Support;

namespace Provisioner.Tests.Cli;

/// <summary>The `provision` command run in-process: stdout, stderr and exit code as a user sees them.</summary>
public sealed class CliTests
{
    private static readonly string Example = Repo.Path("inventories", "example.yaml");
    private static readonly string Fleet = Path.Combine(Repo.Fixtures, "fleet.yaml");

    /// <summary>Every command that writes a file the user names: an unwritable path is one line naming it, exit 1, no stack trace.</summary>
    [Theory]
    [InlineData("plan", "--offline", "-out", "{0}/plan.json")]
    [InlineData("render", "-o", "{0}/out")]
    [InlineData("runbook", "-o", "{0}/runbook.md")]
    public async Task Command_UnwritableOutput_IsOneLineNamingThePath(params string[] args)
    {
        using var dir = new TempDirectory();
        var notADirectory = dir.File("a-file", "");
        var expanded = args.Select(a => string.Format(System.Globalization.CultureInfo.InvariantCulture, a, notADirectory)).ToList();

        var result = await CliRunner.RunAsync([expanded[0], Example, .. expanded.Skip(1)]);

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(notADirectory + "/", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    /// <summary>Hostile farm options (issue 15) are refused before anything connects: a numeric priority (a queue no worker reads), NaN task seconds.</summary>
    [Theory]
    [InlineData("--priority", "7", "--priority must be high, normal or low, not '7'")]
    [InlineData("--task-seconds", "NaN", "--task-seconds must be a number of seconds from 1 to 86400")]
    [InlineData("--task-seconds", "-5", "--task-seconds must be a number of seconds from 1 to 86400")]
    [InlineData("--chunk", "0", "--chunk must be from 1 to 1000000 (got 0)")]
    [InlineData("--chunk", "99999999999", "--chunk must be from 1 to 1000000 (got 99999999999)")]
    [InlineData("--samples", "-1", "--samples must be from 1 to 1000000 (got -1)")]
    [InlineData("--max-attempts", "0", "--max-attempts must be from 1 to 100 (got 0)")]
    [InlineData("--task-timeout", "5", "--task-timeout must be from 10 to 604800 (got 5)")]
    public async Task FarmSubmit_HostileNumbers_AreRefusedBeforeConnecting(string option, string value, string message)
    {
        var result = await CliRunner.RunAsync("farm", "submit", "/srv/shots/a.blend", "--frames", "1-4", option, value, "-I", Example);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    /// <summary>Counts are refused out of range, not silently clamped (--parallel 0 used to become 1).</summary>
    [Theory]
    [InlineData("apply", "--parallel", "0", "--parallel must be from 1 to 1000 (got 0)")]
    [InlineData("apply", "--max-unavailable", "-3", "--max-unavailable must be from 1 to 1000 (got -3)")]
    [InlineData("apply", "--reboot-timeout", "0", "--reboot-timeout must be from 1 to 86400 (got 0)")]
    [InlineData("plan", "--parallel", "5000", "--parallel must be from 1 to 1000 (got 5000)")]
    [InlineData("check", "--parallel", "0", "--parallel must be from 1 to 1000 (got 0)")]
    public async Task HostCommands_OutOfRangeCounts_AreRefusedBeforeConnecting(string command, string option, string value, string message)
    {
        var result = await CliRunner.RunAsync(command, Example, option, value);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FarmStatus_LastZero_IsRefused()
    {
        var result = await CliRunner.RunAsync("farm", "status", "--last", "0", "-I", Example);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--last must be from 1 to 10000 (got 0)", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanOffline_Limit_PlansOnlyTheSelectedHosts()
    {
        var result = await CliRunner.RunAsync("plan", Fleet, "--offline", "--limit", "deb-*");

        Assert.Equal(0, result.ExitCode);
        var hosts = result.Stdout.Split('\n').Where(l => l.StartsWith("host ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["host deb-amd-01 (debian)"], hosts);
        Assert.Contains("Plan: 1 host(s)", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_GoodInventory_Exits0AndSummarises()
    {
        var result = await CliRunner.RunAsync("validate", Example);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"{Example}: valid (1 host(s), 4 worker VM(s)).\n", result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task Validate_BadInventory_Exits1WithEveryDiagnosticOnStderr()
    {
        var bad = Path.Combine(Repo.Fixtures, "bad", "42-many-problems.yaml");

        var result = await CliRunner.RunAsync("validate", bad);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Contains($"{bad}:17:9: error PRV009: 'os' cannot be 'el10'\n    fix: did you mean 'el7'?", result.Stderr, StringComparison.Ordinal);
        Assert.EndsWith("6 error(s), 0 warning(s). Nothing was changed on any host.\n", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_Warning_Exits0AndPrintsIt()
    {
        var result = await CliRunner.RunAsync("validate", Fleet);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("warning PRV038", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("valid (6 host(s), 8 worker VM(s))", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_MissingFile_Exits1WithPrv007()
    {
        var result = await CliRunner.RunAsync("validate", "no-such-inventory.yaml");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("no-such-inventory.yaml:1:1: error PRV007: cannot read the inventory", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanOffline_Text_EndsWithSummary()
    {
        var result = await CliRunner.RunAsync("plan", Example, "--offline");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("  + file        /etc/modprobe.d/vfio.conf\n", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("  ~ kernel-args +intel_iommu=on +iommu=pt", result.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("Plan: 1 host(s), 31 to create, 2 to change, 0 to destroy; 1 reboot(s).\n", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanOffline_DetailedExitcode_Exits2WhenThereAreChanges()
    {
        var result = await CliRunner.RunAsync("plan", Example, "--offline", "--detailed-exitcode");

        Assert.Equal(2, result.ExitCode);
    }

    [Fact]
    public async Task PlanOffline_Json_IsVersionedAndStdoutHoldsOnlyJson()
    {
        var result = await CliRunner.RunAsync("plan", Fleet, "--offline", "--json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(2, json.RootElement.GetProperty("format_version").GetInt32());
        Assert.True(json.RootElement.GetProperty("offline").GetBoolean());
        Assert.Equal(6, json.RootElement.GetProperty("hosts").GetArrayLength());
        Assert.Contains("warning PRV038", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanOffline_Out_SavesTheSameJson()
    {
        using var dir = new TempDirectory();
        var saved = Path.Combine(dir.Path, "plan.json");

        var json = await CliRunner.RunAsync("plan", Example, "--offline", "--json");
        var result = await CliRunner.RunAsync("plan", Example, "--offline", "-out", saved);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(json.Stdout, File.ReadAllText(saved));
    }

    [Fact]
    public async Task PlanOffline_Diff_HidesSensitiveSeedsButShowsFiles()
    {
        var result = await CliRunner.RunAsync("plan", Example, "--offline", "--diff");

        Assert.Contains("      + options vfio-pci ids=10de:1aef,10de:2231 disable_vga=1", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("(sensitive: content not shown)", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("PROVISION_QUEUE_PASSWORD", result.Stdout, StringComparison.Ordinal);
    }

    // Live plans contact hosts: the CLI tests never do (the example's addresses are not ours to
    // reach); live plans are tested against the lab in Provisioner.IntegrationTests.
    [Fact]
    public async Task PlanLive_LimitMatchingNoHost_Exits1BeforeContactingAnyHost()
    {
        var result = await CliRunner.RunAsync("plan", Example, "--limit", "sg-*");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--limit 'sg-*' matches no host", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task Apply_BadInventory_Exits1WithDiagnosticsBeforeContactingAnyHost()
    {
        using var dir = new TempDirectory();
        var bad = dir.File("bad.yaml", "version: 1\nhosts:\n  - name: h1\n    adress: 10.0.0.1\n");

        var result = await CliRunner.RunAsync("apply", bad, "--yes");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("bad.yaml:4:5: error PRV", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("did you mean 'address'", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task Apply_SavedPlanFileThatIsNotAPlan_Exits1NamingTheFile()
    {
        using var dir = new TempDirectory();
        var notPlan = dir.File("plan.json", "{\"format_version\": 2, \"offline\": false}");
        var oldPlan = dir.File("old.json", "{\"format_version\": 0}");

        var missing = await CliRunner.RunAsync("apply", notPlan);
        var old = await CliRunner.RunAsync("apply", oldPlan);

        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("plan.json is not a saved plan", missing.Stderr, StringComparison.Ordinal);
        Assert.Contains("save one with 'provision plan INVENTORY -out", missing.Stderr, StringComparison.Ordinal);
        Assert.Contains("format_version 0 is not 2", old.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_RecreateOfAnUnknownVm_Exits1BeforeContactingAnyHost()
    {
        var result = await CliRunner.RunAsync("apply", Example, "--recreate", "no-such-vm", "--yes");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--recreate no-such-vm: no worker VM of that name in", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_LimitMatchingNoHost_Exits1BeforeContactingAnyHost()
    {
        var result = await CliRunner.RunAsync("apply", Example, "--limit", "sg-*", "--yes");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--limit 'sg-*' matches no host", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_WritesEveryArtifactPerHost()
    {
        using var dir = new TempDirectory();
        var output = Path.Combine(dir.Path, "out");

        var result = await CliRunner.RunAsync("render", Fleet, "-o", output);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"Rendered {Rendered.Artifacts(Fleet).Count} file(s) for 6 host(s) into {output}.\n", result.Stdout);
        Assert.True(File.Exists(Path.Combine(output, "el7-intel-01/files/etc/modprobe.d/vfio.conf")));
        Assert.True(File.Exists(Path.Combine(output, "el9-amd-01/vms/el9-amd-01-gpu0/domain.xml")));
        Assert.True(File.Exists(Path.Combine(output, "ubu-intel-01/files/etc/netplan/60-provision.yaml")));
    }

    [Fact]
    public async Task Render_Again_ReplacesTheWholeTree()
    {
        using var dir = new TempDirectory();
        var output = Path.Combine(dir.Path, "out");
        await CliRunner.RunAsync("render", Fleet, "-o", output);
        File.WriteAllText(Path.Combine(output, "el7-intel-01", "stale.txt"), "from an older render");

        var result = await CliRunner.RunAsync("render", Example, "-o", output);

        Assert.Equal(0, result.ExitCode);
        Assert.False(Directory.Exists(Path.Combine(output, "el7-intel-01")));
        Assert.True(Directory.Exists(Path.Combine(output, "hk-gpu-01")));
        Assert.Equal(Rendered.Artifacts(Example).Count + 1, Directory.GetFiles(output, "*", SearchOption.AllDirectories).Length); // + the marker
        // The earlier tree, renamed aside before the swap, is deleted after it: nothing is left beside the output.
        Assert.Equal(["out"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Render_IntoADirectoryThatIsNotARender_RefusesAndKeepsIt()
    {
        using var dir = new TempDirectory();
        var precious = dir.File("precious.txt", "user data");

        var result = await CliRunner.RunAsync("render", Example, "-o", dir.Path);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is not the output of an earlier 'provision render'", result.Stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(precious));
    }

    [Fact]
    public async Task Render_TemplateFailsForOneHost_KeepsThePreviousOutputWhole()
    {
        using var dir = new TempDirectory();
        var output = Path.Combine(dir.Path, "out");
        await CliRunner.RunAsync("render", Fleet, "-o", output);
        var before = Snapshot(output);
        // Only the Ubuntu host renders netplan, so the other hosts succeed and are written to staging first.
        dir.File("broken/host/network/netplan.yaml.sbn", "network: {{ net.no_such_field }}\n");
        var inventory = dir.File("fleet.yaml", File.ReadAllText(Fleet).Replace("version: 1", $"version: 1\ntemplates: {Path.Combine(dir.Path, "broken")}", StringComparison.Ordinal));

        var result = await CliRunner.RunAsync("render", inventory, "-o", output);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("netplan.yaml.sbn:1:", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("error PRV040", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(output));
        Assert.Empty(Directory.GetDirectories(dir.Path, "out.provision-tmp*"));
    }

    /// <summary>Odd -o paths (issue 15): one line naming the path given and the reason, never a trace; a control character in it is printed escaped.</summary>
    [Fact]
    public async Task Render_OddOutputPaths_OneLineEach_ControlCharactersEscaped()
    {
        using var dir = new TempDirectory();
        var file = dir.File("a-file", "x\n");

        var empty = await CliRunner.RunAsync("render", Fleet, "-o", "");
        var isFile = await CliRunner.RunAsync("render", Fleet, "-o", file);
        var under = await CliRunner.RunAsync("render", Fleet, "-o", Path.Combine(file, "out"));
        var escaped = await CliRunner.RunAsync("render", Fleet, "-o", Path.Combine(dir.Path, "out\u001b]0;owned\u0007"));

        Assert.Equal((1, "error: -o needs a directory to write into\n"), (empty.ExitCode, empty.Stderr));
        Assert.Equal((1, $"error: -o '{file}' is a file, not a directory\n"), (isFile.ExitCode, isFile.Stderr));
        Assert.Equal(1, under.ExitCode);
        Assert.StartsWith($"error: -o '{Path.Combine(file, "out")}': cannot create it: ", under.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(".provision-tmp", under.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, escaped.ExitCode);
        Assert.EndsWith("out\\x1b]0;owned\\x07.\n", escaped.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', escaped.Stdout);
    }

    /// <summary>A directory named like render's staging that render did not create is left alone (issue 15).</summary>
    [Fact]
    public async Task Render_ADirectoryItDidNotCreate_IsNeverDeleted()
    {
        using var dir = new TempDirectory();
        var output = Path.Combine(dir.Path, "out");
        var theirs = dir.File("out.provision-tmp/keep.txt", "someone's file\n");

        var result = await CliRunner.RunAsync("render", Fleet, "-o", output);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("someone's file\n", File.ReadAllText(theirs));
        Assert.True(File.Exists(Path.Combine(output, ".provision-render")));
    }

    private static SortedDictionary<string, string> Snapshot(string directory) =>
        new(Directory.GetFiles(directory, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(directory, f), File.ReadAllText), StringComparer.Ordinal);

    [Fact]
    public async Task Render_BadInventory_WritesNothing()
    {
        using var dir = new TempDirectory();
        var output = Path.Combine(dir.Path, "out");

        var result = await CliRunner.RunAsync("render", Path.Combine(Repo.Fixtures, "bad", "13-duplicate-pci.yaml"), "-o", output);

        Assert.Equal(1, result.ExitCode);
        Assert.False(Directory.Exists(output));
    }

    [Theory]
    [InlineData("validate")]
    [InlineData("render")]
    [InlineData("plan")]
    [InlineData("schema")]
    public async Task Help_EveryCommand_Exits0AndDescribesIt(string command)
    {
        var result = await CliRunner.RunAsync(command, "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage:", result.Stdout, StringComparison.Ordinal);
        Assert.Contains(command, result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownOption_Exits1()
    {
        var result = await CliRunner.RunAsync("plan", Example, "--offlien");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--offlien", result.Stderr, StringComparison.Ordinal);
    }
}
