using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Provisioner.IntegrationTests.Farm;

/// <summary>
/// Debian's chromium, headless, driven through Debian's chromium-driver (WebDriver): the real
/// browser the dashboard is tested in. Nothing is downloaded: the driver and the browser are the
/// packages tests/setup.sh installs.
/// </summary>
internal sealed class Browser : IDisposable
{
    private Browser(ChromeDriver driver) => Driver = driver;

    public ChromeDriver Driver { get; }

    public static Browser Start()
    {
        // Selenium Manager would otherwise look for a driver online.
        Environment.SetEnvironmentVariable("SE_OFFLINE", "true");
        var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        // --no-sandbox: the tests run as root, where chromium's sandbox refuses to start.
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1360,900", "--no-first-run", "--disable-extensions");
        return new Browser(new ChromeDriver(service, options, TimeSpan.FromSeconds(60)));
    }

    /// <summary>Waits until <paramref name="condition"/> holds (polled every 250 ms); fails the test with <paramref name="what"/> and the page's text.</summary>
    public async Task<T> WaitAsync<T>(Func<T?> condition, TimeSpan timeout, string what)
        where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (condition() is { } value)
                {
                    return value;
                }
            }
            catch (WebDriverException)
            {
                // the page was redrawn under us: look again
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"the dashboard never showed {what} within {timeout.TotalSeconds:F0} s; the page said:\n{Text()}");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>Clicks the element <paramref name="css"/> finds; the page redraws every two seconds, so a click that lands on a replaced element is tried again on the new one.</summary>
    public async Task ClickAsync(string css)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                (Find(css) ?? throw new NoSuchElementException("no " + css + " on the page:\n" + Text())).Click();
                return;
            }
            catch (StaleElementReferenceException) when (attempt < 5)
            {
                await Task.Delay(100);
            }
        }
    }

    public IWebElement? Find(string css) => Driver.FindElements(By.CssSelector(css)).FirstOrDefault();

    /// <summary>The text of the first element <paramref name="css"/> finds, or null: read inside the page in one step, so a redraw cannot leave a stale element in between.</summary>
    public string? TextOf(string css) => Driver.ExecuteScript("const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", css) as string;

    /// <summary>Whether <paramref name="css"/> finds anything, asked inside the page.</summary>
    public bool Has(string css) => TextOf(css) is not null;

    public string Text() => Find("body")?.Text ?? "";

    /// <summary>Saves a PNG of the window to <paramref name="path"/>.</summary>
    /// <summary>Where the tests' screenshots go: $PROVISION_SCREENSHOTS, default the temp directory's provision-screenshots (docs/images holds the reviewed ones).</summary>
    public static string Shots => Environment.GetEnvironmentVariable("PROVISION_SCREENSHOTS") is { Length: > 0 } dir
        ? dir : Path.Combine(Path.GetTempPath(), "provision-screenshots");

    public void Screenshot(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Driver.GetScreenshot().SaveAsFile(path);
    }

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
    }
}
