using Provisioner.Farm.Jobs;

namespace Provisioner.Farm.Queue;

/// <summary>
/// The words for each outcome of the steering operations (priority, drain, undrain, forget):
/// `provision farm` prints them and the service sends them as problem details or answers, so the
/// two always say the same. An outcome is a success, "unknown" (nothing by that name) or a refusal.
/// </summary>
public static class FarmAnswers
{
    public static bool Succeeded(string outcome) => outcome is "changed" or "unchanged" or "draining" or "undrained" or "forgotten";

    public static string Priority(string job, Priority priority, string outcome, int moved)
    {
        var name = FarmKeys.Name(priority);
        return outcome switch
        {
            "changed" => $"{job} is {name} priority now: {moved} queued task(s) moved to the {name} queue",
            "unchanged" => $"{job} is {name} priority already",
            "unknown" => $"no job '{job}' in the queue",
            _ => $"{job} is {outcome}: only a queued or running job changes priority",
        };
    }

    public static string Drain(string worker, string outcome) => outcome switch
    {
        "draining" => $"{worker} is draining: it finishes the task it holds and takes no other until undrained",
        "undrained" => $"{worker} takes tasks again",
        _ => NoWorker(worker),
    };

    public static string Forget(string worker, string outcome) => outcome switch
    {
        "forgotten" => $"{worker} is forgotten: it no longer shows among the workers",
        "alive" => $"{worker} beat within the last {WorkerStatus.SilentAfter.TotalSeconds:F0} s: it is alive. Stop it first, or drain it to keep it idle",
        "holding" => $"{worker} still holds a task: the reaper requeues it when its lease runs out; forget the worker after that",
        _ => NoWorker(worker),
    };

    private static string NoWorker(string worker) => $"no worker '{worker}' has reported to this queue";
}
