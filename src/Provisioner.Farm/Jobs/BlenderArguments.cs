using System.Text.Json;

namespace Provisioner.Farm.Jobs;

/// <summary>
/// The seed's <c>extra</c>: its clients push Blender arguments there (<c>["-S", "Shot_B"]</c>).
/// They are honoured from an allow-list, each placed where Blender reads it: start-up options
/// before the .blend (Blender applies <c>-Y</c> only to files loaded after it), the scene choice
/// right after the .blend (the worker's settings then apply to that scene), Cycles' own options
/// after <c>--</c>. Anything else is refused with the reason, at submit and again when a worker
/// takes a seed job in: code (<c>--python</c>, <c>-y</c>), what the worker sets from the job's own
/// fields (<c>-o</c>, <c>-F</c>, <c>-f</c>, <c>-t</c>), and what we do not know.
/// An <c>extra</c> that is an object is the client's own fields: kept and shown, never passed on.
/// </summary>
public sealed record BlenderArguments(IReadOnlyList<string> Startup, IReadOnlyList<string> SceneChoice, IReadOnlyList<string> Cycles)
{
    public static readonly BlenderArguments None = new([], [], []);

    /// <summary>At most this many arguments: a seed client's list, not a script.</summary>
    public const int MaxCount = 16;

    private enum Place
    {
        Startup,
        SceneChoice,
        Cycles,
    }

    /// <summary>One allowed argument: its spellings, where it goes, and what its value must be (null: a flag).</summary>
    private sealed record Permitted(string[] Names, Place Place, string? Value, Func<string, bool>? IsValid, string What);

    private static readonly Permitted[] AllowList =
    [
        new(["-S", "--scene"], Place.SceneChoice, "a scene name", IsSceneName, "render this scene of the .blend"),
        new(["-Y", "--disable-autoexec"], Place.Startup, null, null, "never run the .blend's own scripts"),
        new(["--factory-startup"], Place.Startup, null, null, "ignore the worker's Blender preferences"),
        new(["-noaudio"], Place.Startup, null, null, "no audio device"),
        new(["--debug-cycles"], Place.Startup, null, null, "Cycles' debug messages in the task's log"),
        new(["--verbose"], Place.Startup, "a log level from 0 to 9", v => v.Length == 1 && char.IsAsciiDigit(v[0]), "Blender's log level"),
        new(["--cycles-print-stats"], Place.Cycles, null, null, "Cycles' render statistics in the task's log"),
    ];

    /// <summary>Arguments the worker sets itself from a field of the job: the field is the way to ask.</summary>
    private static readonly (string[] Names, string Field)[] SetFromTheJob =
    [
        (["-o", "--render-output"], "output"),
        (["-F", "--render-format"], "format"),
        (["-x", "--use-extension"], "format (the worker names the frames)"),
        (["-E", "--engine"], "engine"),
        (["-t", "--threads"], "nothing: the worker sets Blender's threads from the VM's vCPUs"),
        (["-f", "--render-frame", "-a", "--render-anim", "-s", "--frame-start", "-e", "--frame-end", "-j", "--frame-jump"], "frames"),
        (["--cycles-device"], "device"),
        (["-b", "--background"], "nothing: workers always render in the background"),
    ];

    /// <summary>Arguments that would run code on the worker, or change which Blender runs.</summary>
    private static readonly string[] RunsCode =
    [
        "-P", "--python", "--python-expr", "--python-text", "--python-console", "--python-exit-code", "--python-use-system-env",
        "-y", "--enable-autoexec", "--addons", "--app-template", "--env-system-datafiles", "--env-system-scripts", "--env-system-python",
        "--env-system-extensions", "-r", "--register", "--register-allusers", "--unregister", "--unregister-allusers", "-c", "--command",
    ];

    public bool IsEmpty => Startup.Count == 0 && SceneChoice.Count == 0 && Cycles.Count == 0;

    /// <summary>The arguments in <paramref name="extra"/>, or the problem with them. A missing extra, JSON null or an object has none.</summary>
    public static (BlenderArguments? Arguments, string? Problem) Read(JsonElement? extra, bool cycles = true)
    {
        if (extra is not { } value || value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined or JsonValueKind.Object)
        {
            return (None, null);
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            return (null, $"extra must be a list of Blender arguments (\"extra\": [\"-S\", \"Shot_B\"]) or an object of your own fields, not a {value.ValueKind.ToString().ToLowerInvariant()}");
        }

        var items = value.EnumerateArray().ToList();
        if (items.Count > MaxCount)
        {
            return (null, $"extra holds {items.Count} arguments: at most {MaxCount}");
        }

        if (items.FirstOrDefault(i => i.ValueKind != JsonValueKind.String) is { ValueKind: not JsonValueKind.Undefined } odd)
        {
            return (null, $"extra: every Blender argument is a string (write \"{odd.GetRawText().Trim('"')}\"), not a {odd.ValueKind.ToString().ToLowerInvariant()}");
        }

        var words = items.Select(i => i.GetString()!).ToList();
        var placed = new Dictionary<Place, List<string>> { [Place.Startup] = [], [Place.SceneChoice] = [], [Place.Cycles] = [] };
        var seen = new HashSet<Permitted>();
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            var allowed = AllowList.FirstOrDefault(a => a.Names.Contains(word, StringComparer.Ordinal));
            if (allowed is null)
            {
                return (null, Refusal(word));
            }

            if (!seen.Add(allowed))
            {
                return (null, $"extra: {word} is given twice");
            }

            if (allowed.Place == Place.Cycles && !cycles)
            {
                return (null, $"extra: {word} is a Cycles option and the job's engine is not Cycles: leave it out");
            }

            placed[allowed.Place].Add(word);
            if (allowed.Value is null)
            {
                continue;
            }

            if (i + 1 >= words.Count || !allowed.IsValid!(words[i + 1]))
            {
                var got = i + 1 < words.Count ? $", not {Shown(words[i + 1])}" : "";
                return (null, $"extra: {word} takes {allowed.Value} after it{got}");
            }

            placed[allowed.Place].Add(words[++i]);
        }

        return (new BlenderArguments(placed[Place.Startup], placed[Place.SceneChoice], placed[Place.Cycles]), null);
    }

    /// <summary>The allowed arguments and what each does, for docs/farm.md and the refusal's hint.</summary>
    public static IEnumerable<string> Allowed() =>
        AllowList.Select(a => string.Join(" or ", a.Names) + (a.Value is null ? "" : " <" + a.Value + ">") + ": " + a.What);

    private static string Refusal(string word)
    {
        if (word == "--")
        {
            return "extra: leave out '--': the worker puts Cycles' options after it";
        }

        if (RunsCode.Contains(word, StringComparer.Ordinal))
        {
            return $"extra: {word} would run code on the worker that nobody reviewed: a job cannot pass it (a generation job's script is the way to run Python)";
        }

        if (SetFromTheJob.FirstOrDefault(s => s.Names.Contains(word, StringComparer.Ordinal)) is { Names: not null } set)
        {
            return set.Field.StartsWith("nothing", StringComparison.Ordinal)
                ? $"extra: {word} is the worker's to set ({set.Field["nothing: ".Length..]})"
                : $"extra: {word} is set by the worker from the job's {set.Field}: set that instead";
        }

        var names = string.Join(", ", AllowList.SelectMany(a => a.Names.Take(1)));
        return $"extra: {Shown(word)} is not one of the Blender arguments a job may pass ({names}; docs/farm.md, \"Blender arguments from extra\")";
    }

    /// <summary>A scene's name as Blender's UI allows it (at most 63 characters), not an option, no control characters.</summary>
    private static bool IsSceneName(string value) =>
        value.Length is > 0 and <= 63 && !value.StartsWith('-') && !value.Any(char.IsControl);

    private static string Shown(string value) => value.Any(char.IsControl) || value.Length > 40
        ? "an argument of " + value.Length + " characters"
        : "'" + value + "'";
}
