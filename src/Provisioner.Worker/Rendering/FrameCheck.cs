using Provisioner.Farm.Jobs;

namespace Provisioner.Worker.Rendering;

/// <summary>Whether a frame file is whole, by the job's format: a task counts as done only when every frame passes.</summary>
public static class FrameCheck
{
    /// <summary>Null when the file is a whole frame of <paramref name="format"/> (null: PNG); otherwise what is wrong with it.</summary>
    public static string? Problem(string path, string? format)
    {
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (IOException e)
        {
            return "unreadable: " + e.Message;
        }

        return format switch
        {
            null or FrameFormats.Png => PngCheck.Problem(data),
            FrameFormats.Jpeg => JpegCheck.Inspect(data).Problem,
            FrameFormats.OpenExr => ExrCheck.Inspect(data).Problem,
            _ => $"no check for frame format {format}",
        };
    }
}
