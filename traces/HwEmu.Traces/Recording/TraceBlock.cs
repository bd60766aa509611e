using System.Runtime.CompilerServices;
using System.Buffers;
using System.Buffers.Binary;
using HwEmu.Traces.Format;

namespace HwEmu.Traces.Recording;

/// <summary>
/// One block being filled with encoded records: a pooled array with room for the 24-byte frame in front of the
/// payload, so a sealed block is written with one call. Implements <see cref="IBufferWriter{T}"/> for
/// <see cref="MessagePack.MessagePackWriter"/>.
/// </summary>
internal sealed class TraceBlock : IBufferWriter<byte>
{
    private byte[] _buffer;
    private int _end;

    public TraceBlock(int capacity)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(TraceFileLayout.BlockHeaderSize + capacity);
        _end = TraceFileLayout.BlockHeaderSize;
    }

    /// <summary>Payload bytes so far.</summary>
    public int PayloadLength => _end - TraceFileLayout.BlockHeaderSize;

    /// <summary>Records in the block.</summary>
    public int RecordCount { get; set; }

    /// <summary>Index of the block's first record in the file.</summary>
    public long FirstRecordIndex { get; set; }

    /// <summary>Empties the block for reuse.</summary>
    public void Reset(long firstRecordIndex)
    {
        _end = TraceFileLayout.BlockHeaderSize;
        RecordCount = 0;
        FirstRecordIndex = firstRecordIndex;
    }

    /// <summary>Fills in the frame and returns frame + payload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ReadOnlySpan<byte> Seal()
    {
        Span<byte> frame = _buffer.AsSpan(0, TraceFileLayout.BlockHeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(frame, TraceFileLayout.BlockSync);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.Slice(4), (uint)PayloadLength);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.Slice(8), (uint)RecordCount);
        BinaryPrimitives.WriteUInt64LittleEndian(frame.Slice(12), (ulong)FirstRecordIndex);
        uint crc = Crc32C.Compute(frame.Slice(4, 16));
        crc = Crc32C.Append(crc, _buffer.AsSpan(TraceFileLayout.BlockHeaderSize, PayloadLength));
        BinaryPrimitives.WriteUInt32LittleEndian(frame.Slice(20), crc);
        return _buffer.AsSpan(0, _end);
    }

    /// <summary>Returns the array to the pool.</summary>
    public void Release()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _end = 0;
    }

    public void Advance(int count) => _end += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_end);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_end);
    }

    private void Ensure(int sizeHint)
    {
        int need = Math.Max(sizeHint, 16);
        if (_buffer.Length - _end >= need)
        {
            return;
        }
        // A record larger than the remaining space (a big memory-write record): grow rather than split records.
        int size = Math.Max(_buffer.Length * 2, _end + need);
        if (size - TraceFileLayout.BlockHeaderSize > TraceFileLayout.MaxBlockPayload)
        {
            size = TraceFileLayout.MaxBlockPayload + TraceFileLayout.BlockHeaderSize;
            if (size - _end < need)
            {
                throw new InvalidOperationException($"A trace block cannot exceed {TraceFileLayout.MaxBlockPayload} bytes.");
            }
        }
        byte[] bigger = ArrayPool<byte>.Shared.Rent(size);
        _buffer.AsSpan(0, _end).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
