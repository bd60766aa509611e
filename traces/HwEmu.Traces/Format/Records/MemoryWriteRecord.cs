using HwEmu.Traces.MessagePack;

namespace HwEmu.Traces.Format;

/// <summary>
/// A memory write that initialises an in-memory structure (STEs, CDs, page tables, ITS tables...), recorded so a
/// replay can rebuild the setup. Wire form: <c>[9, time, address, structure, data (bin)]</c>. A ref struct: the
/// data is a span into the caller's buffer when writing and into the block buffer when reading, so neither side
/// copies or allocates.
/// </summary>
public readonly ref struct MemoryWriteRecord : ITraceRecord<MemoryWriteRecord>
{
    private const int Fields = 4;

    /// <summary>Creates the record.</summary>
    /// <param name="time">Simulated time in picoseconds.</param>
    /// <param name="address">Physical address of the first byte.</param>
    /// <param name="structure">Which structure the bytes belong to.</param>
    /// <param name="data">The bytes written.</param>
    public MemoryWriteRecord(ulong time, ulong address, MemoryStructure structure, ReadOnlySpan<byte> data)
    {
        Time = time;
        Address = address;
        Structure = structure;
        Data = data;
    }

    /// <inheritdoc/>
    public static TraceRecordType RecordType => TraceRecordType.MemoryWrite;

    /// <inheritdoc/>
    public ulong Time { get; }

    /// <summary>Physical address of the first byte.</summary>
    public ulong Address { get; }

    /// <summary>Which structure the bytes belong to.</summary>
    public MemoryStructure Structure { get; }

    /// <summary>The bytes written.</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <inheritdoc/>
    public void Write(ref MessagePackWriter writer)
    {
        writer.WriteArrayHeader(Fields + 1);
        writer.Write((uint)TraceRecordType.MemoryWrite);
        writer.Write(Time);
        writer.Write(Address);
        writer.Write((uint)Structure);
        writer.WriteBinary(Data);
    }

    /// <inheritdoc/>
    public static bool TryRead(scoped ref MessagePackReader reader, out MemoryWriteRecord record)
    {
        if (!RecordCodec.TryBegin(ref reader, TraceRecordType.MemoryWrite, Fields, out int extra))
        {
            record = default;
            return false;
        }
        ulong time = reader.ReadUInt64();
        ulong address = reader.ReadUInt64();
        var structure = (MemoryStructure)reader.ReadByte();
        ReadOnlySpan<byte> data = reader.ReadBinary();
        RecordCodec.SkipExtra(ref reader, extra);
        record = new MemoryWriteRecord(time, address, structure, data);
        return true;
    }
}
