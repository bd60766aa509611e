using System.Buffers.Binary;
using HwEmu.Traces.MessagePack;

namespace HwEmu.Traces.Format;

/// <summary>
/// An SMMU command-queue command consumed. Wire form: <c>[7, time, smmu, consumerIndex, opcode, error, command
/// (bin 16, the exact queue bytes)]</c>. The opcode (IHI 0070 §4.1, e.g. 0x03 CFGI_STE, 0x46 CMD_SYNC) is repeated
/// decoded so tools filter without parsing the command; <see cref="SmmuCommandNames"/> names it.
/// </summary>
/// <param name="Time">Simulated time in picoseconds when the command completed.</param>
/// <param name="Smmu">Index of the SMMU instance.</param>
/// <param name="ConsumerIndex">SMMU_CMDQ_CONS index (with wrap bit) of the command.</param>
/// <param name="Opcode">Command opcode (bits [7:0] of the first word).</param>
/// <param name="Error">CMDQ_CONS.ERR code written (0 = CERROR_NONE, 1 = CERROR_ILL, 2 = CERROR_ABT, 3 = CERROR_ATC_INV_SYNC).</param>
/// <param name="Word0">Command bytes 0-7 (little-endian).</param>
/// <param name="Word1">Command bytes 8-15.</param>
public readonly record struct SmmuCommandRecord(
    ulong Time,
    byte Smmu,
    uint ConsumerIndex,
    byte Opcode,
    byte Error,
    ulong Word0,
    ulong Word1) : ITraceRecord<SmmuCommandRecord>
{
    private const int Fields = 6;

    /// <inheritdoc/>
    public static TraceRecordType RecordType => TraceRecordType.SmmuCommand;

    /// <summary>StreamID operand of CFGI_STE / CFGI_CD / PREFETCH_* / ATC_INV commands (bits [63:32] of word 0).</summary>
    public uint StreamId => (uint)(Word0 >> 32);

    /// <inheritdoc/>
    public void Write(ref MessagePackWriter writer)
    {
        writer.WriteArrayHeader(Fields + 1);
        writer.Write((uint)TraceRecordType.SmmuCommand);
        writer.Write(Time);
        writer.Write((uint)Smmu);
        writer.Write(ConsumerIndex);
        writer.Write((uint)Opcode);
        writer.Write((uint)Error);
        RecordCodec.WriteWords(ref writer, Word0, Word1);
    }

    /// <inheritdoc/>
    public static bool TryRead(scoped ref MessagePackReader reader, out SmmuCommandRecord record)
    {
        if (!RecordCodec.TryBegin(ref reader, TraceRecordType.SmmuCommand, Fields, out int extra))
        {
            record = default;
            return false;
        }
        ulong time = reader.ReadUInt64();
        byte smmu = reader.ReadByte();
        uint cons = reader.ReadUInt32();
        byte opcode = reader.ReadByte();
        byte error = reader.ReadByte();
        ReadOnlySpan<byte> cmd = RecordCodec.ReadFixedBinary(ref reader, 16, "an SMMU command");
        RecordCodec.SkipExtra(ref reader, extra);
        record = new SmmuCommandRecord(time, smmu, cons, opcode, error,
            BinaryPrimitives.ReadUInt64LittleEndian(cmd), BinaryPrimitives.ReadUInt64LittleEndian(cmd.Slice(8)));
        return true;
    }
}
