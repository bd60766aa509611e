using System.Buffers.Binary;
using HwEmu.Traces.MessagePack;

namespace HwEmu.Traces.Format;

/// <summary>
/// An ITS command-queue command consumed. Wire form: <c>[8, time, its, queueOffset, opcode, error, deviceId,
/// eventId, command (bin 32, the exact queue bytes)]</c>. Opcode (IHI 0069 §6.3, e.g. 0x08 MAPD, 0x0A MAPTI),
/// DeviceID (DW0[63:32]) and EventID (DW1[31:0]) are repeated decoded; <see cref="ItsCommandNames"/> names the opcode.
/// </summary>
/// <param name="Time">Simulated time in picoseconds when the command completed.</param>
/// <param name="Its">Index of the ITS instance.</param>
/// <param name="QueueOffset">GITS_CREADR offset of the command.</param>
/// <param name="Opcode">Command opcode (DW0[7:0]).</param>
/// <param name="Error">Command error (0 = none; else the implementation-defined code, e.g. 0x010a04).</param>
/// <param name="DeviceId">DeviceID operand (DW0[63:32]).</param>
/// <param name="EventId">EventID operand (DW1[31:0]).</param>
/// <param name="Word0">Command bytes 0-7 (little-endian).</param>
/// <param name="Word1">Command bytes 8-15.</param>
/// <param name="Word2">Command bytes 16-23.</param>
/// <param name="Word3">Command bytes 24-31.</param>
public readonly record struct ItsCommandRecord(
    ulong Time,
    byte Its,
    uint QueueOffset,
    byte Opcode,
    uint Error,
    uint DeviceId,
    uint EventId,
    ulong Word0,
    ulong Word1,
    ulong Word2,
    ulong Word3) : ITraceRecord<ItsCommandRecord>
{
    private const int Fields = 8;

    /// <inheritdoc/>
    public static TraceRecordType RecordType => TraceRecordType.ItsCommand;

    /// <inheritdoc/>
    public void Write(ref MessagePackWriter writer)
    {
        writer.WriteArrayHeader(Fields + 1);
        writer.Write((uint)TraceRecordType.ItsCommand);
        writer.Write(Time);
        writer.Write((uint)Its);
        writer.Write(QueueOffset);
        writer.Write((uint)Opcode);
        writer.Write(Error);
        writer.Write(DeviceId);
        writer.Write(EventId);
        RecordCodec.WriteWords(ref writer, Word0, Word1, Word2, Word3);
    }

    /// <inheritdoc/>
    public static bool TryRead(scoped ref MessagePackReader reader, out ItsCommandRecord record)
    {
        if (!RecordCodec.TryBegin(ref reader, TraceRecordType.ItsCommand, Fields, out int extra))
        {
            record = default;
            return false;
        }
        ulong time = reader.ReadUInt64();
        byte its = reader.ReadByte();
        uint offset = reader.ReadUInt32();
        byte opcode = reader.ReadByte();
        uint error = reader.ReadUInt32();
        uint devId = reader.ReadUInt32();
        uint eventId = reader.ReadUInt32();
        ReadOnlySpan<byte> cmd = RecordCodec.ReadFixedBinary(ref reader, 32, "an ITS command");
        RecordCodec.SkipExtra(ref reader, extra);
        record = new ItsCommandRecord(time, its, offset, opcode, error, devId, eventId,
            BinaryPrimitives.ReadUInt64LittleEndian(cmd), BinaryPrimitives.ReadUInt64LittleEndian(cmd.Slice(8)),
            BinaryPrimitives.ReadUInt64LittleEndian(cmd.Slice(16)), BinaryPrimitives.ReadUInt64LittleEndian(cmd.Slice(24)));
        return true;
    }
}
