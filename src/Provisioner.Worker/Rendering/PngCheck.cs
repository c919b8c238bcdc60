using System.Buffers.Binary;
using System.IO.Compression;

namespace Provisioner.Worker.Rendering;

/// <summary>
/// Decides whether a frame file is a whole PNG: signature, every chunk's CRC, a sane IHDR, and
/// the image data inflated to exactly the size its header promises with valid row filters, up
/// to IEND. A frame cut short by a full disk or a killed Blender fails here, so a task only
/// counts as done when every frame decodes.
/// </summary>
public static class PngCheck
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Null when the file decodes; otherwise what is wrong with it (read as <see cref="FrameCheck"/> reads every frame).</summary>
    public static string? Problem(string path) => FrameCheck.Problem(path, Farm.Jobs.FrameFormats.Png);

    public static string? Problem(ReadOnlySpan<byte> data)
    {
        if (data.Length < Signature.Length || !data[..Signature.Length].SequenceEqual(Signature))
        {
            return "not a PNG (bad signature)";
        }

        var position = Signature.Length;
        Header? header = null;
        using var idat = new MemoryStream();
        while (true)
        {
            if (position + 12 > data.Length)
            {
                return "truncated: the file ends inside a chunk (no IEND)";
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(data[position..]);
            if (length > int.MaxValue || position + 12 + (long)length > data.Length)
            {
                return "truncated: a chunk runs past the end of the file";
            }

            var type = data.Slice(position + 4, 4);
            var body = data.Slice(position + 8, (int)length);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(data[(position + 8 + (int)length)..]);
            if (System.IO.Hashing.Crc32.HashToUInt32(data.Slice(position + 4, 4 + (int)length)) != crc)
            {
                return $"chunk {System.Text.Encoding.ASCII.GetString(type)} has a bad CRC (corrupt)";
            }

            position += 12 + (int)length;
            if (type.SequenceEqual("IHDR"u8))
            {
                header = Header.Read(body);
                if (header is null)
                {
                    return "IHDR is malformed";
                }
            }
            else if (type.SequenceEqual("IDAT"u8))
            {
                idat.Write(body);
            }
            else if (type.SequenceEqual("IEND"u8))
            {
                break;
            }
        }

        return header is null ? "no IHDR chunk" : CheckImageData(header, idat.ToArray());
    }

    private static string? CheckImageData(Header header, byte[] compressed)
    {
        var expected = header.Interlaced ? -1 : (long)header.Height * (1 + header.RowBytes);
        try
        {
            using var inflater = new ZLibStream(new MemoryStream(compressed), CompressionMode.Decompress);
            using var raw = new MemoryStream();
            inflater.CopyTo(raw);
            if (expected >= 0 && raw.Length != expected)
            {
                return $"image data inflates to {raw.Length} bytes, the header promises {expected}";
            }

            if (!header.Interlaced)
            {
                var pixels = raw.GetBuffer();
                for (long row = 0; row < header.Height; row++)
                {
                    if (pixels[row * (1 + header.RowBytes)] > 4)
                    {
                        return $"row {row} has an unknown filter type";
                    }
                }
            }

            return null;
        }
        catch (InvalidDataException e)
        {
            return "image data does not inflate: " + e.Message;
        }
    }

    private sealed record Header(uint Width, uint Height, long RowBytes, bool Interlaced)
    {
        public static Header? Read(ReadOnlySpan<byte> body)
        {
            if (body.Length != 13)
            {
                return null;
            }

            var width = BinaryPrimitives.ReadUInt32BigEndian(body);
            var height = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
            var bitDepth = body[8];
            int channels = body[9] switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => 0 };
            if (width == 0 || height == 0 || channels == 0 || bitDepth is not (1 or 2 or 4 or 8 or 16))
            {
                return null;
            }

            var rowBytes = ((long)width * channels * bitDepth + 7) / 8;
            return new Header(width, height, rowBytes, body[12] == 1);
        }
    }
}
