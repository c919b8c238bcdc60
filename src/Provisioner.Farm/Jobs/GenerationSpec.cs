using System.Globalization;
using System.Text.RegularExpressions;

namespace Provisioner.Farm.Jobs;

/// <summary>
/// A dataset-generation job (seed 002): a user's script makes <see cref="Count"/> items, a task
/// makes <see cref="PerTask"/> of them. The script contract is fixed because users' scripts rely
/// on it: a task runs the script once as
/// <c>blender -b [SCENE] --python SCRIPT -- --seed S --count N --output DIR</c> (or
/// <c>blenderproc run SCRIPT -- …</c> with the same arguments), where S is the job's seed plus the
/// index of the task's first item and N its item count; the script makes items S … S+N−1, each
/// seeded by its own number. So the same job makes the same dataset however it is split.
/// The job's items are its "frames" 0 … Count−1, so the queue, progress and retries are a render
/// job's.
/// </summary>
public sealed partial record GenerationSpec
{
    /// <summary>Most items one job may make (as many as a render job's frames).</summary>
    public const int MaxCount = Frames.FrameList.MaxCount;

    /// <summary>The Python script: an absolute path the workers read (the share).</summary>
    public required string Script { get; init; }

    public required int Count { get; init; }

    /// <summary>Items per task: each task is one run of the script and one batch_NNNN folder.</summary>
    public required int PerTask { get; init; }

    /// <summary>The job's base seed; item i is made with seed Seed + i.</summary>
    public int Seed { get; init; }

    /// <summary>What each item must leave behind: a task succeeds only when these exist and decode.</summary>
    public required IReadOnlyList<ExpectedOutput> Expect { get; init; }

    /// <summary>Run the script through BlenderProc (installed in the VM by worker.blenderproc) with the worker's own Blender.</summary>
    public bool Blenderproc { get; init; }

    /// <summary>The frames a generation job's tasks are cut from: its item indices.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Items => Count == 1 ? "0" : "0-" + (Count - 1).ToString(CultureInfo.InvariantCulture);

    /// <summary>The batch a task's items make: batch_0000 holds items 0 … PerTask−1.</summary>
    public string BatchName(int firstItem) => "batch_" + (firstItem / PerTask).ToString("D4", CultureInfo.InvariantCulture);

    /// <summary>The seed the script is given for a task whose first item is <paramref name="firstItem"/>.</summary>
    public int SeedFor(int firstItem) => Seed + firstItem;

    /// <summary>The first problem with the generation settings, or null.</summary>
    public string? Problem()
    {
        if (!JobValidation.IsCleanAbsolutePath(Script) || Script.EndsWith('/'))
        {
            return $"generate: script {JobValidation.Quote(Script)} must be an absolute path to a .py file the workers can read (shared storage)";
        }

        if (Count is < 1 or > MaxCount)
        {
            return $"count {Count} must be from 1 to {MaxCount} items (split a larger dataset into several jobs)";
        }

        if (PerTask < 1 || PerTask > Count)
        {
            return $"per_task {PerTask} must be from 1 to the job's count ({Count})";
        }

        // Seeds stay in a signed 32-bit int for every item: numpy, random and Blender all take that.
        if (Seed < 0 || (long)Seed + Count - 1 > int.MaxValue)
        {
            return $"seed {Seed} must be from 0 to {int.MaxValue - (Count - 1)} (the last item's seed, seed + count - 1, must stay within {int.MaxValue})";
        }

        if (Expect.Count == 0)
        {
            return "a generation job needs at least one expected output (--expect 'rgb_*.png'): without it no task could be checked";
        }

        return Expect.Select(e => e.Problem()).FirstOrDefault(p => p is not null);
    }
}

/// <summary>
/// One kind of file each item leaves in its batch folder, e.g. <c>rgb_*.png</c>, and how many per
/// item (typed <c>rgb_*.png:2</c>). The pattern is a file name with <c>*</c> and <c>?</c>, matched in
/// the batch folder and below; a .png, .jpg or .exr match must also decode.
/// </summary>
public sealed partial record ExpectedOutput(string Pattern, int PerItem = 1)
{
    /// <summary>Reads <c>PATTERN</c> or <c>PATTERN:COUNT</c>; null with the reason.</summary>
    public static ExpectedOutput? TryParse(string text, out string error)
    {
        error = "";
        var colon = text.LastIndexOf(':');
        var pattern = colon < 0 ? text : text[..colon];
        var perItem = 1;
        if (colon >= 0 && !int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out perItem))
        {
            error = $"expect {JobValidation.Quote(text)}: write a file pattern and, optionally, how many per item: 'rgb_*.png' or 'rgb_*.png:2'";
            return null;
        }

        var expected = new ExpectedOutput(pattern, perItem);
        error = expected.Problem() ?? "";
        return error.Length == 0 ? expected : null;
    }

    public string? Problem()
    {
        if (!PatternShape().IsMatch(Pattern) || !Pattern.Any(c => c is not ('*' or '?')))
        {
            return $"expect pattern {JobValidation.Quote(Pattern)} must be a file name with '*' or '?' wildcards (letters, digits, '.', '_', '-'; no '/'), e.g. 'rgb_*.png'";
        }

        return PerItem is < 1 or > 1000 ? $"expect {JobValidation.Quote(Pattern)}: {PerItem} files per item must be from 1 to 1000" : null;
    }

    /// <summary>Whether <paramref name="fileName"/> matches the pattern ('*': any run, '?': one character).</summary>
    public bool Matches(string fileName) =>
        Regex.IsMatch(fileName, "\\A" + Regex.Escape(Pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "\\z", RegexOptions.CultureInvariant | RegexOptions.Singleline);

    public override string ToString() => PerItem == 1 ? Pattern : Pattern + ":" + PerItem.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex("\\A[A-Za-z0-9._*?-]{1,100}\\z")]
    private static partial Regex PatternShape();
}

/// <summary>A generation job as `farm submit --generate` and the API's <c>generate</c> take it: checked with the same words for both.</summary>
public static class GenerationRequest
{
    /// <summary>The spec, or null with the reason; <paramref name="perTask"/> null sizes the tasks for <paramref name="liveWorkers"/>.</summary>
    public static GenerationSpec? TryCreate(string script, int? count, int? perTask, int? seed, IReadOnlyList<string> expect, bool blenderproc, int liveWorkers, out string error)
    {
        error = "";
        if (count is not { } items)
        {
            error = "count: a generation job needs the number of items to make (--count 1000)";
            return null;
        }

        var outputs = new List<ExpectedOutput>();
        foreach (var text in expect)
        {
            if (ExpectedOutput.TryParse(text, out var expectError) is not { } parsed)
            {
                error = expectError;
                return null;
            }

            outputs.Add(parsed);
        }

        var spec = new GenerationSpec
        {
            Script = script,
            Count = items,
            PerTask = perTask ?? Frames.ChunkSizing.ForItems(items, liveWorkers),
            Seed = seed ?? 0,
            Expect = outputs,
            Blenderproc = blenderproc,
        };
        error = spec.Problem() ?? "";
        return error.Length == 0 ? spec : null;
    }
}
