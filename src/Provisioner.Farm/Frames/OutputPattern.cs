using System.Globalization;
using System.Text.RegularExpressions;

namespace Provisioner.Farm.Frames;

/// <summary>
/// Where a job's frames go and what each is called. A job's <c>output</c> is a directory (frames
/// named <c>frame_####.png</c>) or a path whose file name holds a run of '#' that Blender replaces
/// by the zero-padded frame number, e.g. <c>/mnt/renders/shot10/beauty_#####</c>.
/// </summary>
public sealed partial record OutputPattern(string Directory, string FilePattern)
{
    public static OutputPattern FromJobOutput(string output)
    {
        var name = Path.GetFileName(output.TrimEnd('/'));
        return HashRun().IsMatch(name)
            ? new OutputPattern(Path.GetDirectoryName(output.TrimEnd('/')) ?? "/", name)
            : new OutputPattern(output.TrimEnd('/'), "frame_####");
    }

    /// <summary>The file Blender writes for <paramref name="frame"/> (with <c>-x 1 -F FORMAT</c>): the last run of '#' padded, plus the format's extension (.png by default).</summary>
    public string FileName(int frame, string? format = null)
    {
        var runs = HashRun().Matches(FilePattern);
        var run = runs[^1];
        var number = frame.ToString(CultureInfo.InvariantCulture).PadLeft(run.Length, '0');
        return FilePattern[..run.Index] + number + FilePattern[(run.Index + run.Length)..] + Jobs.FrameFormats.Extension(format);
    }

    [GeneratedRegex("#+")]
    private static partial Regex HashRun();
}
