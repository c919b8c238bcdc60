using System.Buffers.Binary;
using System.IO.Compression;

namespace Provisioner.IntegrationTests.Support;

/// <summary>
/// Reads a pixel of a rendered PNG (8-bit RGB or RGBA, not interlaced: what Blender writes), to
/// tell a frame that has its texture from one Blender rendered magenta because it had none.
/// </summary>
public static class FramePixels
{
    /// <summary>The (R, G, B) at the image's centre.</summary>
    public static (int R, int G, int B) Center(string path)
    {
        var data = File.ReadAllBytes(path);
        int width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        for (var at = 8; at + 8 <= data.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(at));
            var type = System.Text.Encoding.ASCII.GetString(data, at + 4, 4);
            var body = data.AsSpan(at + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(body);
                height = BinaryPrimitives.ReadInt32BigEndian(body[4..]);
                Assert.True(body[8] == 8 && body[12] == 0, $"{path}: only 8-bit, non-interlaced PNGs are read here");
                channels = body[9] switch { 2 => 3, 6 => 4, var t => throw new InvalidDataException($"{path}: PNG colour type {t} is not RGB or RGBA") };
            }
            else if (type == "IDAT")
            {
                idat.Write(body);
            }

            at += 12 + length;
        }

        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionMode.Decompress))
        {
            zlib.CopyTo(inflated);
        }

        var raw = inflated.ToArray();
        var stride = width * channels;
        var previous = new byte[stride];
        var row = new byte[stride];
        for (var y = 0; y <= height / 2; y++)
        {
            var filter = raw[y * (stride + 1)];
            var line = raw.AsSpan(y * (stride + 1) + 1, stride);
            for (var x = 0; x < stride; x++)
            {
                int left = x >= channels ? row[x - channels] : 0, up = previous[x], upLeft = x >= channels ? previous[x - channels] : 0;
                row[x] = (byte)(line[x] + filter switch
                {
                    0 => 0,
                    1 => left,
                    2 => up,
                    3 => (left + up) / 2,
                    4 => Paeth(left, up, upLeft),
                    _ => throw new InvalidDataException($"{path}: PNG filter {filter}"),
                });
            }

            (previous, row) = (row, previous);
        }

        var centre = (width / 2) * channels;
        return (previous[centre], previous[centre + 1], previous[centre + 2]);
    }

    /// <summary>tests/farm/make_textured_scene.py's texture, (0, 255, 0), give or take Blender's dither (±2).</summary>
    public static bool IsTextureGreen((int R, int G, int B) pixel) => pixel.R <= 8 && pixel.G >= 245 && pixel.B <= 8;

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
