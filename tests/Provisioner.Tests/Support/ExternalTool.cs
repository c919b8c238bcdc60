using System.Diagnostics;

namespace Provisioner.Tests.Support;

/// <summary>Runs a real validator (virt-xml-validate, cloud-init, systemd-analyze, bash...) and captures its output.</summary>
public static class ExternalTool
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
    }

    public static Result Run(string fileName, params string[] arguments) => RunIn(null, fileName, arguments);

    public static Result RunIn(string? workingDirectory, string fileName, params string[] arguments) =>
        Run(TimeSpan.FromMinutes(2), workingDirectory, fileName, arguments);

    public static Result Run(TimeSpan timeout, string? workingDirectory, string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + fileName);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} did not finish in {timeout.TotalSeconds:F0} s");
        }

        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Fails the test with a clear message when a validator the suite relies on is not installed (.ci/run installs it).</summary>
    public static void Require(string fileName)
    {
        var found = Environment.GetEnvironmentVariable("PATH")!.Split(':').Any(dir => File.Exists(Path.Combine(dir, fileName)));
        Assert.True(found, $"{fileName} is not installed: run .ci/run (or apt-get install the package it names) first");
    }
}
