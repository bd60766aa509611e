using System.Runtime.CompilerServices;
using HwEmu.Traces.MessagePack;

namespace HwEmu.Traces.Format;

/// <summary>
/// An interrupt delivered to a CPU interface. Wire form: <c>[5, time, intId, targetCpu, source, deviceId,
/// eventId]</c>.
/// </summary>
/// <param name="Time">Simulated delivery time in picoseconds.</param>
/// <param name="IntId">GIC INTID (LPIs from 8192).</param>
/// <param name="TargetCpu">Target PE (redistributor index).</param>
/// <param name="Source">The controller that generated it.</param>
/// <param name="DeviceId">DeviceID of the MSI that caused it (ITS only, else 0).</param>
/// <param name="EventId">EventID of the MSI that caused it (ITS only, else 0).</param>
public readonly record struct InterruptDeliveredRecord(
    ulong Time,
    uint IntId,
    uint TargetCpu,
    InterruptSource Source,
    uint DeviceId,
    uint EventId) : ITraceRecord<InterruptDeliveredRecord>
{
    private const int Fields = 6;

    /// <inheritdoc/>
    public static TraceRecordType RecordType => TraceRecordType.InterruptDelivered;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Write(ref MessagePackWriter writer)
    {
        writer.WriteArrayHeader(Fields + 1);
        writer.Write((uint)TraceRecordType.InterruptDelivered);
        writer.Write(Time);
        writer.Write(IntId);
        writer.Write(TargetCpu);
        writer.Write((uint)Source);
        writer.Write(DeviceId);
        writer.Write(EventId);
    }

    /// <inheritdoc/>
    public static bool TryRead(scoped ref MessagePackReader reader, out InterruptDeliveredRecord record)
    {
        if (!RecordCodec.TryBegin(ref reader, TraceRecordType.InterruptDelivered, Fields, out int extra))
        {
            record = default;
            return false;
        }
        ulong time = reader.ReadUInt64();
        uint intId = reader.ReadUInt32();
        uint cpu = reader.ReadUInt32();
        var source = (InterruptSource)reader.ReadByte();
        uint devId = reader.ReadUInt32();
        uint eventId = reader.ReadUInt32();
        RecordCodec.SkipExtra(ref reader, extra);
        record = new InterruptDeliveredRecord(time, intId, cpu, source, devId, eventId);
        return true;
    }
}
