using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace HwEmu.Traces.MessagePack;

/// <summary>
/// Writes MessagePack into an <see cref="IBufferWriter{T}"/>, always choosing the shortest encoding the
/// MessagePack-CSharp / @msgpack/msgpack convention uses: non-negative integers in the unsigned family, negative ones
/// in the signed family, floats never narrowed, fix/8/16/32 headers by length. Call <see cref="Flush"/> to commit
/// the bytes to the buffer writer. No allocation (strings are transcoded straight into the output span).
/// </summary>
public ref struct MessagePackWriter
{
    private readonly IBufferWriter<byte> _output;
    private Span<byte> _span;
    private int _used;
    private long _flushed;

    /// <summary>Creates a writer over <paramref name="output"/>.</summary>
    public MessagePackWriter(IBufferWriter<byte> output)
    {
        _output = output;
        _span = default;
        _used = 0;
        _flushed = 0;
    }

    /// <summary>Bytes written so far through this writer (flushed or not).</summary>
    public readonly long BytesWritten => _flushed + _used;

    /// <summary>Commits the buffered bytes to the underlying <see cref="IBufferWriter{T}"/>.</summary>
    public void Flush()
    {
        if (_used > 0)
        {
            _output.Advance(_used);
            _flushed += _used;
        }
        _span = default;
        _used = 0;
    }

    /// <summary>Writes nil (0xc0).</summary>
    public void WriteNil()
    {
        Reserve(1) = MessagePackCode.Nil;
        _used += 1;
    }

    /// <summary>Writes true (0xc3) or false (0xc2).</summary>
    public void Write(bool value)
    {
        Reserve(1) = value ? MessagePackCode.True : MessagePackCode.False;
        _used += 1;
    }

    /// <summary>Writes an unsigned integer: positive fixint, uint 8, 16, 32 or 64, whichever is shortest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(ulong value)
    {
        if (value <= MessagePackCode.MaxFixInt)
        {
            Reserve(1) = (byte)value;
            _used += 1;
        }
        else
        {
            WriteUnsignedSlow(value);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteUnsignedSlow(ulong value)
    {
        ref byte d = ref Reserve(9);
        if (value <= byte.MaxValue)
        {
            d = MessagePackCode.UInt8;
            Unsafe.Add(ref d, 1) = (byte)value;
            _used += 2;
        }
        else if (value <= ushort.MaxValue)
        {
            d = MessagePackCode.UInt16;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, 1), BigEndian((ushort)value));
            _used += 3;
        }
        else if (value <= uint.MaxValue)
        {
            d = MessagePackCode.UInt32;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, 1), BigEndian((uint)value));
            _used += 5;
        }
        else
        {
            d = MessagePackCode.UInt64;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, 1), BigEndian(value));
            _used += 9;
        }
    }

    /// <summary>Writes a signed integer: non-negative values as <see cref="Write(ulong)"/>; negative ones as negative
    /// fixint, int 8, 16, 32 or 64, whichever is shortest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(long value)
    {
        if (value >= 0)
        {
            Write((ulong)value);
            return;
        }
        if (value >= -32)
        {
            Reserve(1) = (byte)(sbyte)value;
            _used += 1;
            return;
        }
        ref byte d = ref Reserve(9);
        if (value >= sbyte.MinValue)
        {
            d = MessagePackCode.Int8;
            Unsafe.Add(ref d, 1) = (byte)(sbyte)value;
            _used += 2;
        }
        else if (value >= short.MinValue)
        {
            d = MessagePackCode.Int16;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, 1), BigEndian((ushort)(short)value));
            _used += 3;
        }
        else if (value >= int.MinValue)
        {
            d = MessagePackCode.Int32;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, 1), BigEndian((uint)(int)value));
            _used += 5;
        }
        else
        {
            d = MessagePackCode.Int64;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, 1), BigEndian((ulong)value));
            _used += 9;
        }
    }

    /// <summary>Writes an unsigned integer (shortest form).</summary>
    public void Write(uint value) => Write((ulong)value);

    /// <summary>Writes a signed integer (shortest form).</summary>
    public void Write(int value) => Write((long)value);

    /// <summary>Writes a float 32 (0xca); never narrowed or widened.</summary>
    public void Write(float value)
    {
        ref byte d = ref Reserve(5);
        d = MessagePackCode.Float32;
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, 1), BigEndian(BitConverter.SingleToUInt32Bits(value)));
        _used += 5;
    }

    /// <summary>Writes a float 64 (0xcb); never narrowed.</summary>
    public void Write(double value)
    {
        ref byte d = ref Reserve(9);
        d = MessagePackCode.Float64;
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, 1), BigEndian(BitConverter.DoubleToUInt64Bits(value)));
        _used += 9;
    }

    /// <summary>Writes an array header: fixarray (≤ 15), array 16 (≤ 65535) or array 32.</summary>
    public void WriteArrayHeader(uint count)
    {
        if (count <= 15)
        {
            Reserve(1) = (byte)(MessagePackCode.MinFixArray | count);
            _used += 1;
        }
        else
        {
            WriteLength16Or32(count, MessagePackCode.Array16, MessagePackCode.Array32);
        }
    }

    /// <summary>Writes a map header (pairs): fixmap (≤ 15), map 16 (≤ 65535) or map 32.</summary>
    public void WriteMapHeader(uint count)
    {
        if (count <= 15)
        {
            Reserve(1) = (byte)(MessagePackCode.MinFixMap | count);
            _used += 1;
        }
        else
        {
            WriteLength16Or32(count, MessagePackCode.Map16, MessagePackCode.Map32);
        }
    }

    /// <summary>Writes a string header for <paramref name="byteCount"/> UTF-8 bytes: fixstr, str 8, 16 or 32.</summary>
    public void WriteStringHeader(int byteCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(byteCount);
        if (byteCount <= 31)
        {
            Reserve(1) = (byte)(MessagePackCode.MinFixStr | byteCount);
            _used += 1;
        }
        else if (byteCount <= byte.MaxValue)
        {
            ref byte d = ref Reserve(2);
            d = MessagePackCode.Str8;
            Unsafe.Add(ref d, 1) = (byte)byteCount;
            _used += 2;
        }
        else
        {
            WriteLength16Or32((uint)byteCount, MessagePackCode.Str16, MessagePackCode.Str32);
        }
    }

    /// <summary>Writes a string from UTF-16 text (transcoded to UTF-8 in place).</summary>
    public void WriteString(scoped ReadOnlySpan<char> value)
    {
        int byteCount = Encoding.UTF8.GetByteCount(value);
        WriteStringHeader(byteCount);
        Reserve(byteCount);
        int n = Encoding.UTF8.GetBytes(value, _span.Slice(_used));
        _used += n;
    }

    /// <summary>Writes a string whose UTF-8 bytes are given (not validated).</summary>
    public void WriteStringUtf8(scoped ReadOnlySpan<byte> utf8)
    {
        WriteStringHeader(utf8.Length);
        WriteRaw(utf8);
    }

    /// <summary>Writes a binary header for <paramref name="length"/> bytes: bin 8, 16 or 32 (bin has no fix form).</summary>
    public void WriteBinaryHeader(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length <= byte.MaxValue)
        {
            ref byte d = ref Reserve(2);
            d = MessagePackCode.Bin8;
            Unsafe.Add(ref d, 1) = (byte)length;
            _used += 2;
        }
        else
        {
            WriteLength16Or32((uint)length, MessagePackCode.Bin16, MessagePackCode.Bin32);
        }
    }

    /// <summary>Writes a binary value.</summary>
    public void WriteBinary(scoped ReadOnlySpan<byte> value)
    {
        WriteBinaryHeader(value.Length);
        WriteRaw(value);
    }

    /// <summary>Writes an extension header: fixext 1/2/4/8/16 for those lengths, else ext 8, 16 or 32.</summary>
    public void WriteExtensionHeader(sbyte type, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ref byte d = ref Reserve(6);
        byte fix = length switch
        {
            1 => MessagePackCode.FixExt1,
            2 => MessagePackCode.FixExt2,
            4 => MessagePackCode.FixExt4,
            8 => MessagePackCode.FixExt8,
            16 => MessagePackCode.FixExt16,
            _ => 0,
        };
        if (fix != 0)
        {
            d = fix;
            Unsafe.Add(ref d, 1) = (byte)type;
            _used += 2;
        }
        else if (length <= byte.MaxValue)
        {
            d = MessagePackCode.Ext8;
            Unsafe.Add(ref d, 1) = (byte)length;
            Unsafe.Add(ref d, 2) = (byte)type;
            _used += 3;
        }
        else if (length <= ushort.MaxValue)
        {
            d = MessagePackCode.Ext16;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, 1), BigEndian((ushort)length));
            Unsafe.Add(ref d, 3) = (byte)type;
            _used += 4;
        }
        else
        {
            d = MessagePackCode.Ext32;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, 1), BigEndian((uint)length));
            Unsafe.Add(ref d, 5) = (byte)type;
            _used += 6;
        }
    }

    /// <summary>Writes an extension value.</summary>
    public void WriteExtension(sbyte type, scoped ReadOnlySpan<byte> data)
    {
        WriteExtensionHeader(type, data.Length);
        WriteRaw(data);
    }

    /// <summary>
    /// Writes a timestamp (extension type -1) in the shortest of its three forms (msgpack spec "Timestamp extension
    /// type"): timestamp 32 when nanoseconds are 0 and seconds fit in 32 unsigned bits, timestamp 64 when seconds fit
    /// in 34 unsigned bits, else timestamp 96.
    /// </summary>
    public void WriteTimestamp(long seconds, uint nanoseconds)
    {
        if (nanoseconds > 999_999_999)
        {
            throw new ArgumentOutOfRangeException(nameof(nanoseconds), "Timestamp nanoseconds must be ≤ 999999999.");
        }
        if (((ulong)seconds >> 34) == 0)
        {
            ulong data64 = ((ulong)nanoseconds << 34) | (ulong)seconds;
            if ((data64 & 0xffffffff00000000UL) == 0)
            {
                ref byte d = ref Reserve(6);
                d = MessagePackCode.FixExt4;
                Unsafe.Add(ref d, 1) = 0xff;
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, 2), BigEndian((uint)data64));
                _used += 6;
            }
            else
            {
                ref byte d = ref Reserve(10);
                d = MessagePackCode.FixExt8;
                Unsafe.Add(ref d, 1) = 0xff;
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, 2), BigEndian(data64));
                _used += 10;
            }
        }
        else
        {
            ref byte d = ref Reserve(15);
            d = MessagePackCode.Ext8;
            Unsafe.Add(ref d, 1) = 12;
            Unsafe.Add(ref d, 2) = 0xff;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, 3), BigEndian(nanoseconds));
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, 7), BigEndian((ulong)seconds));
            _used += 15;
        }
    }

    /// <summary>Copies already-encoded MessagePack bytes to the output.</summary>
    public void WriteRaw(scoped ReadOnlySpan<byte> bytes)
    {
        Reserve(bytes.Length);
        bytes.CopyTo(_span.Slice(_used));
        _used += bytes.Length;
    }

    private void WriteLength16Or32(uint count, byte code16, byte code32)
    {
        ref byte d = ref Reserve(5);
        if (count <= ushort.MaxValue)
        {
            d = code16;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, 1), BigEndian((ushort)count));
            _used += 3;
        }
        else
        {
            d = code32;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, 1), BigEndian(count));
            _used += 5;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref byte Reserve(int size)
    {
        if (_span.Length - _used < size)
        {
            Refill(size);
        }
        return ref Unsafe.Add(ref MemoryMarshal.GetReference(_span), _used);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private void Refill(int size)
    {
        Flush();
        _span = _output.GetSpan(size);
        if (_span.Length < size)
        {
            throw new InvalidOperationException("The IBufferWriter returned a span shorter than requested.");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ushort BigEndian(ushort v) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(v) : v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint BigEndian(uint v) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(v) : v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong BigEndian(ulong v) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(v) : v;
}
