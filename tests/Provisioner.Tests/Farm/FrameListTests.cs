using Provisioner.Farm.Frames;

namespace Provisioner.Tests.Farm;

public sealed class FrameListTests
{
    [Theory]
    [InlineData("1-240", 240, 1, 240)]
    [InlineData("1,5,9", 3, 1, 9)]
    [InlineData("1-10,20,30..40", 22, 1, 40)]
    [InlineData(" 5 , 3-4 ,4", 3, 3, 5)]
    [InlineData("0", 1, 0, 0)]
    public void TryParse_UserSyntax_SortedDistinctFrames(string text, int count, int first, int last)
    {
        var frames = FrameList.TryParse(text, out var error);

        Assert.True(frames is not null, error);
        Assert.Equal((count, first, last), (frames.Count, frames.Frames[0], frames.Frames[^1]));
        Assert.Equal(frames.Frames.Order(), frames.Frames);
    }

    [Theory]
    [InlineData("", "no frames given")]
    [InlineData("10-1", "range '10-1' runs backwards: write 1-10")]
    [InlineData("1-5-9", "'1-5-9' is not a frame or a range")]
    [InlineData("a-b", "'a-b' is not a frame or a range")]
    [InlineData("-3", "'-3' is not a frame or a range")]
    [InlineData("1,,2", "'' is not a frame or a range")]
    [InlineData("1-2000000", "beyond Blender's last frame")]
    [InlineData("1-200000", "more than 100000 frames")]
    public void TryParse_BadInput_SaysWhatIsWrong(string text, string expected)
    {
        Assert.Null(FrameList.TryParse(text, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void ToBlenderArgument_UsesDotDotForRuns_NeverADash()
    {
        var frames = FrameList.Parse("1-5,9,11-12");

        Assert.Equal("1..5,9,11..12", frames.ToBlenderArgument());
        Assert.Equal("1-5,9,11-12", frames.ToString());
        Assert.Equal(frames, FrameList.Parse(frames.ToString()));
    }

    [Fact]
    public void Chunk_SplitsInOrderIntoTasksOfAtMostN()
    {
        var chunks = FrameList.Parse("1-12").Chunk(5);

        Assert.Equal(["1-5", "6-10", "11-12"], chunks.Select(c => c.ToString()));
    }

    [Theory]
    [InlineData(60, null, 240, 3, 5)]       // nothing measured: the default
    [InlineData(60, 2.0, 240, 3, 30)]       // 60 s of 2 s frames
    [InlineData(60, 0.1, 240, 3, 80)]       // 600 frames would fit, but 3 workers must each get a share
    [InlineData(1, 30.0, 240, 3, 1)]        // a frame longer than the target: one frame per task
    [InlineData(60, 2.0, 240, 0, 30)]       // no live worker known: not capped
    public void ChunkSizing_TowardTheTargetRuntime(double targetSeconds, double? perFrame, int frames, int workers, int expected)
    {
        Assert.Equal(expected, ChunkSizing.ForTarget(TimeSpan.FromSeconds(targetSeconds), perFrame, frames, workers));
    }
}
