using System.Globalization;
using System.Text;

namespace Provisioner.Farm.Frames;

/// <summary>
/// A sorted set of distinct frame numbers, parsed from what a user types: <c>1-240</c>,
/// <c>1,5,9</c>, or mixes such as <c>1-10,20,30..40</c>. Blender's own syntax for a range is
/// <c>a..b</c>; <see cref="ToBlenderArgument"/> writes that, never <c>a-b</c> (which Blender would
/// read as "frame a, relative end b").
/// </summary>
public sealed record FrameList(IReadOnlyList<int> Frames)
{
    /// <summary>Blender accepts frames up to 1,048,574; a job beyond that is a typo.</summary>
    public const int MaxFrame = 1_048_574;

    /// <summary>More frames than this in one job is almost certainly a typo (e.g. 1-1000000).</summary>
    public const int MaxCount = 100_000;

    public int Count => Frames.Count;

    /// <summary>Parses <paramref name="text"/>; on bad input returns null and says what is wrong in <paramref name="error"/>.</summary>
    public static FrameList? TryParse(string? text, out string error)
    {
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "no frames given: write them as 1-240, 1,5,9 or a mix such as 1-10,20";
            return null;
        }

        var frames = new SortedSet<int>();
        foreach (var rawPart in text.Split(','))
        {
            var part = rawPart.Trim();
            var separator = part.Contains("..", StringComparison.Ordinal) ? ".." : "-";
            var bounds = part.Split(separator);
            if (bounds.Length > 2 || !bounds.All(IsFrameNumber))
            {
                error = $"'{part}' is not a frame or a range: write a frame as 12 and a range as 1-240 (or 1..240)";
                return null;
            }

            var first = int.Parse(bounds[0], CultureInfo.InvariantCulture);
            var last = bounds.Length == 2 ? int.Parse(bounds[1], CultureInfo.InvariantCulture) : first;
            if (first > last)
            {
                error = $"range '{part}' runs backwards: write {last}-{first}";
                return null;
            }

            if (last > MaxFrame)
            {
                error = $"frame {last} is beyond Blender's last frame ({MaxFrame})";
                return null;
            }

            if ((long)frames.Count + (last - first + 1) > MaxCount)
            {
                error = $"more than {MaxCount} frames in one job: split it into several jobs";
                return null;
            }

            for (var frame = first; frame <= last; frame++)
            {
                frames.Add(frame);
            }
        }

        return new FrameList(frames.ToArray());
    }

    public static FrameList Parse(string text) =>
        TryParse(text, out var error) ?? throw new FormatException(error);

    private static bool IsFrameNumber(string text) =>
        text.Length is > 0 and <= 7 && text.All(char.IsAsciiDigit);

    /// <summary>The frames as Blender's <c>-f</c> wants them: runs as <c>a..b</c>, single frames bare, comma-joined.</summary>
    public string ToBlenderArgument() => Format("..");

    /// <summary>The frames as a person reads them (and as <see cref="TryParse"/> reads them back): <c>1-5,9</c>.</summary>
    public override string ToString() => Format("-");

    private string Format(string rangeSeparator)
    {
        var text = new StringBuilder();
        var i = 0;
        while (i < Frames.Count)
        {
            var j = i;
            while (j + 1 < Frames.Count && Frames[j + 1] == Frames[j] + 1)
            {
                j++;
            }

            if (text.Length > 0)
            {
                text.Append(',');
            }

            text.Append(Frames[i].ToString(CultureInfo.InvariantCulture));
            if (j > i)
            {
                text.Append(rangeSeparator).Append(Frames[j].ToString(CultureInfo.InvariantCulture));
            }

            i = j + 1;
        }

        return text.ToString();
    }

    /// <summary>Splits the frames, in order, into chunks of at most <paramref name="size"/> frames: one task each.</summary>
    public IReadOnlyList<FrameList> Chunk(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        return Frames.Chunk(size).Select(chunk => new FrameList(chunk)).ToArray();
    }

    public bool Equals(FrameList? other) => other is not null && Frames.SequenceEqual(other.Frames);

    public override int GetHashCode() => Frames.Count == 0 ? 0 : HashCode.Combine(Frames.Count, Frames[0], Frames[^1]);
}
