using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using Provisioner.Worker.Rendering;

namespace Provisioner.Tests.Farm;

public sealed class PngCheckTests
{
    /// <summary>A real 3x2 RGBA PNG built here chunk by chunk (zlib data, CRCs).</summary>
    private static byte[] Png(int width = 3, int height = 2, int rowsWritten = -1, byte filter = 0)
    {
        var rows = rowsWritten < 0 ? height : rowsWritten;
        var raw = new byte[rows * (1 + width * 4)];
        for (var r = 0; r < rows; r++)
        {
            raw[r * (1 + width * 4)] = filter;
        }

        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            z.Write(raw);
        }

        var header = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), (uint)height);
        header[8] = 8;
        header[9] = 6;
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        Chunk(png, "IHDR", header);
        Chunk(png, "IDAT", compressed.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream stream, string type, byte[] body)
    {
        var buffer = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(buffer, (uint)body.Length);
        stream.Write(buffer);
        var typed = System.Text.Encoding.ASCII.GetBytes(type).Concat(body).ToArray();
        stream.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(buffer, Crc32.HashToUInt32(typed));
        stream.Write(buffer);
    }

    [Fact]
    public void WholePng_Decodes() => Assert.Null(PngCheck.Problem(Png()));

    [Fact]
    public void TruncatedFile_IsCaught()
    {
        var png = Png();
        Assert.Contains("truncated", PngCheck.Problem(png.AsSpan(0, png.Length - 20)), StringComparison.Ordinal);
    }

    [Fact]
    public void FlippedByte_BadCrc()
    {
        var png = Png();
        png[40] ^= 0xFF;
        Assert.Contains("bad CRC", PngCheck.Problem(png), StringComparison.Ordinal);
    }

    [Fact]
    public void TooFewRows_ImageDataShorterThanTheHeaderPromises()
    {
        Assert.Equal("image data inflates to 13 bytes, the header promises 26", PngCheck.Problem(Png(rowsWritten: 1)));
    }

    [Fact]
    public void UnknownRowFilter_IsCaught() => Assert.Equal("row 0 has an unknown filter type", PngCheck.Problem(Png(filter: 9)));

    [Fact]
    public void NotAPng_BadSignature() => Assert.Equal("not a PNG (bad signature)", PngCheck.Problem("GIF89a......"u8));
}
