using System.Globalization;
using Provisioner.Farm.Jobs;
using Provisioner.Farm.Queue;
using Spectre.Console;

namespace Provisioner.Cli.Output;

/// <summary>What `farm status` and `farm workers` print: tables with progress bars, ETAs and per-frame times.</summary>
internal static class FarmTables
{
    private static readonly CultureInfo I = CultureInfo.InvariantCulture;

    /// <summary>A worker whose heartbeat is older than this is shown as silent (its lease will have expired).</summary>
    private static readonly TimeSpan Silent = WorkerStatus.SilentAfter;

    public static void WriteJobs(IReadOnlyList<JobStatus> jobs, DateTimeOffset now, TextWriter stdout, bool terminal)
    {
        if (jobs.Count == 0)
        {
            stdout.WriteLine("no jobs (provision farm submit SCENE --frames 1-240)");
            return;
        }

        var table = new Table().Border(TableBorder.Simple).AddColumns("job", "status", "priority", "progress", "frames done", "failed", "ETA", "submitted");
        foreach (var job in jobs)
        {
            var progress = JobProgress.Of(job, [], now);
            table.AddRow(Markup.Escape(job.Spec.Id), StatusMarkup(job.Status), job.Spec.Priority.ToString().ToLowerInvariant(), Bar(progress.Fraction),
                $"{job.FramesDone}/{job.FramesTotal}", job.FramesFailed.ToString(I), Duration(progress.Eta), job.Submitted.ToString("yyyy-MM-dd HH:mm:ss", I));
        }

        Consoles.For(stdout, terminal).Write(table);
    }

    public static void WriteJob(JobStatus job, IReadOnlyList<Provisioner.Farm.Queue.TaskSummary> tasks, IReadOnlyList<FrameRecord> frames, bool allFrames, DateTimeOffset now, TextWriter stdout, bool terminal)
    {
        var console = Consoles.For(stdout, terminal);
        var progress = JobProgress.Of(job, frames, now);
        var spec = job.Spec;
        console.MarkupLine($"{Markup.Escape(spec.Id)}: {StatusMarkup(job.Status)}  {Bar(progress.Fraction)}");
        var sha = spec.Sha256 is null ? "" : " (sha256 " + spec.Sha256[..12] + "…)";
        if (spec.Generate is { } generate)
        {
            // A generation job: its "frames" are items, made by a script from consecutive seeds.
            stdout.WriteLine($"  script:   {generate.Script}{(generate.Blenderproc ? " (BlenderProc)" : "")}, scene {spec.Src ?? "none (Blender's empty scene)"}{sha}");
            stdout.WriteLine($"  items:    {generate.Count} from seed {generate.Seed}, {generate.PerTask} per task (batch_NNNN); expects {string.Join(", ", generate.Expect)} per item");
            stdout.WriteLine($"  progress: {job.FramesDone} items done, {job.FramesFailed} failed, {job.FramesTotal - job.FramesDone - job.FramesFailed} to go of {job.FramesTotal}");
        }
        else
        {
            stdout.WriteLine($"  scene:    {spec.Src}{sha}");
            stdout.WriteLine($"  frames:   {spec.Frames}: {job.FramesDone} done, {job.FramesFailed} failed, {job.FramesTotal - job.FramesDone - job.FramesFailed} to go of {job.FramesTotal}");
        }

        stdout.WriteLine($"  tasks:    {job.TasksDone}/{job.TasksTotal} done, {tasks.Count(t => t.State == "running")} running; priority {spec.Priority.ToString().ToLowerInvariant()}, pool {spec.Pool}, {spec.MaxAttempts} attempts each");
        stdout.WriteLine($"  output:   {spec.Output}");
        var elapsed = job.Started is { } started ? (job.Finished ?? now) - started : (TimeSpan?)null;
        stdout.WriteLine($"  time:     elapsed {Duration(elapsed)}, ETA {Duration(progress.Eta)}");
        if (progress.MeanFrame is { } mean)
        {
            stdout.WriteLine($"  per frame: mean {Seconds(mean)}, median {Seconds(progress.MedianFrame!.Value)}, slowest {Seconds(progress.SlowestFrame!.Value)}");
        }

        if (job.GpuTime > TimeSpan.Zero)
        {
            var cost = JobReport.CostOf(job.CostMicros);
            var perFrame = job.FramesDone > 0 ? ", " + JobReport.CostOf(job.CostMicros / job.FramesDone).ToString("0.0000", I) + " per frame" : "";
            stdout.WriteLine($"  GPU time: {job.GpuTime.TotalSeconds.ToString("0.0", I)} GPU-seconds, cost {cost.ToString("0.00##", I)}{perFrame}");
        }

        if (job.Flagged.Count > 0)
        {
            var counts = string.Join(", ", job.Flagged.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Value} {f.Key}"));
            console.MarkupLine($"  [yellow]flagged:[/]  {Markup.Escape(counts)} attempt(s); latest: {Markup.Escape(job.LastWarning)}");
        }

        if (job.Error.Length > 0)
        {
            console.MarkupLine("  [red]error:[/]    " + Markup.Escape(job.Error));
        }
        else if (job.LastError.Length > 0)
        {
            stdout.WriteLine("  last error: " + job.LastError);
        }

        // The tasks a worker holds now; queued ones are only counted (a 10,000-task job lists a handful).
        var open = tasks.Where(t => t.State != "done").ToList();
        if (open.Count > 0)
        {
            var table = new Table().Border(TableBorder.Simple).Title("tasks running").AddColumns("task", "frames", "state", "worker", "attempts", "last error");
            foreach (var task in open)
            {
                table.AddRow(Markup.Escape(task.TaskId), task.Frames, StatusMarkup(task.State), Markup.Escape(task.Worker), task.Attempts.ToString(I), Markup.Escape(task.LastError));
            }

            console.Write(table);
        }

        var shown = allFrames ? frames : frames.OrderByDescending(f => f.Render).Take(5).OrderBy(f => f.Frame).ToList();
        if (shown.Count > 0)
        {
            var table = new Table().Border(TableBorder.Simple).Title(allFrames ? "frames" : "slowest frames").AddColumns("frame", "render time", "worker");
            foreach (var frame in shown)
            {
                table.AddRow(frame.Frame.ToString(I), Seconds(frame.Render), Markup.Escape(frame.Worker));
            }

            console.Write(table);
        }
    }

    public static void WriteWorkers(IReadOnlyList<WorkerStatus> workers, DateTimeOffset now, TextWriter stdout, bool terminal)
    {
        if (workers.Count == 0)
        {
            stdout.WriteLine("no worker has reported yet (they register with their first heartbeat)");
            return;
        }

        var table = new Table().Border(TableBorder.Simple).AddColumns("worker", "state", "heartbeat", "task", "for", "GPU", "driver", "use", "temp", "flags", "Blender", "host", "frames", "last error");
        foreach (var worker in workers)
        {
            var age = worker.Heartbeat is { } beat ? now - beat : (TimeSpan?)null;
            var heartbeat = age is null ? "never" : Duration(age) + " ago";
            table.AddRow(Markup.Escape(worker.Name), StatusMarkup(worker.Condition(now).ToString().ToLowerInvariant()),
                age > Silent ? "[red]" + heartbeat + "[/]" : heartbeat,
                Markup.Escape(worker.Task.Length == 0 ? "-" : worker.Task),
                worker.Task.Length > 0 && worker.TaskSince is { } since ? Duration(now - since) : "-",
                Markup.Escape(worker.Gpu.Length == 0 ? "-" : worker.Gpu),
                Markup.Escape(worker.GpuDriver.Length == 0 ? "-" : worker.GpuDriver),
                worker.GpuReading?.UtilizationPercent is { } use ? use.ToString(I) + "%" : "-",
                worker.GpuReading?.TemperatureC is { } celsius ? celsius.ToString(I) + " °C" : "-",
                worker.GpuFlags == Provisioner.Farm.Telemetry.GpuWarnings.None ? "-" : "[yellow]" + Markup.Escape(Provisioner.Farm.Telemetry.GpuWarningNames.Format(worker.GpuFlags)) + "[/]",
                worker.Blender is { } blender ? Markup.Escape($"{blender.Version} (denoisers: {string.Join(", ", blender.Denoisers)})") : "-",
                Markup.Escape(worker.Host), worker.Frames.ToString(I),
                Markup.Escape(worker.LastError));
        }

        var console = Consoles.For(stdout, terminal);
        console.Write(table);
        if (WorkerStatus.CostPerHour(workers, now, Silent) is var perHour and > 0)
        {
            stdout.WriteLine($"cost per hour of the workers not lost: {perHour.ToString("0.00##", I)}");
        }
    }

    /// <summary>The job for --json: its spec and figures, times in seconds (the service's API answers the same).</summary>
    public static JobReport JobJson(JobStatus job, IReadOnlyList<FrameRecord>? frames, DateTimeOffset now) => JobReport.Of(job, frames, now);

    private static string Bar(double fraction)
    {
        const int width = 20;
        var filled = (int)Math.Round(fraction * width);
        return "[[" + new string('#', filled) + new string('.', width - filled) + "]] " + ((int)Math.Floor(fraction * 100)).ToString(I) + "%";
    }

    private static string StatusMarkup(string status) => status switch
    {
        "done" => "[green]done[/]",
        "failed" or "silent" or "lost" => $"[red]{status}[/]",
        "running" or "rendering" or "busy" => $"[blue]{status}[/]",
        "cancelled" or "dropped" or "draining" => $"[yellow]{status}[/]",
        "" => "-",
        _ => Markup.Escape(status),
    };

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.00", I) + " s";

    private static string Duration(TimeSpan? span) => span switch
    {
        null => "-",
        { TotalHours: >= 1 } s => $"{(int)s.TotalHours}h{s.Minutes:D2}m",
        { TotalMinutes: >= 1 } s => $"{(int)s.TotalMinutes}m{s.Seconds:D2}s",
        { } s => $"{(int)s.TotalSeconds}s",
    };
}
