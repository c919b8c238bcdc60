using System.Globalization;
using System.Text.RegularExpressions;
using OpenQA.Selenium;
using Provisioner.Farm.Queue;
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

    private static readonly string Shots = Environment.GetEnvironmentVariable("PROVISION_SCREENSHOTS") is { Length: > 0 } dir
        ? dir : Path.Combine(Path.GetTempPath(), "provision-screenshots");

    [Fact]
    public async Task TheJobAdvances_ItsLastFrameShows_AKilledWorkerShowsLostAndItsTaskIsRequeued_CancelNeedsTheToken()
    {
        await using var farm = await FarmHarness.StartAsync();
        // Lost after 8 s of silence and a 6 s lease, so a killed worker shows within the test's time.
        await using var service = await FarmServiceHost.StartAsync(farm, Token, TimeSpan.FromSeconds(8));
        await farm.SubmitAsync(JobId, scene.Path, "1-40", chunk: 1);
        var fast = new Dictionary<string, string> { ["PROVISION_LEASE_SECONDS"] = "6" };
        farm.StartWorker("gpu-node-1", fast);
        var doomed = farm.StartWorker("gpu-node-2", fast);
        using var browser = Browser.Start();

        // Overview: the job's row, its progress advancing as the workers deliver frames.
        browser.Driver.Navigate().GoToUrl(service.Url);
        var row = $"tr[data-job='{JobId}']";
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
        browser.Screenshot(Path.Combine(Shots, "dashboard-job.png"));

        // A worker killed mid-task: lost on the workers page, and its task goes back to the queue.
        var held = await farm.WaitForTaskAsync("gpu-node-2", TimeSpan.FromMinutes(1));
        doomed.Kill();
        browser.Driver.Navigate().GoToUrl(service.Url + "#/workers");
        await browser.WaitAsync(() => browser.Find("tr[data-worker='gpu-node-2'] .status.lost"), TimeSpan.FromSeconds(40), "gpu-node-2 as lost");
        await farm.WaitUntilAsync(async () => (await farm.Reader.TasksAsync(JobId, CancellationToken.None)).Single(t => t.TaskId == held).Worker != "gpu-node-2",
            TimeSpan.FromSeconds(60), $"{held} requeued from the killed worker");
        var requeued = (await farm.Reader.TasksAsync(JobId, CancellationToken.None)).Single(t => t.TaskId == held);
        Assert.Contains("lease expired: worker gpu-node-2", requeued.LastError, StringComparison.Ordinal);
        browser.Screenshot(Path.Combine(Shots, "dashboard-workers.png"));

        browser.Driver.Navigate().GoToUrl(service.Url);
        await browser.WaitAsync(() => browser.Find(row), TimeSpan.FromSeconds(10), "the job's row");
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

    /// <summary>The frames done the job's row shows ("7/40"), or null before it shows.</summary>
    private static int? Done(Browser browser, string row) =>
        browser.Find(row) is { } element && Progress().Match(element.Text) is { Success: true } match ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;

    [GeneratedRegex(@"(\d+)/40")]
    private static partial Regex Progress();
}
