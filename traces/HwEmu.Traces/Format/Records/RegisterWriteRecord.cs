using HwEmu.Traces.MessagePack;

namespace HwEmu.Traces.Format;

/// <summary>
/// A device register write. Wire form: <c>[6, time, component, address, size, value]</c>.
/// </summary>
/// <param name="Time">Simulated time in picoseconds.</param>
/// <param name="Component">Id of the device in the platform description (stable within a scenario).</param>
/// <param name="Address">Physical address of the register.</param>
/// <param name="Size">Access size in bytes (1, 2, 4 or 8).</param>
/// <param name="Value">Value written.</param>
public readonly record struct RegisterWriteRecord(
    ulong Time,
    ushort Component,
    ulong Address,
    byte Size,
    ulong Value) : ITraceRecord<RegisterWriteRecord>
{
    private const int Fields = 5;

    /// <inheritdoc/>
    public static TraceRecordType RecordType => TraceRecordType.RegisterWrite;

    /// <inheritdoc/>
    public void Write(ref MessagePackWriter writer)
    {
        writer.WriteArrayHeader(Fields + 1);
        writer.Write((uint)TraceRecordType.RegisterWrite);
        writer.Write(Time);
        writer.Write((uint)Component);
        writer.Write(Address);
        writer.Write((uint)Size);
        writer.Write(Value);
    }

    /// <inheritdoc/>
    public static bool TryRead(scoped ref MessagePackReader reader, out RegisterWriteRecord record)
    {
        if (!RecordCodec.TryBegin(ref reader, TraceRecordType.RegisterWrite, Fields, out int extra))
        {
            record = default;
            return false;
        }
        ulong time = reader.ReadUInt64();
        ushort component = reader.ReadUInt16();
        ulong address = reader.ReadUInt64();
        byte size = reader.ReadByte();
        ulong value = reader.ReadUInt64();
        RecordCodec.SkipExtra(ref reader, extra);
        record = new RegisterWriteRecord(time, component, address, size, value);
        return true;
    }
}
