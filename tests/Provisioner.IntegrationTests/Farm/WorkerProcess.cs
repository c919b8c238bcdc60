using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Provisioner.IntegrationTests.Farm;

/// <summary>
/// The real worker agent (provision-worker) as its own process, configured through the same
/// environment variables as in a VM, so a test can SIGKILL it mid-task like a VM that died.
/// </summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private WorkerProcess(string name, Process process)
    {
        Name = name;
        this.process = process;
    }

    public string Name { get; }

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public bool HasExited => process.HasExited;

    /// <summary>Starts the agent; <paramref name="launcher"/> runs it under another program first (xvfb-run -a: a display, as an X server gives a VM).</summary>
    public static WorkerProcess Start(string name, string queueUrl, string workDirectory, IReadOnlyDictionary<string, string>? extra = null, IReadOnlyList<string>? launcher = null)
    {
        var start = new ProcessStartInfo(launcher?[0] ?? "dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in launcher?.Skip(1).Append("dotnet") ?? [])
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "provision-worker.dll"));
        start.Environment["PROVISION_WORKER_NAME"] = name;
        start.Environment["PROVISION_QUEUE_URL"] = queueUrl;
        start.Environment["PROVISION_WORK_DIR"] = Path.Combine(workDirectory, name);
        // The tests' scenes and outputs live in their own temporary directories.
        start.Environment["PROVISION_ALLOWED_ROOTS"] = Path.GetTempPath().TrimEnd('/');
        start.Environment["PROVISION_RENDER_DEVICE"] = "CPU";
        start.Environment["PROVISION_BLENDER_THREADS"] = "1";
        start.Environment["PROVISION_LEASE_SECONDS"] = "6";
        start.Environment["PROVISION_POLL_SECONDS"] = "0.2";
        start.Environment["PROVISION_REAP_SECONDS"] = "1";
        start.Environment["PROVISION_BACKOFF_SECONDS"] = "1";
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        var worker = new WorkerProcess(name, process);
        process.OutputDataReceived += (_, e) => worker.Append(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>SIGKILL to the agent and its Blender: a VM that lost power.</summary>
    public void Kill()
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    /// <summary>SIGTERM, as systemd stops the unit; waits for the agent to give its task back and exit.</summary>
    public bool Stop(TimeSpan timeout)
    {
        using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        return process.WaitForExit(timeout);
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            Kill();
        }

        process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
