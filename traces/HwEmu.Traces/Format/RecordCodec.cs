using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using HwEmu.Traces.MessagePack;

namespace HwEmu.Traces.Format;

/// <summary>Helpers shared by the record structs.</summary>
internal static class RecordCodec
{
    /// <summary>Reads the array header and the type; on mismatch restores the position and returns false.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryBegin(ref MessagePackReader r, TraceRecordType type, int fields, out int extra)
    {
        extra = 0;
        int start = r.Position;
        ReadOnlySpan<byte> b = r.Buffer;
        if ((uint)(start + 1) < (uint)b.Length)
        {
            byte c = b[start];
            byte fixType = b[start + 1];
            if ((c & 0xf0) == MessagePackCode.MinFixArray && fixType <= MessagePackCode.MaxFixInt)
            {
                int count = c & 0x0f;
                if (fixType != (byte)type || count < 1 + fields)
                {
                    return false;
                }
                r.Position = start + 2;
                extra = count - 1 - fields;
                return true;
            }
        }
        if (r.End || r.NextType != MessagePackType.Array)
        {
            return false;
        }
        int n = r.ReadArrayHeader();
        if (n < 1 + fields || r.NextType != MessagePackType.Integer || r.NextCode >= MessagePackCode.MinNegativeFixInt)
        {
            r.Position = start;
            return false;
        }
        ulong t = r.ReadUInt64();
        if (t != (ulong)type)
        {
            r.Position = start;
            return false;
        }
        extra = n - 1 - fields;
        return true;
    }

    /// <summary>Skips fields appended by a newer format version.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SkipExtra(ref MessagePackReader r, int extra)
    {
        for (int i = 0; i < extra; i++)
        {
            r.Skip();
        }
    }

    /// <summary>Writes an optional 32-bit value as the value or nil.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteOptional(ref MessagePackWriter w, bool valid, uint value)
    {
        if (valid)
        {
            w.Write(value);
        }
        else
        {
            w.WriteNil();
        }
    }

    /// <summary>Reads an optional 32-bit value written by <see cref="WriteOptional"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint ReadOptional(ref MessagePackReader r, out bool valid)
    {
        if (r.TryReadNil())
        {
            valid = false;
            return 0;
        }
        valid = true;
        return r.ReadUInt32();
    }

    /// <summary>Writes little-endian 64-bit words as one bin value: the exact bytes of an in-memory queue entry.</summary>
    public static void WriteWords(ref MessagePackWriter w, ulong w0, ulong w1)
    {
        Span<byte> b = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(b, w0);
        BinaryPrimitives.WriteUInt64LittleEndian(b.Slice(8), w1);
        w.WriteBinary(b);
    }

    /// <summary>Writes four little-endian 64-bit words as one 32-byte bin value.</summary>
    public static void WriteWords(ref MessagePackWriter w, ulong w0, ulong w1, ulong w2, ulong w3)
    {
        Span<byte> b = stackalloc byte[32];
        BinaryPrimitives.WriteUInt64LittleEndian(b, w0);
        BinaryPrimitives.WriteUInt64LittleEndian(b.Slice(8), w1);
        BinaryPrimitives.WriteUInt64LittleEndian(b.Slice(16), w2);
        BinaryPrimitives.WriteUInt64LittleEndian(b.Slice(24), w3);
        w.WriteBinary(b);
    }

    /// <summary>Reads a bin of exactly <paramref name="bytes"/> bytes.</summary>
    public static ReadOnlySpan<byte> ReadFixedBinary(ref MessagePackReader r, int bytes, string what)
    {
        long at = r.Offset;
        ReadOnlySpan<byte> b = r.ReadBinary();
        if (b.Length != bytes)
        {
            throw new MessagePackFormatException(at, $"{what} must be {bytes} bytes but is {b.Length}");
        }
        return b;
    }
}
