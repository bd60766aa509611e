using HwEmu.Traces.MessagePack;

namespace HwEmu.Traces.Format;

/// <summary>
/// A fault injected by a campaign. Wire form: <c>[10, time, faultId, kind, target, value]</c>.
/// </summary>
/// <param name="Time">Simulated time in picoseconds when the fault took effect.</param>
/// <param name="FaultId">Index of the fault in the campaign's fault list.</param>
/// <param name="Kind">Fault kind code (defined by the fault-injection campaign format).</param>
/// <param name="Target">Target of the fault (address, StreamID, register offset..., depending on the kind).</param>
/// <param name="Value">Kind-specific parameter (bit mask flipped, value forced...).</param>
public readonly record struct FaultInjectedRecord(
    ulong Time,
    uint FaultId,
    ushort Kind,
    ulong Target,
    ulong Value) : ITraceRecord<FaultInjectedRecord>
{
    private const int Fields = 5;

    /// <inheritdoc/>
    public static TraceRecordType RecordType => TraceRecordType.FaultInjected;

    /// <inheritdoc/>
    public void Write(ref MessagePackWriter writer)
    {
        writer.WriteArrayHeader(Fields + 1);
        writer.Write((uint)TraceRecordType.FaultInjected);
        writer.Write(Time);
        writer.Write(FaultId);
        writer.Write((uint)Kind);
        writer.Write(Target);
        writer.Write(Value);
    }

    /// <inheritdoc/>
    public static bool TryRead(scoped ref MessagePackReader reader, out FaultInjectedRecord record)
    {
        if (!RecordCodec.TryBegin(ref reader, TraceRecordType.FaultInjected, Fields, out int extra))
        {
            record = default;
            return false;
        }
        ulong time = reader.ReadUInt64();
        uint id = reader.ReadUInt32();
        ushort kind = reader.ReadUInt16();
        ulong target = reader.ReadUInt64();
        ulong value = reader.ReadUInt64();
        RecordCodec.SkipExtra(ref reader, extra);
        record = new FaultInjectedRecord(time, id, kind, target, value);
        return true;
    }
}
