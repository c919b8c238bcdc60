using System.Globalization;
using System.Text.RegularExpressions;
using OpenQA.Selenium;
using Provisioner.Farm.Queue;
using Provisioner.Tests.Support;
using Xunit.Abstractions;

namespace Provisioner.IntegrationTests.Farm;

/// <summary>
/// The dashboard in a real browser (Debian's chromium) while real workers (worker processes with
/// Debian's Blender) render a real job from a real redis-server. What the page shows is checked
/// against the queue, and the page's buttons steer the farm. Screenshots of the overview and the
/// job page go to $PROVISION_SCREENSHOTS (default: the temp directory's provision-screenshots);
/// docs/images holds the reviewed ones.
/// </summary>
[Collection("farm")]
public sealed partial class FarmDashboardTests(FarmScene scene, ITestOutputHelper output) : IClassFixture<FarmScene>
{
    private const string Token = "dashboard-token-0123456789abcdef";
    private const string JobId = "shot010";

    private static readonly string Shots = Browser.Shots;

    [Fact]
    public async Task TheJobAdvances_ItsLastFrameShows_AKilledWorkerShowsLostAndItsTaskIsRequeued_CancelNeedsTheToken()
    {
        await using var farm = await FarmHarness.StartAsync();
        // Lost after 8 s of silence and a 6 s lease, so a killed worker shows within the test's time.
        await using var service = await FarmServiceHost.StartAsync(farm, Token, TimeSpan.FromSeconds(8));
        await farm.SubmitAsync(JobId, scene.Path, "1-40", chunk: 1, device: "OPTIX");
        // Two GPU workers: a busy card at 71 °C, and one at 88 °C slowed by hardware thermal slowdown.
        using var cool = new StandInGpu(utilization: 96, temperature: 71);
        using var hot = new StandInGpu(utilization: 99, temperature: 88, throttle: "0x0000000000000040");
        farm.StartWorker("gpu-node-1", GpuWorker(cool, "0.85"));
        var doomed = farm.StartWorker("gpu-node-2", GpuWorker(hot, "1.10"));
        using var browser = Browser.Start();

        // Overview: the job's row, its progress advancing as the workers deliver frames; the farm's cost per hour.
        browser.Driver.Navigate().GoToUrl(service.Url);
        var row = $"tr[data-job='{JobId}']";
        await browser.WaitAsync(() => CostPerHour(browser) == "1.95" ? "" : null, TimeSpan.FromMinutes(1), "a cost per hour of 0.85 + 1.10");
        var first = int.Parse(await browser.WaitAsync(() => Done(browser, row) is { } n && n >= 1 ? n.ToString(CultureInfo.InvariantCulture) : null, TimeSpan.FromMinutes(2), "a rendered frame"), CultureInfo.InvariantCulture);
        await browser.WaitAsync(() => Done(browser, row) > first ? "" : null, TimeSpan.FromMinutes(1), "progress past " + first);
        Assert.Contains("/40", browser.Find(row)!.Text, StringComparison.Ordinal);

        // The job page: the task grid matches the queue, and the last rendered frame's image loads.
        browser.Driver.Navigate().GoToUrl(service.Url + "#/jobs/" + JobId);
        await browser.WaitAsync(() => browser.Find("#thumbnail") is { } img && Convert.ToInt64(browser.Driver.ExecuteScript("return arguments[0].naturalWidth", img), CultureInfo.InvariantCulture) == 160 ? img : null,
            TimeSpan.FromSeconds(30), "the last frame's image");
        Assert.Equal(40, browser.Driver.FindElements(By.CssSelector("#tasks span")).Count);
        await browser.WaitAsync(() => browser.Driver.FindElements(By.CssSelector("#tasks span.done")).Count >= 3 ? "" : null, TimeSpan.FromMinutes(1), "three done tasks");
        Assert.NotNull(browser.Find("svg.chart rect"));
        // The hot card's attempts are flagged, with the warning in words; the job has GPU time and a cost.
        await browser.WaitAsync(() => browser.Find("#gpu-warnings [data-flag='hot']"), TimeSpan.FromMinutes(1), "the job's hot flag");
        Assert.Contains("above the limit of 83 °C", browser.TextOf("#last-warning"), StringComparison.Ordinal);
        Assert.True(browser.Has("#gpu-warnings [data-flag='throttled']"));
        Assert.False(browser.Has("#gpu-warnings [data-flag='cpu-fallback']")); // both cards were busy
        Assert.True(browser.Has("#tasks span.done.flagged"));
        Assert.Matches(@"^\d+\.\d{2,4}$", Card(browser, "Cost"));
        Assert.Matches(@"^\d+ (s|min)", Card(browser, "GPU time"));
        browser.Screenshot(Path.Combine(Shots, "dashboard-job.png"));

        // A worker killed mid-task: lost on the workers page, and its task goes back to the queue.
        var held = await farm.WaitForTaskAsync("gpu-node-2", TimeSpan.FromMinutes(1));
        doomed.Kill();
        browser.Driver.Navigate().GoToUrl(service.Url + "#/workers");
        await browser.WaitAsync(() => browser.Find("tr[data-worker='gpu-node-2'] .status.lost"), TimeSpan.FromSeconds(40), "gpu-node-2 as lost");
        // Each card's last reading, as the stand-in nvidia-smi reported it; the lost one keeps its flags.
        string? Cell(string worker, string cell) => browser.TextOf($"tr[data-worker='{worker}'] td[data-gpu='{cell}']");
        Assert.Equal(("96 %", "71 °C", "227 W"), (Cell("gpu-node-1", "use"), Cell("gpu-node-1", "temp"), Cell("gpu-node-1", "power")));
        Assert.Contains("NVIDIA RTX A5000", browser.TextOf("tr[data-worker='gpu-node-1']"), StringComparison.Ordinal);
        Assert.False(browser.Has("tr[data-worker='gpu-node-1'] [data-flag]"));
        Assert.True(browser.Has("tr[data-worker='gpu-node-2'] [data-flag='hot']"));
        Assert.True(browser.Has("tr[data-worker='gpu-node-2'] [data-flag='throttled']"));
        await farm.WaitUntilAsync(async () => (await farm.Reader.TasksAsync(JobId, CancellationToken.None)).Single(t => t.TaskId == held).Worker != "gpu-node-2",
            TimeSpan.FromSeconds(60), $"{held} requeued from the killed worker");
        var requeued = (await farm.Reader.TasksAsync(JobId, CancellationToken.None)).Single(t => t.TaskId == held);
        Assert.Contains("lease expired: worker gpu-node-2", requeued.LastError, StringComparison.Ordinal);
        browser.Screenshot(Path.Combine(Shots, "dashboard-workers.png"));

        browser.Driver.Navigate().GoToUrl(service.Url);
        await browser.WaitAsync(() => browser.Find(row), TimeSpan.FromSeconds(10), "the job's row");
        await browser.WaitAsync(() => CostPerHour(browser) == "0.85" ? "" : null, TimeSpan.FromSeconds(10), "the lost worker's rate out of the cost per hour");
        await Task.Delay(TimeSpan.FromSeconds(6)); // a few polls: the frames-per-minute card has a measure
        browser.Screenshot(Path.Combine(Shots, "dashboard-overview.png"));

        // Cancel without the token: refused, said in the banner, the job goes on.
        await browser.ClickAsync(row + " button[data-action='cancel']");
        var banner = await browser.WaitAsync(() => browser.Find("#banner") is { Displayed: true } b && b.Text.Length > 0 ? b.Text : null, TimeSpan.FromSeconds(10), "the refusal");
        Assert.Contains("writes need the service's token", banner, StringComparison.Ordinal);
        Assert.Equal("running", (await farm.Reader.JobAsync(JobId, CancellationToken.None))!.Status);

        // With the token typed in: cancelled, and the page shows it.
        browser.Find("#token")!.SendKeys(Token + Keys.Tab);
        await browser.ClickAsync(row + " button[data-action='cancel']");
        await farm.WaitUntilAsync(async () => (await farm.Reader.JobAsync(JobId, CancellationToken.None))!.Status == "cancelled", TimeSpan.FromSeconds(10), "the job cancelled");
        await browser.WaitAsync(() => browser.Find(row + " .status.cancelled"), TimeSpan.FromSeconds(10), "the job as cancelled");
        Assert.DoesNotContain(Token, service.Log, StringComparison.Ordinal);
        Assert.DoesNotContain(" 500 ", service.Log, StringComparison.Ordinal);
        output.WriteLine("screenshots in " + Shots);
    }

    private static Dictionary<string, string> GpuWorker(StandInGpu gpu, string rate) => new()
    {
        ["PROVISION_LEASE_SECONDS"] = "6",
        ["PROVISION_RENDER_DEVICE"] = "OPTIX",
        ["PROVISION_NVIDIA_SMI"] = gpu.Path,
        ["PROVISION_BLENDER"] = Repo.Path("tests", "farm", "blender-on-a-gpu-vm"),
        ["PROVISION_GPU_SAMPLE_SECONDS"] = "0.5",
        ["PROVISION_GPU_TEMPERATURE_LIMIT"] = "83",
        ["PROVISION_HOURLY_COST"] = rate,
    };

    /// <summary>The value a card shows under its label, or null when no card has it.</summary>
    private static string? Card(Browser browser, string label) =>
        browser.Driver.ExecuteScript("const c = [...document.querySelectorAll('.card')].find(c => c.querySelector('.label').textContent === arguments[0]); return c ? c.querySelector('.value').textContent : null;", label) as string;

    private static string? CostPerHour(Browser browser) => Card(browser, "Cost / hour");

    /// <summary>The frames done the job's row shows ("7/40"), or null before it shows.</summary>
    private static int? Done(Browser browser, string row) =>
        browser.Find(row) is { } element && Progress().Match(element.Text) is { Success: true } match ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;

    [GeneratedRegex(@"(\d+)/40")]
    private static partial Regex Progress();
}
