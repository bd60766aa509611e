using System.Runtime.CompilerServices;
using HwEmu.Traces.MessagePack;

namespace HwEmu.Traces.Format;

/// <summary>
/// A successful translation. Wire form: <c>[2, time, transactionId, streamId, substreamId|nil, inputAddress,
/// outputAddress, permissions, latencyCycles, servedBy, walkFetches]</c>.
/// </summary>
/// <param name="Time">Simulated time in picoseconds when the translation completed.</param>
/// <param name="TransactionId">Id of the DMA transaction (<see cref="DmaIssuedRecord.TransactionId"/>).</param>
/// <param name="StreamId">StreamID.</param>
/// <param name="SubstreamId">SubstreamID (PASID); meaningful only when <paramref name="SubstreamValid"/>.</param>
/// <param name="SubstreamValid">Whether the transaction carried a SubstreamID (written as nil when not).</param>
/// <param name="InputAddress">Input address (IOVA).</param>
/// <param name="OutputAddress">Output (physical) address.</param>
/// <param name="Permissions">Permissions of the mapping.</param>
/// <param name="LatencyCycles">Translation latency in SMMU clock cycles.</param>
/// <param name="ServedBy">What served the translation.</param>
/// <param name="WalkFetches">Number of descriptor fetches made (0 on an IOTLB hit).</param>
/// <param name="ArrivalTime">When the request reached the SMMU, picoseconds (appended field; <see cref="TranslationRecord.NoArrival"/> when unknown — traces written before it — and then not written).</param>
public readonly record struct TranslationRecord(
    ulong Time,
    ulong TransactionId,
    uint StreamId,
    uint SubstreamId,
    bool SubstreamValid,
    ulong InputAddress,
    ulong OutputAddress,
    AccessPermissions Permissions,
    uint LatencyCycles,
    TranslationSource ServedBy,
    byte WalkFetches,
    ulong ArrivalTime = TranslationRecord.NoArrival) : ITraceRecord<TranslationRecord>
{
    private const int Fields = 10;

    /// <summary><see cref="ArrivalTime"/> of a record that does not carry one.</summary>
    public const ulong NoArrival = ulong.MaxValue;

    /// <inheritdoc/>
    public static TraceRecordType RecordType => TraceRecordType.Translation;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Write(ref MessagePackWriter writer)
    {
        writer.WriteArrayHeader(ArrivalTime != TranslationRecord.NoArrival ? (uint)Fields + 2 : (uint)Fields + 1);
        writer.Write((uint)TraceRecordType.Translation);
        writer.Write(Time);
        writer.Write(TransactionId);
        writer.Write(StreamId);
        RecordCodec.WriteOptional(ref writer, SubstreamValid, SubstreamId);
        writer.Write(InputAddress);
        writer.Write(OutputAddress);
        writer.Write((uint)Permissions);
        writer.Write(LatencyCycles);
        writer.Write((uint)ServedBy);
        writer.Write((uint)WalkFetches);
        if (ArrivalTime != TranslationRecord.NoArrival) writer.Write(ArrivalTime);
    }

    /// <inheritdoc/>
    public static bool TryRead(scoped ref MessagePackReader reader, out TranslationRecord record)
    {
        if (!RecordCodec.TryBegin(ref reader, TraceRecordType.Translation, Fields, out int extra))
        {
            record = default;
            return false;
        }
        ulong time = reader.ReadUInt64();
        ulong txn = reader.ReadUInt64();
        uint sid = reader.ReadUInt32();
        uint ssid = RecordCodec.ReadOptional(ref reader, out bool ssv);
        ulong input = reader.ReadUInt64();
        ulong output = reader.ReadUInt64();
        var perm = (AccessPermissions)reader.ReadByte();
        uint latency = reader.ReadUInt32();
        var servedBy = (TranslationSource)reader.ReadByte();
        byte fetches = reader.ReadByte();
        ulong arrival = TranslationRecord.NoArrival;
        if (extra > 0)
        {
            extra--;
            if (!reader.TryReadNil()) arrival = reader.ReadUInt64();
        }
        RecordCodec.SkipExtra(ref reader, extra);
        record = new TranslationRecord(time, txn, sid, ssid, ssv, input, output, perm, latency, servedBy, fetches, arrival);
        return true;
    }
}
