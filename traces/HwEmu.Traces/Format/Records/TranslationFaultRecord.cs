using System.Buffers.Binary;
using HwEmu.Traces.MessagePack;

namespace HwEmu.Traces.Format;

/// <summary>
/// A translation that faulted. Wire form: <c>[3, time, transactionId, streamId, substreamId|nil, inputAddress,
/// eventType, action, latencyCycles, eventRecord (bin 32, the exact event-queue bytes) | nil]</c>.
/// </summary>
/// <param name="Time">Simulated time in picoseconds when the fault was determined.</param>
/// <param name="TransactionId">Id of the DMA transaction.</param>
/// <param name="StreamId">StreamID.</param>
/// <param name="SubstreamId">SubstreamID; meaningful only when <paramref name="SubstreamValid"/>.</param>
/// <param name="SubstreamValid">Whether the transaction carried a SubstreamID.</param>
/// <param name="InputAddress">Input address (IOVA).</param>
/// <param name="EventType">SMMU event type (IHI 0070 §7.3, e.g. 0x10 F_TRANSLATION).</param>
/// <param name="Action">What happened to the transaction.</param>
/// <param name="LatencyCycles">Cycles spent before the fault was determined.</param>
/// <param name="EventRecorded">Whether an event record was written to the event queue (else the field is nil).</param>
/// <param name="Event0">Event record bytes 0-7 (little-endian, as in the event queue).</param>
/// <param name="Event1">Event record bytes 8-15.</param>
/// <param name="Event2">Event record bytes 16-23.</param>
/// <param name="Event3">Event record bytes 24-31.</param>
/// <param name="ArrivalTime">When the request reached the SMMU, picoseconds (appended field; <see cref="TranslationRecord.NoArrival"/> when unknown — traces written before it — and then not written).</param>
public readonly record struct TranslationFaultRecord(
    ulong Time,
    ulong TransactionId,
    uint StreamId,
    uint SubstreamId,
    bool SubstreamValid,
    ulong InputAddress,
    byte EventType,
    FaultAction Action,
    uint LatencyCycles,
    bool EventRecorded,
    ulong Event0,
    ulong Event1,
    ulong Event2,
    ulong Event3,
    ulong ArrivalTime = TranslationRecord.NoArrival) : ITraceRecord<TranslationFaultRecord>
{
    private const int Fields = 9;

    /// <inheritdoc/>
    public static TraceRecordType RecordType => TraceRecordType.TranslationFault;

    /// <inheritdoc/>
    public void Write(ref MessagePackWriter writer)
    {
        writer.WriteArrayHeader(ArrivalTime != TranslationRecord.NoArrival ? (uint)Fields + 2 : (uint)Fields + 1);
        writer.Write((uint)TraceRecordType.TranslationFault);
        writer.Write(Time);
        writer.Write(TransactionId);
        writer.Write(StreamId);
        RecordCodec.WriteOptional(ref writer, SubstreamValid, SubstreamId);
        writer.Write(InputAddress);
        writer.Write((uint)EventType);
        writer.Write((uint)Action);
        writer.Write(LatencyCycles);
        if (EventRecorded)
        {
            RecordCodec.WriteWords(ref writer, Event0, Event1, Event2, Event3);
        }
        else
        {
            writer.WriteNil();
        }
        if (ArrivalTime != TranslationRecord.NoArrival) writer.Write(ArrivalTime);
    }

    /// <inheritdoc/>
    public static bool TryRead(scoped ref MessagePackReader reader, out TranslationFaultRecord record)
    {
        if (!RecordCodec.TryBegin(ref reader, TraceRecordType.TranslationFault, Fields, out int extra))
        {
            record = default;
            return false;
        }
        ulong time = reader.ReadUInt64();
        ulong txn = reader.ReadUInt64();
        uint sid = reader.ReadUInt32();
        uint ssid = RecordCodec.ReadOptional(ref reader, out bool ssv);
        ulong input = reader.ReadUInt64();
        byte eventType = reader.ReadByte();
        var action = (FaultAction)reader.ReadByte();
        uint latency = reader.ReadUInt32();
        bool recorded = !reader.TryReadNil();
        ulong e0 = 0, e1 = 0, e2 = 0, e3 = 0;
        if (recorded)
        {
            ReadOnlySpan<byte> ev = RecordCodec.ReadFixedBinary(ref reader, 32, "an SMMU event record");
            e0 = BinaryPrimitives.ReadUInt64LittleEndian(ev);
            e1 = BinaryPrimitives.ReadUInt64LittleEndian(ev.Slice(8));
            e2 = BinaryPrimitives.ReadUInt64LittleEndian(ev.Slice(16));
            e3 = BinaryPrimitives.ReadUInt64LittleEndian(ev.Slice(24));
        }
        ulong arrival = TranslationRecord.NoArrival;
        if (extra > 0)
        {
            extra--;
            if (!reader.TryReadNil()) arrival = reader.ReadUInt64();
        }
        RecordCodec.SkipExtra(ref reader, extra);
        record = new TranslationFaultRecord(time, txn, sid, ssid, ssv, input, eventType, action, latency, recorded, e0, e1, e2, e3, arrival);
        return true;
    }
}
