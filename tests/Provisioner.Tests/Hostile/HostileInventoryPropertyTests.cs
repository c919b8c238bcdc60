using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using CsCheck;
using Provisioner.Core.Desired;
using Provisioner.Core.Inventory.Loading;
using Provisioner.Core.Rendering;
using Provisioner.Core.Runbook;
using Provisioner.Core.Templates;
using Provisioner.Core.Text;
using Provisioner.Tests.Support;

namespace Provisioner.Tests.Hostile;

/// <summary>
/// Hostile inventories made by mutating valid ones (the example and the one-host-per-OS fleet):
/// one value replaced by a hostile string (control characters, a trailing newline, a Markdown
/// fence, shell text, huge or negative numbers, credentials in a URL, octal-looking addresses,
/// a 5,000-character value), written plain or double-quoted with YAML escapes, or a structural
/// mutation (deep nesting, an alias fan-out). For every case, load, render and the runbook:
/// never throw; every diagnostic is located and prints no raw control character; an accepted case
/// renders files with no control character but newline and tab, well-formed domain XML, and a
/// runbook with exactly one code block per step. Every tenth accepted case also goes through the
/// real tools: bash -n (and dash -n for sh scripts) on every script and runbook block,
/// virt-xml-validate on every domain, cloud-init schema on each host's first user-data.
/// PROVISION_FUZZ_ITER sets the number of cases (default 150; a nightly-style run sets thousands).
/// </summary>
public sealed partial class HostileInventoryPropertyTests
{
    private static readonly string[] Seeds =
    [
        File.ReadAllText(Repo.Path("inventories", "example.yaml")),
        File.ReadAllText(Path.Combine(Repo.Fixtures, "fleet.yaml")),
    ];

    private static readonly string[] Hostile =
    [
        "\n", "h1\n", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n", "\u001b]0;owned\u0007", "\u001b[2J", "\0", "a\u2028b", "\u202egnp.exe",
        "```sh\nreboot\n```", "${env:X\n}", "${env:}", "${file:../etc/shadow}", "$(reboot)", "`id`", "; reboot #", "\"; reboot; \"", "'",
        "9223372036854775807", "9223372036854775807T", "-1", "-24GiB", "0", "1e308", "NaN", "99999999999999999999999",
        "010.020.000.021", "https://user:pass@images.example.org/a.img", "redis://:hunter2@10.0.0.5:6379/0", "null", "~", "",
        "../../etc/cron.d", "/mnt/../../etc", "[", "{", "*nowhere", "&a", "<<", "\t", new string('a', 5000), "ünïcödé", "10de:2231\n",
    ];

    private static int Iterations => int.TryParse(Environment.GetEnvironmentVariable("PROVISION_FUZZ_ITER"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 150;

    // "key: value" lines whose value can be replaced (not the start of a nested block).
    [GeneratedRegex(@"^(?<head>\s*(?:- )?[A-Za-z_]+:\s)(?<value>\S.*)$")]
    private static partial Regex ValueLine();

    private static readonly Gen<string> Cases = Gen.OneOf(
        Gen.Select(Gen.Int[0, Seeds.Length - 1], Gen.Int[0, 10_000], Gen.Int[0, Hostile.Length - 1], Gen.Bool).Select(t => Mutate(Seeds[t.Item1], t.Item2, Hostile[t.Item3], t.Item4)),
        Gen.Int[60, 400].Select(depth => "version: 1\nhosts: " + new string('[', depth) + new string(']', depth) + "\n"),
        Gen.Int[2, 12].Select(Fan));

    private static string Mutate(string seed, int pick, string hostile, bool quoted)
    {
        var lines = seed.Split('\n');
        var candidates = Enumerable.Range(0, lines.Length).Where(i => ValueLine().IsMatch(lines[i])).ToList();
        var at = candidates[pick % candidates.Count];
        var head = ValueLine().Match(lines[at]).Groups["head"].Value;
        lines[at] = head + (quoted ? DoubleQuoted(hostile) : hostile.Replace("\n", " ", StringComparison.Ordinal));
        return string.Join('\n', lines);
    }

    // A YAML double-quoted scalar whose value is exactly `text` (control characters as \x / \u escapes).
    private static string DoubleQuoted(string text)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                _ when char.IsControl(c) || c is '\u2028' or '\u2029' => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }

        return builder.Append('"').ToString();
    }

    private static string Fan(int levels)
    {
        var lines = new List<string> { "version: 1", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]" };
        for (var i = 1; i < levels; i++)
        {
            lines.Add($"a{i}: &a{i} [" + string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10)) + "]");
        }

        lines.Add("hosts: []");
        return string.Join('\n', lines) + "\n";
    }

    // The tools that will read the files: a shell, libvirt's schema, cloud-init's schema.
    private static void Validate(IEnumerable<Artifact> artifacts, string runbook)
    {
        using var dir = new TempDirectory();
        var userData = false;
        foreach (var artifact in artifacts)
        {
            var file = dir.File(artifact.RelativePath, artifact.Content);
            if (artifact.Content.StartsWith("#!/bin/sh", StringComparison.Ordinal) || artifact.Content.StartsWith("#!/bin/bash", StringComparison.Ordinal) || artifact.RelativePath.Contains("/default/grub.d/", StringComparison.Ordinal))
            {
                var shell = artifact.Content.StartsWith("#!/bin/bash", StringComparison.Ordinal) ? "bash" : "dash";
                var result = ExternalTool.Run(shell, "-n", file);
                Assert.True(result.ExitCode == 0, $"{artifact.RelativePath} ({shell} -n): {result}");
            }
            else if (artifact.RelativePath.EndsWith("/domain.xml", StringComparison.Ordinal))
            {
                var result = ExternalTool.Run("virt-xml-validate", file, "domain");
                Assert.True(result.ExitCode == 0, $"{artifact.RelativePath}: {result}");
            }
            else if (artifact.RelativePath.EndsWith("/user-data", StringComparison.Ordinal) && !userData)
            {
                userData = true;
                var result = ExternalTool.Run("cloud-init", "schema", "--config-file", file);
                Assert.True(result.ExitCode == 0, $"{artifact.RelativePath}: {result}");
            }
        }

        var block = 0;
        foreach (Match match in BlockPattern().Matches(runbook))
        {
            var file = dir.File($"runbook-block-{block++}.sh", match.Groups["body"].Value);
            var result = ExternalTool.Run("bash", "-n", file);
            Assert.True(result.ExitCode == 0, $"runbook block {block}: {result}");
        }
    }

    [GeneratedRegex(@"^(?<fence>`{3,})sh\n(?<body>(?:.*\n)*?)\k<fence>$", RegexOptions.Multiline)]
    private static partial Regex BlockPattern();

    // Walks the Markdown as CommonMark does: a fence opens a block that only a line of the same
    // fence closes. Each step is one `sh` block followed by its "Expect:" line, outside any block.
    private static (int Blocks, int Expects, bool Open) Blocks(string markdown)
    {
        string? fence = null;
        int blocks = 0, expects = 0;
        foreach (var line in markdown.Split('\n'))
        {
            if (fence is null && FenceLine().Match(line) is { Success: true } open)
            {
                fence = open.Groups[1].Value;
                blocks++;
            }
            else if (fence is not null && line == fence)
            {
                fence = null;
            }
            else if (fence is null && line.StartsWith("Expect: ", StringComparison.Ordinal))
            {
                expects++;
            }
        }

        return (blocks, expects, fence is not null);
    }

    [GeneratedRegex(@"\A(`{3,})\S*\z")]
    private static partial Regex FenceLine();

    [Fact]
    public void MutatedInventories_NeverCrash_AreLocated_AndNeverInjectControlCharacters()
    {
        var (accepted, refused, validated) = (0, 0, 0);
        Cases.Sample(text =>
        {
            var validate = accepted % 10 == 0;
            if (AssertHandled(text, validate))
            {
                validated += validate ? 1 : 0;
                accepted++;
            }
            else
            {
                refused++;
            }
        }, iter: Iterations, threads: 1);

        // Both paths ran: hostile values refused with located diagnostics, and values that are
        // legal (an empty optional key, a zero, unusual Unicode in free text) rendered and checked,
        // some of them through the real validators.
        Assert.True(accepted > 0 && refused > 0 && validated > 0, $"{accepted} accepted ({validated} through the validators), {refused} refused");
    }

    /// <summary>True when the case was accepted (and its output checked), false when refused. <paramref name="validate"/>: also run the real validators.</summary>
    private static bool AssertHandled(string text, bool validate)
    {
        var load = InventoryLoader.Load(text, "hostile.yaml");
        foreach (var diagnostic in load.Diagnostics)
        {
            Assert.True(diagnostic.Location is not null, "unlocated: " + diagnostic);
            Assert.False(Printable.HasControl(diagnostic.Message) || Printable.HasControl(diagnostic.Fix ?? ""), "raw control character in: " + Printable.Escape(diagnostic.ToString()));
        }

        if (!load.Succeeded)
        {
            return false;
        }

        using var templates = new TemplateLibrary(Repo.Templates, load.Inventory!.TemplatesDirectory);
        var (hosts, errors) = DesiredStateBuilder.Build(load.Inventory, templates, HostPaths.Default);
        Assert.True(errors.Count == 0, "accepted, then the templates failed: " + string.Join("; ", errors));
        foreach (var host in hosts)
        {
            foreach (var artifact in ArtifactTree.For(host))
            {
                Assert.False(artifact.Content.Any(c => Printable.NeedsEscape(c) && c is not '\n' and not '\t'), $"{artifact.RelativePath} holds a control character from the input");
                if (artifact.RelativePath.EndsWith(".xml", StringComparison.Ordinal))
                {
                    XDocument.Parse(artifact.Content);
                }
            }

            var runbook = RunbookBuilder.Render(RunbookBuilder.View(host, "hostile.yaml"), templates);
            if (validate)
            {
                Validate(ArtifactTree.For(host), runbook);
            }

            Assert.False(runbook.Any(c => Printable.NeedsEscape(c) && c is not '\n' and not '\t'), "the runbook holds a control character from the input");
            var (blocks, expects, open) = Blocks(runbook);
            Assert.True(!open && blocks == expects, $"the runbook has {blocks} code blocks for {expects} steps{(open ? ", one left open" : "")}: input opened or closed a fence");
        }

        return true;
    }
}
