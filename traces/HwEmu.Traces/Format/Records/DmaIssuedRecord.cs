using System.Runtime.CompilerServices;
using HwEmu.Traces.MessagePack;

namespace HwEmu.Traces.Format;

/// <summary>
/// A DMA transaction issued by an endpoint. Wire form: <c>[1, time, transactionId, requesterId, streamId,
/// substreamId|nil, address, size, direction, attributes, device, kind, route]</c> (the last three appended, present in <c>hwemu run</c> recordings).
/// </summary>
/// <param name="Time">Simulated issue time in picoseconds.</param>
/// <param name="TransactionId">Id unique within the run; later records about this transaction repeat it.</param>
/// <param name="RequesterId">PCIe requester ID (bus:device.function).</param>
/// <param name="StreamId">StreamID the root complex derived from the requester ID.</param>
/// <param name="SubstreamId">SubstreamID (PASID); meaningful only when <paramref name="SubstreamValid"/>.</param>
/// <param name="SubstreamValid">Whether a PASID prefix was present (written as nil when not).</param>
/// <param name="Address">Untranslated address (IOVA).</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="Direction">Read or write.</param>
/// <param name="Attributes">TLP / bus attributes.</param>
/// <param name="Device">Index of the issuing device in the recorded scenario; -1 = unknown (then the appended fields
/// device, kind and route are not written: traces written before them, other tools).</param>
/// <param name="Kind">What the transaction moves: 0 data, 1 NVMe SQE fetch, 2 PRP list fetch, 3 NVMe CQE write,
/// 4 descriptor fetch, 5 descriptor write-back, 6 MSI.</param>
/// <param name="Route">How the fabric routed it: 0 up to the SMMU, 1 peer to peer, 2 MSI bypassing the SMMU, 3 no StreamID.</param>
public readonly record struct DmaIssuedRecord(
    ulong Time,
    ulong TransactionId,
    ushort RequesterId,
    uint StreamId,
    uint SubstreamId,
    bool SubstreamValid,
    ulong Address,
    uint Size,
    DmaDirection Direction,
    DmaAttributes Attributes,
    int Device = -1,
    byte Kind = 0,
    byte Route = 0) : ITraceRecord<DmaIssuedRecord>
{
    private const int Fields = 9;

    /// <inheritdoc/>
    public static TraceRecordType RecordType => TraceRecordType.DmaIssued;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Write(ref MessagePackWriter writer)
    {
        writer.WriteArrayHeader(Device >= 0 ? (uint)Fields + 4 : (uint)Fields + 1);
        writer.Write((uint)TraceRecordType.DmaIssued);
        writer.Write(Time);
        writer.Write(TransactionId);
        writer.Write((uint)RequesterId);
        writer.Write(StreamId);
        RecordCodec.WriteOptional(ref writer, SubstreamValid, SubstreamId);
        writer.Write(Address);
        writer.Write(Size);
        writer.Write((uint)Direction);
        writer.Write((uint)Attributes);
        if (Device >= 0)
        {
            writer.Write((uint)Device);
            writer.Write((uint)Kind);
            writer.Write((uint)Route);
        }
    }

    /// <inheritdoc/>
    public static bool TryRead(scoped ref MessagePackReader reader, out DmaIssuedRecord record)
    {
        if (!RecordCodec.TryBegin(ref reader, TraceRecordType.DmaIssued, Fields, out int extra))
        {
            record = default;
            return false;
        }
        ulong time = reader.ReadUInt64();
        ulong txn = reader.ReadUInt64();
        ushort rid = reader.ReadUInt16();
        uint sid = reader.ReadUInt32();
        uint ssid = RecordCodec.ReadOptional(ref reader, out bool ssv);
        ulong address = reader.ReadUInt64();
        uint size = reader.ReadUInt32();
        var dir = (DmaDirection)reader.ReadByte();
        var attrs = (DmaAttributes)reader.ReadByte();
        int device = -1;
        byte kind = 0, route = 0;
        if (extra >= 3)
        {
            extra -= 3;
            device = (int)Math.Min(reader.ReadUInt32(), int.MaxValue);
            kind = reader.ReadByte();
            route = reader.ReadByte();
        }
        RecordCodec.SkipExtra(ref reader, extra);
        record = new DmaIssuedRecord(time, txn, rid, sid, ssid, ssv, address, size, dir, attrs, device, kind, route);
        return true;
    }
}
