using HwEmu.Traces.MessagePack;

namespace HwEmu.Traces.Format;

/// <summary>
/// A checkpoint: a point where a replay compares its state hash with the recorded one. Wire form:
/// <c>[11, time, checkpointId, stateHash]</c>.
/// </summary>
/// <param name="Time">Simulated time in picoseconds.</param>
/// <param name="CheckpointId">Sequence number of the checkpoint.</param>
/// <param name="StateHash">Deterministic hash of the model state at this point.</param>
public readonly record struct CheckpointRecord(ulong Time, ulong CheckpointId, ulong StateHash) : ITraceRecord<CheckpointRecord>
{
    private const int Fields = 3;

    /// <inheritdoc/>
    public static TraceRecordType RecordType => TraceRecordType.Checkpoint;

    /// <inheritdoc/>
    public void Write(ref MessagePackWriter writer)
    {
        writer.WriteArrayHeader(Fields + 1);
        writer.Write((uint)TraceRecordType.Checkpoint);
        writer.Write(Time);
        writer.Write(CheckpointId);
        writer.Write(StateHash);
    }

    /// <inheritdoc/>
    public static bool TryRead(scoped ref MessagePackReader reader, out CheckpointRecord record)
    {
        if (!RecordCodec.TryBegin(ref reader, TraceRecordType.Checkpoint, Fields, out int extra))
        {
            record = default;
            return false;
        }
        ulong time = reader.ReadUInt64();
        ulong id = reader.ReadUInt64();
        ulong hash = reader.ReadUInt64();
        RecordCodec.SkipExtra(ref reader, extra);
        record = new CheckpointRecord(time, id, hash);
        return true;
    }
}
