using System.Buffers.Binary;
using System.Text;

namespace Provisioner.Worker.Rendering;

/// <summary>
/// Decides whether an OpenEXR frame is whole: the magic number and version, a header that ends
/// inside the file with its channels, compression and data window, and (for the scanline images
/// Blender writes) an offset table whose every chunk lies wholly inside the file. A frame cut
/// short loses its last chunks and fails here. The pixels are not decompressed (no well-kept .NET
/// library reads EXR); tiled or multi-part files are checked up to their header.
/// </summary>
public static class ExrCheck
{
    private const int Magic = 20000630;

    public static (string? Problem, int Width, int Height) Inspect(ReadOnlySpan<byte> data)
    {
        if (data.Length < 8 || BinaryPrimitives.ReadInt32LittleEndian(data) != Magic)
        {
            return ("not an OpenEXR file (bad magic number)", 0, 0);
        }

        var version = BinaryPrimitives.ReadInt32LittleEndian(data[4..]);
        if ((version & 0xFF) != 2)
        {
            return ($"unknown OpenEXR version {version & 0xFF}", 0, 0);
        }

        var tiledOrMultipart = (version & 0x200) != 0 || (version & 0x1000) != 0;
        var position = 8;
        int? compression = null;
        (int XMin, int YMin, int XMax, int YMax)? window = null;
        var channels = false;
        while (true)
        {
            var name = ReadName(data, ref position);
            if (name is null)
            {
                return ("truncated: the file ends inside its header", 0, 0);
            }

            if (name.Length == 0)
            {
                break; // the header's end
            }

            if (ReadName(data, ref position) is not { } type || position + 4 > data.Length)
            {
                return ("truncated: the file ends inside its header", 0, 0);
            }

            var size = BinaryPrimitives.ReadInt32LittleEndian(data[position..]);
            position += 4;
            if (size < 0 || position + size > data.Length)
            {
                return ($"truncated: header attribute {name} runs past the end of the file", 0, 0);
            }

            var value = data.Slice(position, size);
            switch (name)
            {
                case "compression" when type == "compression" && size == 1:
                    compression = value[0];
                    break;
                case "dataWindow" when type == "box2i" && size == 16:
                    window = (BinaryPrimitives.ReadInt32LittleEndian(value), BinaryPrimitives.ReadInt32LittleEndian(value[4..]),
                        BinaryPrimitives.ReadInt32LittleEndian(value[8..]), BinaryPrimitives.ReadInt32LittleEndian(value[12..]));
                    break;
                case "channels" when type == "chlist":
                    channels = size > 1;
                    break;
            }

            position += size;
        }

        if (window is not { } w || w.XMax < w.XMin || w.YMax < w.YMin || compression is null || !channels)
        {
            return ("corrupt: the header lacks its channels, compression or data window", 0, 0);
        }

        int width = w.XMax - w.XMin + 1, height = w.YMax - w.YMin + 1;
        if (tiledOrMultipart)
        {
            return (null, width, height);
        }

        if (LinesPerChunk(compression.Value) is not { } lines)
        {
            return ($"unknown OpenEXR compression {compression}", width, height);
        }

        var chunks = (height + lines - 1) / lines;
        if (position + (8L * chunks) > data.Length)
        {
            return ("truncated: the file ends inside its offset table", width, height);
        }

        for (var i = 0; i < chunks; i++)
        {
            var offset = BinaryPrimitives.ReadInt64LittleEndian(data[(position + (8 * i))..]);
            if (offset < position || offset + 8 > data.Length)
            {
                return ($"truncated: chunk {i} of {chunks} is missing (the file was cut short)", width, height);
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(data[(int)(offset + 4)..]);
            if (length < 0 || offset + 8 + length > data.Length)
            {
                return ($"truncated: chunk {i} of {chunks} runs past the end of the file", width, height);
            }
        }

        return (null, width, height);
    }

    /// <summary>Scanlines per chunk for each compression (OpenEXR's file layout); null for an unknown one.</summary>
    private static int? LinesPerChunk(int compression) => compression switch
    {
        0 or 1 or 2 => 1, // none, RLE, ZIPS
        3 or 5 => 16, // ZIP, PXR24
        4 or 6 or 7 or 8 => 32, // PIZ, B44, B44A, DWAA
        9 => 256, // DWAB
        _ => null,
    };

    /// <summary>A NUL-terminated name at <paramref name="position"/> (moved past it), or null when the file ends first.</summary>
    private static string? ReadName(ReadOnlySpan<byte> data, ref int position)
    {
        var end = data[position..].IndexOf((byte)0);
        if (end < 0 || end > 255)
        {
            return null;
        }

        var name = Encoding.ASCII.GetString(data.Slice(position, end));
        position += end + 1;
        return name;
    }
}
