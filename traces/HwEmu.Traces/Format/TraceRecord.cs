using HwEmu.Traces.MessagePack;

namespace HwEmu.Traces.Format;

/// <summary>
/// One record as returned by <see cref="TraceReader.TryReadNext"/>: its type, index, offset, time and encoded bytes.
/// The bytes live in the reader's block buffer and are valid until the next call to the reader.
/// </summary>
public readonly ref struct TraceRecord
{
    private readonly int _maxDepth;
    private readonly TraceReader? _owner;
    private readonly ReadOnlySpan<byte> _data;

    internal TraceRecord(TraceReader? owner, long index, long offset, bool verified, ReadOnlySpan<byte> bytes, int maxDepth)
    {
        // With an owner, bytes run from the record to the end of its block and the exact end is found on demand.
        _owner = owner;
        _data = bytes;
        // The reader has validated the record: a non-empty array whose first element is an unsigned type <= 65535.
        RawType = (bytes[0] & 0xf0) == MessagePackCode.MinFixArray && bytes[1] <= MessagePackCode.MaxFixInt
            ? bytes[1]
            : SlowType(bytes);
        Index = index;
        Offset = offset;
        Verified = verified;
        _maxDepth = maxDepth;
    }

    /// <summary>The record type number (may be one this version does not define).</summary>
    public ushort RawType { get; }

    /// <summary>The record type.</summary>
    public TraceRecordType Type => (TraceRecordType)RawType;

    /// <summary>Whether this version of the format defines <see cref="RawType"/>.</summary>
    public bool IsKnownType => RawType <= (ushort)TraceRecordType.DmaCompleted;

    /// <summary>Index of the record in the file (0 = header).</summary>
    public long Index { get; }

    /// <summary>Byte offset of the record in the (uncompressed) block stream.</summary>
    public long Offset { get; }

    /// <summary>The record's time (second array element) in picoseconds, when <see cref="HasTime"/>, else 0.</summary>
    public ulong Time => ReadTime(out _);

    /// <summary>Whether the record has an unsigned integer second element (every type except the header).</summary>
    public bool HasTime
    {
        get
        {
            ReadTime(out bool has);
            return has;
        }
    }

    /// <summary>False for records recovered from a truncated final block, whose CRC could not be checked.</summary>
    public bool Verified { get; }

    /// <summary>The record's MessagePack bytes (one array). In a CRC-verified block the end of a record is learnt
    /// from a successful <see cref="TryRead{T}"/>; otherwise reading this property validates and skips the record
    /// first (and throws <see cref="TraceFormatException"/> if it is malformed).</summary>
    public ReadOnlySpan<byte> Bytes => _owner is null ? _data : _data.Slice(0, _owner.CurrentRecordLength(Index));

    private static ushort SlowType(ReadOnlySpan<byte> bytes)
    {
        var r = new MessagePackReader(bytes);
        r.ReadArrayHeader();
        return (ushort)r.ReadUInt64();
    }

    private ulong ReadTime(out bool has)
    {
        var r = new MessagePackReader(_data);
        int n = r.ReadArrayHeader();
        r.Skip();
        byte c = n > 1 ? r.NextCode : (byte)0xc0;
        has = c <= MessagePackCode.MaxFixInt || (c >= MessagePackCode.UInt8 && c <= MessagePackCode.UInt64);
        return has ? r.ReadUInt64() : 0;
    }

    /// <summary>A reader positioned at the start of the record array (what <c>T.TryRead</c> expects).</summary>
    public MessagePackReader CreateReader() => new(Bytes, Offset, _maxDepth);

    /// <summary>A reader positioned on the payload: after the array header and the record type.</summary>
    /// <param name="fieldCount">Number of elements after the type.</param>
    public MessagePackReader CreatePayloadReader(out int fieldCount)
    {
        var r = new MessagePackReader(Bytes, Offset, _maxDepth);
        fieldCount = r.ReadArrayHeader() - 1;
        r.Skip();
        return r;
    }

    /// <summary>Decodes the record as <typeparamref name="T"/>; false when it is another type. A record of type
    /// <typeparamref name="T"/> whose fields do not match the schema throws <see cref="TraceFormatException"/>
    /// naming the offset and record index.</summary>
    public bool TryRead<T>(out T record) where T : ITraceRecord<T>, allows ref struct
    {
        var r = new MessagePackReader(_data, Offset, _maxDepth);
        try
        {
            if (T.TryRead(ref r, out record))
            {
                _owner?.NoteRecordEnd(Index, r.Position);
                return true;
            }
            return false;
        }
        catch (MessagePackFormatException e)
        {
            throw new TraceFormatException(e.Offset, Index, $"{Type} record does not match its schema: {e.Detail}", e);
        }
    }
}
