using HwEmu.Traces.MessagePack;

namespace HwEmu.Traces.Format;

/// <summary>
/// One record as returned by <see cref="TraceReader.TryReadNext"/>: its type, index, offset, time and encoded bytes.
/// The bytes live in the reader's block buffer and are valid until the next call to the reader.
/// </summary>
public readonly ref struct TraceRecord
{
    private readonly int _maxDepth;

    internal TraceRecord(ushort type, long index, long offset, ulong time, bool hasTime, bool verified,
        ReadOnlySpan<byte> bytes, int maxDepth)
    {
        RawType = type;
        Index = index;
        Offset = offset;
        Time = time;
        HasTime = hasTime;
        Verified = verified;
        Bytes = bytes;
        _maxDepth = maxDepth;
    }

    /// <summary>The record type number (may be one this version does not define).</summary>
    public ushort RawType { get; }

    /// <summary>The record type.</summary>
    public TraceRecordType Type => (TraceRecordType)RawType;

    /// <summary>Whether this version of the format defines <see cref="RawType"/>.</summary>
    public bool IsKnownType => RawType <= (ushort)TraceRecordType.Checkpoint;

    /// <summary>Index of the record in the file (0 = header).</summary>
    public long Index { get; }

    /// <summary>Byte offset of the record in the (uncompressed) block stream.</summary>
    public long Offset { get; }

    /// <summary>The record's time (second array element) in picoseconds, when <see cref="HasTime"/>.</summary>
    public ulong Time { get; }

    /// <summary>Whether the record has an unsigned integer second element (every type except the header).</summary>
    public bool HasTime { get; }

    /// <summary>False for records recovered from a truncated final block, whose CRC could not be checked.</summary>
    public bool Verified { get; }

    /// <summary>The record's MessagePack bytes (one array).</summary>
    public ReadOnlySpan<byte> Bytes { get; }

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
        var r = new MessagePackReader(Bytes, Offset, _maxDepth);
        try
        {
            return T.TryRead(ref r, out record);
        }
        catch (MessagePackFormatException e)
        {
            throw new TraceFormatException(e.Offset, Index, $"{Type} record does not match its schema: {e.Detail}", e);
        }
    }
}
