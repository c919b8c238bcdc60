using System.Buffers.Binary;

namespace Provisioner.Worker.Rendering;

/// <summary>
/// Decides whether a JPEG frame is whole by its structure: the start marker, every segment's
/// length inside the file, a frame header (SOF) with a non-zero size, a scan (SOS), and the end
/// marker (EOI) as the file's last two bytes. A frame cut short by a full disk or a killed Blender
/// has no EOI. The entropy-coded pixels themselves are not decoded.
/// </summary>
public static class JpegCheck
{
    public static (string? Problem, int Width, int Height) Inspect(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4 || data[0] != 0xFF || data[1] != 0xD8)
        {
            return ("not a JPEG (no start-of-image marker)", 0, 0);
        }

        var position = 2;
        int width = 0, height = 0;
        while (true)
        {
            if (position + 4 > data.Length)
            {
                return ("truncated: the file ends inside the header segments", width, height);
            }

            if (data[position] != 0xFF)
            {
                return ($"corrupt: no segment marker at byte {position}", width, height);
            }

            var marker = data[position + 1];
            var length = BinaryPrimitives.ReadUInt16BigEndian(data[(position + 2)..]);
            if (length < 2 || position + 2 + length > data.Length)
            {
                return ("truncated: a segment runs past the end of the file", width, height);
            }

            // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC): precision, height, width.
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC && length >= 7)
            {
                height = BinaryPrimitives.ReadUInt16BigEndian(data[(position + 5)..]);
                width = BinaryPrimitives.ReadUInt16BigEndian(data[(position + 7)..]);
            }

            position += 2 + length;
            if (marker == 0xDA)
            {
                break; // start of scan: the entropy-coded data follows
            }
        }

        if (width == 0 || height == 0)
        {
            return ("corrupt: no frame header (SOF) with a size before the scan", width, height);
        }

        return data.Length < position + 2 || data[^2] != 0xFF || data[^1] != 0xD9
            ? ("truncated: no end-of-image marker (the file was cut short)", width, height)
            : (null, width, height);
    }
}
