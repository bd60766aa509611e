using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;

namespace HwEmu.Traces.MessagePack;

/// <summary>
/// Reads MessagePack from a span. Accepts every valid spelling of a value (non-minimal integers and lengths, per
/// msgpack/msgpack issue #320) but is strict about everything else: 0xc1, truncation, a declared length larger than
/// the bytes that remain (checked before anything is sized from it), nesting deeper than <see cref="MaxDepth"/>,
/// integer overflow into the requested type, invalid UTF-8 in strings, timestamps with a length other than 4/8/12 or
/// nanoseconds above 999 999 999 all throw <see cref="MessagePackFormatException"/> naming the byte offset.
/// Nothing here allocates except <see cref="ReadString"/>.
/// </summary>
public ref struct MessagePackReader
{
    /// <summary>Default nesting limit for <see cref="Skip"/>.</summary>
    public const int DefaultMaxDepth = 64;

    // Total encoded length of tokens whose length the first byte alone determines (0 = variable or 0xc1).
    internal static ReadOnlySpan<byte> FixedLength =>
    [
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, // 0x00
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, // 0x20
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, // 0x40
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, // 0x60
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // 0x80 maps, arrays
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // 0xa0 fixstr (UTF-8 checked)
        1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 5, 9, 2, 3, 5, 9, 2, 3, 5, 9, 3, 4, 6, 10, 18, 0, 0, 0, 0, 0, 0, 0, // 0xc0
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, // 0xe0
    ];

    private readonly ReadOnlySpan<byte> _buffer;
    private readonly long _baseOffset;
    private int _pos;

    /// <summary>Creates a reader over <paramref name="buffer"/>.</summary>
    /// <param name="buffer">The bytes to read.</param>
    /// <param name="baseOffset">Offset of <paramref name="buffer"/>[0] in the enclosing file, for error messages.</param>
    /// <param name="maxDepth">Maximum nesting of arrays/maps accepted by <see cref="Skip"/>.</param>
    public MessagePackReader(ReadOnlySpan<byte> buffer, long baseOffset = 0, int maxDepth = DefaultMaxDepth)
    {
        _buffer = buffer;
        _baseOffset = baseOffset;
        _pos = 0;
        MaxDepth = maxDepth;
    }

    /// <summary>Maximum nesting of arrays/maps accepted by <see cref="Skip"/>.</summary>
    public int MaxDepth { get; }

    /// <summary>Position in the buffer; may be set back to a previously read position.</summary>
    public int Position
    {
        readonly get => _pos;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, _buffer.Length);
            _pos = value;
        }
    }

    /// <summary>Absolute byte offset of the next token (base offset + position).</summary>
    public readonly long Offset => _baseOffset + _pos;

    /// <summary>True when every byte has been consumed.</summary>
    public readonly bool End => _pos >= _buffer.Length;

    /// <summary>Number of bytes not yet consumed.</summary>
    public readonly int Remaining => _buffer.Length - _pos;

    /// <summary>The whole buffer the reader was created over.</summary>
    public readonly ReadOnlySpan<byte> Buffer => _buffer;

    /// <summary>First byte of the next token.</summary>
    public readonly byte NextCode
    {
        get
        {
            if (_pos >= _buffer.Length)
            {
                ThrowTruncated(_pos, "a value", 1);
            }
            return _buffer[_pos];
        }
    }

    /// <summary>Type family of the next token (<see cref="MessagePackType.Unknown"/> for 0xc1).</summary>
    public readonly MessagePackType NextType => MessagePackCode.TypeOf(NextCode);

    /// <summary>Consumes a nil and returns true, or returns false without consuming anything.</summary>
    public bool TryReadNil()
    {
        if (_pos < _buffer.Length && _buffer[_pos] == MessagePackCode.Nil)
        {
            _pos++;
            return true;
        }
        return false;
    }

    /// <summary>Reads a nil.</summary>
    public void ReadNil()
    {
        if (NextCode != MessagePackCode.Nil)
        {
            ThrowMismatch(_pos, "nil");
        }
        _pos++;
    }

    /// <summary>Reads true or false.</summary>
    public bool ReadBoolean()
    {
        byte c = NextCode;
        if (c == MessagePackCode.True || c == MessagePackCode.False)
        {
            _pos++;
            return c == MessagePackCode.True;
        }
        ThrowMismatch(_pos, "a boolean");
        return false;
    }

    /// <summary>Reads any integer encoding as an unsigned 64-bit value; negative values are an error.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReadUInt64()
    {
        int p = _pos;
        ReadOnlySpan<byte> b = _buffer;
        if ((uint)p < (uint)b.Length)
        {
            byte c = b[p];
            if (c <= MessagePackCode.MaxFixInt)
            {
                _pos = p + 1;
                return c;
            }
            // uint 8/16/32/64: the common case for times, addresses and IDs.
            uint k = (uint)(c - MessagePackCode.UInt8);
            if (k < 4)
            {
                int len = 1 << (int)k;
                if (len < b.Length - p)
                {
                    ref byte src = ref Unsafe.Add(ref MemoryMarshal.GetReference(b), p + 1);
                    _pos = p + 1 + len;
                    return k switch
                    {
                        0 => src,
                        1 => BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ushort>(ref src)),
                        2 => BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<uint>(ref src)),
                        _ => BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ulong>(ref src)),
                    };
                }
            }
        }
        return ReadUInt64Slow();
    }

    private ulong ReadUInt64Slow()
    {
        int start = _pos;
        ulong bits = ReadIntegerBits(out bool signed);
        if (signed && (long)bits < 0)
        {
            ThrowOverflow(start, "UInt64", ((long)bits).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return bits;
    }

    /// <summary>Reads any integer encoding as a signed 64-bit value; values above <see cref="long.MaxValue"/> are an
    /// error.</summary>
    public long ReadInt64()
    {
        int start = _pos;
        ulong bits = ReadIntegerBits(out bool signed);
        if (!signed && bits > long.MaxValue)
        {
            ThrowOverflow(start, "Int64", bits.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return (long)bits;
    }

    /// <summary>Reads an integer that must fit in 32 unsigned bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReadUInt32()
    {
        int start = _pos;
        ulong v = ReadUInt64();
        if (v > uint.MaxValue)
        {
            ThrowOverflow(start, "UInt32", v.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return (uint)v;
    }

    /// <summary>Reads an integer that must fit in 16 unsigned bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ushort ReadUInt16()
    {
        int start = _pos;
        ulong v = ReadUInt64();
        if (v > ushort.MaxValue)
        {
            ThrowOverflow(start, "UInt16", v.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return (ushort)v;
    }

    /// <summary>Reads an integer that must fit in 8 unsigned bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte ReadByte()
    {
        int start = _pos;
        ulong v = ReadUInt64();
        if (v > byte.MaxValue)
        {
            ThrowOverflow(start, "Byte", v.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return (byte)v;
    }

    /// <summary>Reads an integer that must fit in a signed 32-bit value.</summary>
    public int ReadInt32()
    {
        int start = _pos;
        long v = ReadInt64();
        if (v < int.MinValue || v > int.MaxValue)
        {
            ThrowOverflow(start, "Int32", v.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return (int)v;
    }

    /// <summary>Reads a float 32.</summary>
    public float ReadSingle()
    {
        if (NextCode != MessagePackCode.Float32)
        {
            ThrowMismatch(_pos, "a float 32");
        }
        Need(5, "float 32");
        uint bits = BinaryPrimitives.ReadUInt32BigEndian(_buffer.Slice(_pos + 1));
        _pos += 5;
        return BitConverter.UInt32BitsToSingle(bits);
    }

    /// <summary>Reads a float 64, or a float 32 widened to double.</summary>
    public double ReadDouble()
    {
        byte c = NextCode;
        if (c == MessagePackCode.Float32)
        {
            return ReadSingle();
        }
        if (c != MessagePackCode.Float64)
        {
            ThrowMismatch(_pos, "a float");
        }
        Need(9, "float 64");
        ulong bits = BinaryPrimitives.ReadUInt64BigEndian(_buffer.Slice(_pos + 1));
        _pos += 9;
        return BitConverter.UInt64BitsToDouble(bits);
    }

    /// <summary>Reads an array header and returns the element count, which is checked against the bytes that remain
    /// (every element needs at least one byte).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadArrayHeader()
    {
        int p = _pos;
        if ((uint)p < (uint)_buffer.Length)
        {
            byte c = _buffer[p];
            if ((c & 0xf0) == MessagePackCode.MinFixArray)
            {
                int n = c & 0x0f;
                if (n > _buffer.Length - p - 1)
                {
                    ThrowTruncated(p, $"fixarray of {n} elements", n + 1);
                }
                _pos = p + 1;
                return n;
            }
        }
        return ReadArrayHeaderSlow();
    }

    private int ReadArrayHeaderSlow()
    {
        int start = _pos;
        byte c = NextCode;
        long n;
        switch (c)
        {
            case MessagePackCode.Array16:
                Need(3, "array 16");
                n = BinaryPrimitives.ReadUInt16BigEndian(_buffer.Slice(_pos + 1));
                _pos += 3;
                break;
            case MessagePackCode.Array32:
                Need(5, "array 32");
                n = BinaryPrimitives.ReadUInt32BigEndian(_buffer.Slice(_pos + 1));
                _pos += 5;
                break;
            default:
                ThrowMismatch(start, "an array");
                return 0;
        }
        if (n > Remaining)
        {
            _pos = start;
            ThrowLength(start, MessagePackCode.FormatName(c), n, "elements");
        }
        return (int)n;
    }

    /// <summary>Reads a map header and returns the number of key/value pairs (checked against the bytes that
    /// remain: every pair needs at least two bytes).</summary>
    public int ReadMapHeader()
    {
        int start = _pos;
        byte c = NextCode;
        long n;
        if ((c & 0xf0) == MessagePackCode.MinFixMap)
        {
            n = c & 0x0f;
            _pos += 1;
        }
        else if (c == MessagePackCode.Map16)
        {
            Need(3, "map 16");
            n = BinaryPrimitives.ReadUInt16BigEndian(_buffer.Slice(_pos + 1));
            _pos += 3;
        }
        else if (c == MessagePackCode.Map32)
        {
            Need(5, "map 32");
            n = BinaryPrimitives.ReadUInt32BigEndian(_buffer.Slice(_pos + 1));
            _pos += 5;
        }
        else
        {
            ThrowMismatch(start, "a map");
            return 0;
        }
        if (n * 2 > Remaining)
        {
            _pos = start;
            ThrowLength(start, MessagePackCode.FormatName(c), n, "pairs (2 objects each)");
        }
        return (int)n;
    }

    /// <summary>Reads a string and returns its UTF-8 bytes (a slice of the buffer), after validating the UTF-8.</summary>
    public ReadOnlySpan<byte> ReadStringUtf8()
    {
        int start = _pos;
        byte c = NextCode;
        long n;
        int header;
        if ((c & 0xe0) == MessagePackCode.MinFixStr)
        {
            n = c & 0x1f;
            header = 1;
        }
        else if (c == MessagePackCode.Str8)
        {
            Need(2, "str 8");
            n = _buffer[_pos + 1];
            header = 2;
        }
        else if (c == MessagePackCode.Str16)
        {
            Need(3, "str 16");
            n = BinaryPrimitives.ReadUInt16BigEndian(_buffer.Slice(_pos + 1));
            header = 3;
        }
        else if (c == MessagePackCode.Str32)
        {
            Need(5, "str 32");
            n = BinaryPrimitives.ReadUInt32BigEndian(_buffer.Slice(_pos + 1));
            header = 5;
        }
        else
        {
            ThrowMismatch(start, "a string");
            return default;
        }
        if (n > Remaining - header)
        {
            ThrowLength(start, MessagePackCode.FormatName(c), n, "bytes");
        }
        ReadOnlySpan<byte> s = _buffer.Slice(_pos + header, (int)n);
        if (!Utf8.IsValid(s))
        {
            throw new MessagePackFormatException(_baseOffset + start, $"{MessagePackCode.FormatName(c)} of {n} bytes is not valid UTF-8");
        }
        _pos += header + (int)n;
        return s;
    }

    /// <summary>Reads a string into a new <see cref="string"/> (allocates; not for per-record use).</summary>
    public string ReadString() => Encoding.UTF8.GetString(ReadStringUtf8());

    /// <summary>Reads a nil (returning null) or a string.</summary>
    public string? ReadNullableString() => TryReadNil() ? null : ReadString();

    /// <summary>Reads a binary value and returns its bytes (a slice of the buffer).</summary>
    public ReadOnlySpan<byte> ReadBinary()
    {
        int start = _pos;
        byte c = NextCode;
        long n;
        int header;
        switch (c)
        {
            case MessagePackCode.Bin8:
                Need(2, "bin 8");
                n = _buffer[_pos + 1];
                header = 2;
                break;
            case MessagePackCode.Bin16:
                Need(3, "bin 16");
                n = BinaryPrimitives.ReadUInt16BigEndian(_buffer.Slice(_pos + 1));
                header = 3;
                break;
            case MessagePackCode.Bin32:
                Need(5, "bin 32");
                n = BinaryPrimitives.ReadUInt32BigEndian(_buffer.Slice(_pos + 1));
                header = 5;
                break;
            default:
                ThrowMismatch(start, "a binary");
                return default;
        }
        if (n > Remaining - header)
        {
            ThrowLength(start, MessagePackCode.FormatName(c), n, "bytes");
        }
        ReadOnlySpan<byte> s = _buffer.Slice(_pos + header, (int)n);
        _pos += header + (int)n;
        return s;
    }

    /// <summary>Reads an extension header; the data (checked to be present) follows.</summary>
    public ExtensionHeader ReadExtensionHeader()
    {
        int start = _pos;
        byte c = NextCode;
        long n;
        int header;
        switch (c)
        {
            case MessagePackCode.FixExt1: n = 1; header = 2; break;
            case MessagePackCode.FixExt2: n = 2; header = 2; break;
            case MessagePackCode.FixExt4: n = 4; header = 2; break;
            case MessagePackCode.FixExt8: n = 8; header = 2; break;
            case MessagePackCode.FixExt16: n = 16; header = 2; break;
            case MessagePackCode.Ext8:
                Need(3, "ext 8");
                n = _buffer[_pos + 1];
                header = 3;
                break;
            case MessagePackCode.Ext16:
                Need(4, "ext 16");
                n = BinaryPrimitives.ReadUInt16BigEndian(_buffer.Slice(_pos + 1));
                header = 4;
                break;
            case MessagePackCode.Ext32:
                Need(6, "ext 32");
                n = BinaryPrimitives.ReadUInt32BigEndian(_buffer.Slice(_pos + 1));
                header = 6;
                break;
            default:
                ThrowMismatch(start, "an extension");
                return default;
        }
        Need(header, MessagePackCode.FormatName(c));
        if (n > Remaining - header)
        {
            ThrowLength(start, MessagePackCode.FormatName(c), n, "bytes");
        }
        sbyte type = (sbyte)_buffer[_pos + header - 1];
        _pos += header;
        return new ExtensionHeader(type, (int)n);
    }

    /// <summary>Reads an extension value and returns its data (a slice of the buffer).</summary>
    public ReadOnlySpan<byte> ReadExtension(out sbyte type)
    {
        ExtensionHeader h = ReadExtensionHeader();
        type = h.Type;
        ReadOnlySpan<byte> s = _buffer.Slice(_pos, h.Length);
        _pos += h.Length;
        return s;
    }

    /// <summary>Reads a timestamp extension (type -1) in its 32, 64 or 96-bit form.</summary>
    public void ReadTimestamp(out long seconds, out uint nanoseconds)
    {
        int start = _pos;
        ReadOnlySpan<byte> d = ReadExtension(out sbyte type);
        if (type != MessagePackCode.TimestampType)
        {
            _pos = start;
            throw new MessagePackFormatException(_baseOffset + start, $"expected a timestamp (extension type -1) but found extension type {type}");
        }
        switch (d.Length)
        {
            case 4:
                seconds = BinaryPrimitives.ReadUInt32BigEndian(d);
                nanoseconds = 0;
                return;
            case 8:
                ulong v = BinaryPrimitives.ReadUInt64BigEndian(d);
                seconds = (long)(v & 0x3_ffff_ffffUL);
                nanoseconds = (uint)(v >> 34);
                break;
            case 12:
                nanoseconds = BinaryPrimitives.ReadUInt32BigEndian(d);
                seconds = BinaryPrimitives.ReadInt64BigEndian(d.Slice(4));
                break;
            default:
                _pos = start;
                throw new MessagePackFormatException(_baseOffset + start, $"timestamp extension has {d.Length} data bytes; only 4, 8 or 12 are defined");
        }
        if (nanoseconds > 999_999_999)
        {
            _pos = start;
            throw new MessagePackFormatException(_baseOffset + start, $"timestamp nanoseconds {nanoseconds} exceed 999999999");
        }
    }

    /// <summary>Skips one complete value (recursively), enforcing <see cref="MaxDepth"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Skip()
    {
        int p = _pos;
        if ((uint)p < (uint)_buffer.Length)
        {
            int len = FixedLength[_buffer[p]];
            if (len != 0 && len <= _buffer.Length - p)
            {
                _pos = p + len;
                return;
            }
        }
        SkipCore(0);
    }

    /// <summary>Skips one complete value and returns its encoded bytes.</summary>
    public ReadOnlySpan<byte> ReadRaw()
    {
        int start = _pos;
        SkipCore(0);
        return _buffer.Slice(start, _pos - start);
    }

    private void SkipCore(int depth)
    {
        int start = _pos;
        byte c = NextCode;
        int fixedLength = FixedLength[c];
        if (fixedLength != 0)
        {
            Need(fixedLength, MessagePackCode.FormatName(c));
            _pos += fixedLength;
            return;
        }
        switch (MessagePackCode.TypeOf(c))
        {
            case MessagePackType.Integer:
                if (c <= MessagePackCode.MaxFixInt || c >= MessagePackCode.MinNegativeFixInt)
                {
                    _pos++;
                }
                else
                {
                    ReadIntegerBits(out _);
                }
                return;
            case MessagePackType.Nil:
            case MessagePackType.Boolean:
                _pos++;
                return;
            case MessagePackType.Float:
                int fl = c == MessagePackCode.Float32 ? 5 : 9;
                Need(fl, MessagePackCode.FormatName(c));
                _pos += fl;
                return;
            case MessagePackType.String:
                ReadStringUtf8();
                return;
            case MessagePackType.Binary:
                ReadBinary();
                return;
            case MessagePackType.Extension:
                ExtensionHeader h = ReadExtensionHeader();
                _pos += h.Length;
                return;
            case MessagePackType.Array:
            case MessagePackType.Map:
                if (depth >= MaxDepth)
                {
                    throw new MessagePackFormatException(_baseOffset + start, $"nesting deeper than the limit of {MaxDepth}");
                }
                long n = MessagePackCode.TypeOf(c) == MessagePackType.Array ? ReadArrayHeader() : 2L * ReadMapHeader();
                ReadOnlySpan<byte> lengths = FixedLength;
                for (long i = 0; i < n; i++)
                {
                    int q = _pos;
                    if ((uint)q < (uint)_buffer.Length)
                    {
                        int len = lengths[_buffer[q]];
                        if (len != 0 && len <= _buffer.Length - q)
                        {
                            _pos = q + len;
                            continue;
                        }
                    }
                    SkipCore(depth + 1);
                }
                return;
            default:
                throw new MessagePackFormatException(_baseOffset + start, "byte 0xc1 is never used in MessagePack");
        }
    }

    /// <summary>Reads any integer; <paramref name="signed"/> tells whether the bits are a two's complement value.</summary>
    private ulong ReadIntegerBits(out bool signed)
    {
        int p = _pos;
        byte c = NextCode;
        ReadOnlySpan<byte> b = _buffer;
        if (c <= MessagePackCode.MaxFixInt)
        {
            _pos = p + 1;
            signed = false;
            return c;
        }
        if (c >= MessagePackCode.MinNegativeFixInt)
        {
            _pos = p + 1;
            signed = true;
            return (ulong)(long)(sbyte)c;
        }
        switch (c)
        {
            case MessagePackCode.UInt8:
                Need(2, "uint 8");
                _pos = p + 2;
                signed = false;
                return b[p + 1];
            case MessagePackCode.UInt16:
                Need(3, "uint 16");
                _pos = p + 3;
                signed = false;
                return BinaryPrimitives.ReadUInt16BigEndian(b.Slice(p + 1));
            case MessagePackCode.UInt32:
                Need(5, "uint 32");
                _pos = p + 5;
                signed = false;
                return BinaryPrimitives.ReadUInt32BigEndian(b.Slice(p + 1));
            case MessagePackCode.UInt64:
                Need(9, "uint 64");
                _pos = p + 9;
                signed = false;
                return BinaryPrimitives.ReadUInt64BigEndian(b.Slice(p + 1));
            case MessagePackCode.Int8:
                Need(2, "int 8");
                _pos = p + 2;
                signed = true;
                return (ulong)(long)(sbyte)b[p + 1];
            case MessagePackCode.Int16:
                Need(3, "int 16");
                _pos = p + 3;
                signed = true;
                return (ulong)(long)BinaryPrimitives.ReadInt16BigEndian(b.Slice(p + 1));
            case MessagePackCode.Int32:
                Need(5, "int 32");
                _pos = p + 5;
                signed = true;
                return (ulong)(long)BinaryPrimitives.ReadInt32BigEndian(b.Slice(p + 1));
            case MessagePackCode.Int64:
                Need(9, "int 64");
                _pos = p + 9;
                signed = true;
                return (ulong)BinaryPrimitives.ReadInt64BigEndian(b.Slice(p + 1));
            default:
                ThrowMismatch(p, "an integer");
                signed = false;
                return 0;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void Need(int bytes, string what)
    {
        if (bytes > _buffer.Length - _pos)
        {
            ThrowTruncated(_pos, what, bytes);
        }
    }

    [DoesNotReturn]
    private readonly void ThrowTruncated(int at, string what, long needed) =>
        throw new MessagePackFormatException(_baseOffset + at,
            $"truncated: {what} needs {needed} bytes but only {_buffer.Length - at} remain");

    [DoesNotReturn]
    private readonly void ThrowLength(int at, string format, long declared, string unit) =>
        throw new MessagePackFormatException(_baseOffset + at,
            $"{format} declares {declared} {unit} but only {_buffer.Length - at} bytes remain");

    [DoesNotReturn]
    private readonly void ThrowMismatch(int at, string expected)
    {
        if (at >= _buffer.Length)
        {
            ThrowTruncated(at, expected, 1);
        }
        byte c = _buffer[at];
        string found = c == MessagePackCode.NeverUsed
            ? "the never-used byte 0xc1"
            : $"{MessagePackCode.FormatName(c)} (0x{c:x2})";
        throw new MessagePackFormatException(_baseOffset + at, $"expected {expected} but found {found}");
    }

    [DoesNotReturn]
    private readonly void ThrowOverflow(int at, string type, string value) =>
        throw new MessagePackFormatException(_baseOffset + at, $"integer {value} does not fit in {type}");
}
