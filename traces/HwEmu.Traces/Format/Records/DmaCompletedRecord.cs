using System.Runtime.CompilerServices;
using HwEmu.Traces.MessagePack;

namespace HwEmu.Traces.Format;

/// <summary>
/// A DMA transaction completed at its endpoint (appended record type 12). Wire form: <c>[12, time, transactionId,
/// device, kind, direction, size, latency, flags]</c>. With it a replay rebuilds the per-device results of a run.
/// </summary>
/// <param name="Time">Completion time in picoseconds.</param>
/// <param name="TransactionId">Id of the DMA transaction (<see cref="DmaIssuedRecord.TransactionId"/>).</param>
/// <param name="Device">Index of the device in the recorded scenario.</param>
/// <param name="Kind">What the transaction moved (<see cref="DmaIssuedRecord.Kind"/> values).</param>
/// <param name="Direction">Read or write.</param>
/// <param name="Size">Bytes.</param>
/// <param name="LatencyPs">Issue to completion, picoseconds.</param>
/// <param name="Flags">1 = error (fault or error completion), 2 = it ended its I/O operation successfully.</param>
public readonly record struct DmaCompletedRecord(
    ulong Time,
    ulong TransactionId,
    uint Device,
    byte Kind,
    DmaDirection Direction,
    uint Size,
    ulong LatencyPs,
    byte Flags) : ITraceRecord<DmaCompletedRecord>
{
    private const int Fields = 8;

    /// <summary><see cref="Flags"/> bit: the transaction failed.</summary>
    public const byte FlagError = 1;
    /// <summary><see cref="Flags"/> bit: the transaction ended its operation successfully.</summary>
    public const byte FlagOperationCompleted = 2;

    /// <inheritdoc/>
    public static TraceRecordType RecordType => TraceRecordType.DmaCompleted;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Write(ref MessagePackWriter writer)
    {
        writer.WriteArrayHeader(Fields + 1);
        writer.Write((uint)TraceRecordType.DmaCompleted);
        writer.Write(Time);
        writer.Write(TransactionId);
        writer.Write(Device);
        writer.Write((uint)Kind);
        writer.Write((uint)Direction);
        writer.Write(Size);
        writer.Write(LatencyPs);
        writer.Write((uint)Flags);
    }

    /// <inheritdoc/>
    public static bool TryRead(scoped ref MessagePackReader reader, out DmaCompletedRecord record)
    {
        if (!RecordCodec.TryBegin(ref reader, TraceRecordType.DmaCompleted, Fields, out int extra))
        {
            record = default;
            return false;
        }
        ulong time = reader.ReadUInt64();
        ulong txn = reader.ReadUInt64();
        uint device = reader.ReadUInt32();
        byte kind = reader.ReadByte();
        var dir = (DmaDirection)reader.ReadByte();
        uint size = reader.ReadUInt32();
        ulong latency = reader.ReadUInt64();
        byte flags = reader.ReadByte();
        RecordCodec.SkipExtra(ref reader, extra);
        record = new DmaCompletedRecord(time, txn, device, kind, dir, size, latency, flags);
        return true;
    }
}
