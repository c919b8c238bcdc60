using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests.Farm;

/// <summary>
/// Debian's prometheus on 127.0.0.1 and a free port, scraping one target every second, its
/// database in a temp directory. Queried through its own HTTP API, as Grafana or an operator would.
/// </summary>
internal sealed class PrometheusServer : IDisposable
{
    private readonly Process process;
    private readonly TempDirectory directory;
    private readonly StringBuilder log = new();

    private PrometheusServer(string target)
    {
        ExternalTool.Require("prometheus");
        directory = new TempDirectory();
        Port = Support.LocalPort.Free();
        var config = directory.File("prometheus.yml", $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 900ms
            scrape_configs:
              - job_name: farm
                static_configs:
                  - targets: ['{target}']
            """);
        var start = new ProcessStartInfo("prometheus") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
                 {
                     "--config.file=" + config, "--storage.tsdb.path=" + Path.Combine(directory.Path, "data"),
                     "--web.listen-address=127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture),
                 })
        {
            start.ArgumentList.Add(argument);
        }

        process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}/") };
    }

    public int Port { get; }

    public HttpClient Http { get; }

    public string Log { get { lock (log) { return log.ToString(); } } }

    /// <summary>Starts prometheus scraping <paramref name="target"/> (HOST:PORT, path /metrics).</summary>
    public static PrometheusServer Start(string target) => new(target);

    /// <summary>The value of an instant PromQL query's first sample, or null while it has none.</summary>
    public async Task<double?> QueryAsync(string promql)
    {
        try
        {
            var answer = await Http.GetFromJsonAsync<JsonElement>("api/v1/query?query=" + Uri.EscapeDataString(promql));
            var result = answer.GetProperty("data").GetProperty("result");
            return result.GetArrayLength() == 0 ? null : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
        }
        catch (HttpRequestException)
        {
            return null; // not listening yet
        }
    }

    /// <summary>The scrape target's health as prometheus reports it ("up", "down", "unknown"), and its last error.</summary>
    public async Task<string> TargetAsync()
    {
        var answer = await Http.GetFromJsonAsync<JsonElement>("api/v1/targets");
        var target = answer.GetProperty("data").GetProperty("activeTargets")[0];
        return target.GetProperty("health").GetString() + " " + target.GetProperty("lastError").GetString();
    }

    public void Dispose()
    {
        Http.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }

        process.Dispose();
        directory.Dispose();
    }
}
