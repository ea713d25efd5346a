using System.Buffers.Binary;

namespace GrpcWorkflows.Storage.Sqlite.Internal;

/// <summary>
/// Reads a SQLite <c>-wal</c> file before SQLite opens it and says whether SQLite would silently
/// drop committed transactions from it. SQLite replays the frames of a WAL up to the last valid
/// commit frame and ignores the rest; a WAL whose header is damaged (zeroed, overwritten) is ignored
/// whole, so every commit not yet checkpointed into the database file would be lost without a word.
/// </summary>
/// <remarks>Format: https://sqlite.org/fileformat2.html#the_write_ahead_log.</remarks>
internal static class WalFileCheck
{
    private const int HeaderSize = 32;
    private const int FrameHeaderSize = 24;
    private const uint MagicLittleEndian = 0x377f0682;
    private const uint MagicBigEndian = 0x377f0683;
    private const uint FormatVersion = 3007000;

    /// <summary>Returns why the WAL at <paramref name="walPath"/> is damaged, or null when it is absent, empty or sound.</summary>
    public static string? FindDamage(string walPath)
    {
        if (!File.Exists(walPath))
        {
            return null;
        }

        using var file = new FileStream(walPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (file.Length == 0)
        {
            return null;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        if (file.Length < HeaderSize || file.ReadAtLeast(header, HeaderSize, throwOnEndOfStream: false) < HeaderSize)
        {
            return $"the write-ahead log is {file.Length} bytes, shorter than its {HeaderSize}-byte header";
        }

        var magic = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (magic is not (MagicLittleEndian or MagicBigEndian))
        {
            return $"the write-ahead log's header is damaged (magic number 0x{magic:x8}, expected 0x{MagicLittleEndian:x8} or 0x{MagicBigEndian:x8}); SQLite would ignore the whole log and every commit in it";
        }

        var bigEndian = magic == MagicBigEndian;
        uint s0 = 0, s1 = 0;
        Checksum(header[..24], bigEndian, ref s0, ref s1);
        if (BinaryPrimitives.ReadUInt32BigEndian(header[4..]) != FormatVersion
            || s0 != BinaryPrimitives.ReadUInt32BigEndian(header[24..])
            || s1 != BinaryPrimitives.ReadUInt32BigEndian(header[28..]))
        {
            return "the write-ahead log's header fails its checksum; SQLite would ignore the whole log and every commit in it";
        }

        var pageSize = (int)BinaryPrimitives.ReadUInt32BigEndian(header[8..]);
        if (pageSize == 1)
        {
            pageSize = 65536;
        }

        if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) != 0)
        {
            return $"the write-ahead log's header names an impossible page size ({pageSize})";
        }

        var salt1 = BinaryPrimitives.ReadUInt32BigEndian(header[16..]);
        var salt2 = BinaryPrimitives.ReadUInt32BigEndian(header[20..]);
        var frame = new byte[FrameHeaderSize + pageSize];
        var frameCount = (file.Length - HeaderSize) / frame.Length;
        var chainIntact = true;
        long brokenAt = -1;
        for (long index = 0; index < frameCount; index++)
        {
            file.ReadExactly(frame);
            var span = frame.AsSpan();
            var sameGeneration = BinaryPrimitives.ReadUInt32BigEndian(span[8..]) == salt1 && BinaryPrimitives.ReadUInt32BigEndian(span[12..]) == salt2;
            var commits = BinaryPrimitives.ReadUInt32BigEndian(span[4..]) != 0;
            if (chainIntact)
            {
                var t0 = s0;
                var t1 = s1;
                Checksum(span[..8], bigEndian, ref t0, ref t1);
                Checksum(span[FrameHeaderSize..], bigEndian, ref t0, ref t1);
                if (sameGeneration && BinaryPrimitives.ReadUInt32BigEndian(span) != 0
                    && t0 == BinaryPrimitives.ReadUInt32BigEndian(span[16..]) && t1 == BinaryPrimitives.ReadUInt32BigEndian(span[20..]))
                {
                    s0 = t0;
                    s1 = t1;
                    continue;
                }

                chainIntact = false;
                brokenAt = index;
            }

            // Past the break SQLite reads nothing. Frames of an older generation (other salts) are
            // left over from before the log was restarted; a commit frame of this generation is a
            // transaction that was committed and would be dropped.
            if (sameGeneration && commits)
            {
                return $"frame {brokenAt + 1} of the write-ahead log is damaged and transactions committed after it (up to frame {index + 1}) would be dropped by SQLite";
            }
        }

        return null;
    }

    private static void Checksum(ReadOnlySpan<byte> data, bool bigEndian, ref uint s0, ref uint s1)
    {
        for (var i = 0; i + 8 <= data.Length; i += 8)
        {
            var x0 = bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(data[i..]) : BinaryPrimitives.ReadUInt32LittleEndian(data[i..]);
            var x1 = bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(data[(i + 4)..]) : BinaryPrimitives.ReadUInt32LittleEndian(data[(i + 4)..]);
            unchecked
            {
                s0 += x0 + s1;
                s1 += x1 + s0;
            }
        }
    }
}
