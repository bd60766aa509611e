using System.Runtime.CompilerServices;
using HwEmu.Traces.MessagePack;

namespace HwEmu.Traces.Format;

/// <summary>
/// A write to an MSI doorbell (GITS_TRANSLATER or MSI_SETSPI_NS). Wire form: <c>[4, time, requesterId, deviceId,
/// doorbellAddress, data]</c>.
/// </summary>
/// <param name="Time">Simulated time in picoseconds when the write reached the doorbell.</param>
/// <param name="RequesterId">PCIe requester ID of the writer.</param>
/// <param name="DeviceId">DeviceID side-band the MSI controller saw (msi-map applied), not part of the data.</param>
/// <param name="DoorbellAddress">Physical address written.</param>
/// <param name="Data">Data written (the EventID for an ITS, the SPI INTID for GICv2m).</param>
public readonly record struct MsiWriteRecord(
    ulong Time,
    ushort RequesterId,
    uint DeviceId,
    ulong DoorbellAddress,
    uint Data) : ITraceRecord<MsiWriteRecord>
{
    private const int Fields = 5;

    /// <inheritdoc/>
    public static TraceRecordType RecordType => TraceRecordType.MsiWrite;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Write(ref MessagePackWriter writer)
    {
        writer.WriteArrayHeader(Fields + 1);
        writer.Write((uint)TraceRecordType.MsiWrite);
        writer.Write(Time);
        writer.Write((uint)RequesterId);
        writer.Write(DeviceId);
        writer.Write(DoorbellAddress);
        writer.Write(Data);
    }

    /// <inheritdoc/>
    public static bool TryRead(scoped ref MessagePackReader reader, out MsiWriteRecord record)
    {
        if (!RecordCodec.TryBegin(ref reader, TraceRecordType.MsiWrite, Fields, out int extra))
        {
            record = default;
            return false;
        }
        ulong time = reader.ReadUInt64();
        ushort rid = reader.ReadUInt16();
        uint devId = reader.ReadUInt32();
        ulong address = reader.ReadUInt64();
        uint data = reader.ReadUInt32();
        RecordCodec.SkipExtra(ref reader, extra);
        record = new MsiWriteRecord(time, rid, devId, address, data);
        return true;
    }
}
