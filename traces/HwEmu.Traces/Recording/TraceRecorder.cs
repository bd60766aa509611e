using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using HwEmu.Traces.Format;
using HwEmu.Traces.MessagePack;

namespace HwEmu.Traces.Recording;

/// <summary>
/// Records a run's trace with as little work as possible on the simulation thread. <see cref="Append{T}"/> queues
/// a fixed-size record (every type except MemoryWrite) into the current pooled chunk — the types of every DMA
/// transaction field by field in a packed layout (<see cref="QueuedRecords"/>), the others as their struct bytes; no
/// allocation; other records are encoded to MessagePack there. A full chunk goes through a bounded
/// <see cref="Channel{T}"/> to a dedicated writer thread that encodes the records, frames, checksums and writes blocks
/// with a <see cref="TraceWriter"/>, so the file is byte for byte what a <see cref="TraceWriter"/> fed the same records
/// writes. The writer polls the channel (a 1 ms nap when it is empty), so a hand-off never has to wake anyone and
/// costs the simulation thread one uncontended enqueue. The writer path is compiled fully optimized from its first
/// call: at tier 0 it fell behind during a run's first few hundred milliseconds. When the channel is full
/// <see cref="Append{T}"/> waits (backpressure): a record is never dropped.
/// Chunks come back to a free list once written. <see cref="Append{T}"/> must be called from one thread at a time
/// (one run is one thread).
/// </summary>
public class TraceRecorder : IDisposable
{
    private const byte TagDmaIssued = 1, TagTranslation = 2, TagTranslationFault = 3, TagMsiWrite = 4, TagInterruptDelivered = 5,
        TagRegisterWrite = 6, TagSmmuCommand = 7, TagItsCommand = 8, TagFaultInjected = 10, TagCheckpoint = 11, TagDmaCompleted = 12, TagEncoded = 0xff;

    /// <summary>Default bytes per hand-off: 1 MiB. The writer naps 1 ms when it finds the channel empty, and the
    /// default four queued chunks hold several milliseconds of a run's records (the default scenario queues about
    /// 0.4 MB per millisecond of wall time), so the run never waits for a nap to end.</summary>
    public const int DefaultChunkSize = 1 << 20;

    // Set by the constructor, or on the writer thread by _createWriter; the simulation thread reads it only after the
    // writer thread has ended (Complete, Dispose).
    private TraceWriter? _writer;
    private readonly Func<TraceWriter>? _createWriter;
    private readonly bool _ownsWriter;
    private readonly int _chunkSize;
    private readonly Channel<Chunk> _full;
    private readonly ConcurrentQueue<Chunk> _free = new();
    private readonly ArrayBufferWriter<byte> _scratch = new(256);
    private readonly Task _writerTask;
    private Chunk? _current;
    // The current chunk's buffer and write position, kept flat here for Append (see there).
    private byte[] _buffer = [];
    private int _position, _end = -1;
    private Exception? _writeError;
    private bool _completed;

    /// <summary>Creates a recorder that appends to <paramref name="writer"/> (which already holds the header).</summary>
    /// <param name="writer">The file writer; used only by the background task from now on.</param>
    /// <param name="capacity">Number of full chunks that may wait for the writer before Append blocks.</param>
    /// <param name="ownsWriter">Dispose <paramref name="writer"/> when the recorder is disposed.</param>
    /// <param name="chunkSize">Bytes of queued records per hand-off (at least 4 096). Chunks times capacity should hold
    /// well over a millisecond of records, the writer's nap when it finds nothing to do.</param>
    public TraceRecorder(TraceWriter writer, int capacity = 4, bool ownsWriter = true, int chunkSize = DefaultChunkSize)
        : this(null, writer, capacity, ownsWriter, chunkSize)
    {
    }

    /// <summary>Creates a recorder whose writer <paramref name="createWriter"/> builds on the writer thread, so a
    /// header that is costly to build (a scenario's JSON: about 16 ms at start-up) does not delay the run. The recorder
    /// owns that writer; if building it fails, <see cref="Append{T}"/> or <see cref="Complete"/> throws
    /// <see cref="IOException"/>.</summary>
    /// <param name="createWriter">Builds the writer (which writes the header); called once, on the writer thread.</param>
    /// <param name="capacity">Number of full chunks that may wait for the writer before Append blocks.</param>
    /// <param name="chunkSize">Bytes of queued records per hand-off (at least 4 096).</param>
    protected TraceRecorder(Func<TraceWriter> createWriter, int capacity = 4, int chunkSize = DefaultChunkSize)
        : this(createWriter ?? throw new ArgumentNullException(nameof(createWriter)), null, capacity, true, chunkSize)
    {
    }

    private TraceRecorder(Func<TraceWriter>? createWriter, TraceWriter? writer, int capacity, bool ownsWriter, int chunkSize)
    {
        if (createWriter is null) ArgumentNullException.ThrowIfNull(writer);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _createWriter = createWriter;
        _writer = writer;
        if (_writer is not null) _writer.FlushEveryBlock = false;
        _ownsWriter = ownsWriter;
        _chunkSize = Math.Max(4096, chunkSize); // independent of the file's block size: the writer cuts blocks itself
        _full = Channel.CreateBounded<Chunk>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = true,
        });
        // Every chunk that can be in use at once (current + channel + the one being written) exists from the start,
        // so appending never allocates.
        for (int i = 0; i < capacity + 2; i++) _free.Enqueue(new Chunk(_chunkSize));
        Use(Rent(_chunkSize));
        // A dedicated thread, not the thread pool: a pool worker spins for more work after every chunk, and on a
        // 2-core machine that spinning takes CPU from the simulation thread (measured: +0.8-1.4 s CPU per 12 M records).
        _writerTask = Task.Factory.StartNew(WriteLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Records appended through this recorder.</summary>
    public long RecordsAppended { get; private set; }

    /// <summary>How many times Append had to wait for the writer (the channel was full).</summary>
    public long BackpressureWaits { get; private set; }

    /// <summary>Queues <paramref name="record"/>; hands the current chunk to the writer task when it is full.</summary>
    public void Append<T>(in T record) where T : ITraceRecord<T>, allows ref struct
    {
        byte tag = Tag<T>();
        if (tag != 0)
        {
            // A fixed-size record of a known type, encoded later by the writer thread: the per-transaction types in
            // their packed form (QueuedRecords), the rare others as their struct bytes. Only three fields of this
            // object are read (no recorder -> chunk -> array chain) and there is no bounds check: the room was
            // checked against _end.
            int packed = QueuedRecords.SizeOf<T>();
            int size = (packed != 0 ? packed : Unsafe.SizeOf<T>()) + 1;
            int position = _position;
            if (position > _end - size) position = NextChunk(size);
            ref byte at = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_buffer), position);
            at = tag;
            if (packed != 0) QueuedRecords.Write(ref Unsafe.Add(ref at, 1), in record);
            else Unsafe.WriteUnaligned(ref Unsafe.Add(ref at, 1), record);
            _position = position + size;
        }
        else
        {
            AppendEncoded(in record);
        }
        RecordsAppended++;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AppendEncoded<T>(in T record) where T : ITraceRecord<T>, allows ref struct
    {
        _scratch.ResetWrittenCount();
        var w = new MessagePackWriter(_scratch);
        record.Write(ref w);
        w.Flush();
        ReadOnlySpan<byte> bytes = _scratch.WrittenSpan;
        int size = bytes.Length + 5;
        int position = _position;
        if (position > _end - size) position = NextChunk(size);
        _buffer[position] = TagEncoded;
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(position + 1), bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(position + 5));
        _position = position + size;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte Tag<T>() where T : allows ref struct =>
        typeof(T) == typeof(TranslationRecord) ? TagTranslation
        : typeof(T) == typeof(DmaIssuedRecord) ? TagDmaIssued
        : typeof(T) == typeof(MsiWriteRecord) ? TagMsiWrite
        : typeof(T) == typeof(InterruptDeliveredRecord) ? TagInterruptDelivered
        : typeof(T) == typeof(TranslationFaultRecord) ? TagTranslationFault
        : typeof(T) == typeof(RegisterWriteRecord) ? TagRegisterWrite
        : typeof(T) == typeof(SmmuCommandRecord) ? TagSmmuCommand
        : typeof(T) == typeof(ItsCommandRecord) ? TagItsCommand
        : typeof(T) == typeof(FaultInjectedRecord) ? TagFaultInjected
        : typeof(T) == typeof(CheckpointRecord) ? TagCheckpoint
        : typeof(T) == typeof(DmaCompletedRecord) ? TagDmaCompleted
        : (byte)0;

    /// <summary>Hands the current chunk to the writer (if it holds anything) and starts a new one that has room for
    /// <paramref name="needed"/> bytes; returns the position to write at (0).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int NextChunk(int needed)
    {
        Chunk full = _current ?? throw new InvalidOperationException("The recorder has been completed.");
        full.Length = _position;
        if (full.Length > 0) HandOff(full);
        else Return(full);
        Use(Rent(Math.Max(_chunkSize, needed)));
        return 0;
    }

    private void Use(Chunk? chunk)
    {
        _current = chunk;
        _buffer = chunk?.Buffer ?? [];
        _position = 0;
        _end = chunk is null ? -1 : _buffer.Length;
    }

    /// <summary>
    /// Hands the last chunk to the writer task, waits until everything is written and flushes the writer. Throws
    /// <see cref="IOException"/> if writing failed at any point.
    /// </summary>
    public void Complete()
    {
        if (_completed)
        {
            return;
        }
        _completed = true;
        try
        {
            OnCompleting();
        }
        finally
        {
            // Even when the derived recorder fails, the writer thread must be told to finish, or it polls forever.
            FinishWriting();
        }
    }

    private void FinishWriting()
    {
        Chunk? last = _current;
        if (last is not null) last.Length = _position;
        Use(null);
        try
        {
            if (last is not null && last.Length > 0)
            {
                HandOff(last);
            }
        }
        finally
        {
            _full.Writer.TryComplete();
            _writerTask.GetAwaiter().GetResult();
        }
        if (_writeError is not null)
        {
            throw new IOException("Writing the trace failed: " + _writeError.Message, _writeError);
        }
        _writer!.Flush();
    }

    /// <summary>Called once by <see cref="Complete"/> before the last chunk goes to the writer: a derived recorder
    /// appends what it still holds back.</summary>
    protected virtual void OnCompleting()
    {
    }

    /// <summary>Completes the recording (if not done) and disposes the writer when owned.</summary>
    public void Dispose()
    {
        try
        {
            Complete();
        }
        finally
        {
            if (_ownsWriter)
            {
                _writer?.Dispose();
            }
        }
    }

    private void HandOff(Chunk chunk)
    {
        if (_full.Writer.TryWrite(chunk))
        {
            return;
        }
        BackpressureWaits++;
        try
        {
            // The simulation thread waits for the writer: slower, but nothing is lost.
            _full.Writer.WriteAsync(chunk).AsTask().GetAwaiter().GetResult();
        }
        catch (ChannelClosedException e)
        {
            throw new IOException("Writing the trace failed: " + (_writeError?.Message ?? e.Message), _writeError ?? e);
        }
    }

    private Chunk Rent(int size)
    {
        if (!_free.TryDequeue(out Chunk? chunk) || chunk.Buffer.Length < size)
        {
            chunk = new Chunk(size);
        }
        chunk.Length = 0;
        return chunk;
    }

    private void Return(Chunk chunk)
    {
        // Oversized chunks (one huge memory write) are not kept.
        if (chunk.Buffer.Length == _chunkSize) _free.Enqueue(chunk);
    }

    private TraceWriter CreateWriter()
    {
        TraceWriter writer = _createWriter!();
        writer.FlushEveryBlock = false;
        return writer;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteLoop()
    {
        try
        {
            ChannelReader<Chunk> reader = _full.Reader;
            TraceWriter writer = _writer ??= CreateWriter();
            while (true)
            {
                if (reader.TryRead(out Chunk? chunk))
                {
                    Encode(writer, chunk);
                    Return(chunk);
                    continue;
                }
                if (reader.Completion.IsCompleted)
                {
                    break;
                }
                // Poll rather than await: a waiting reader makes every hand-off wake it through the thread pool,
                // and that wake-up is paid on the simulation thread. A full chunk takes milliseconds to fill, so a
                // 1 ms nap costs nothing in throughput.
                Thread.Sleep(1);
            }
        }
        catch (Exception e)
        {
            _writeError = e;
            _full.Writer.TryComplete(e);
            while (_full.Reader.TryRead(out _))
            {
            }
        }
    }

    // Static, with the writer passed in: the writer thread must not read this object's fields per record, because the
    // simulation thread writes _position and RecordsAppended for every record and a shared cache line would bounce
    // between the two cores.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Encode(TraceWriter writer, Chunk chunk)
    {
        byte[] b = chunk.Buffer;
        int pos = 0;
        while (pos < chunk.Length)
        {
            byte tag = b[pos++];
            switch (tag)
            {
                case TagTranslation: writer.Append(QueuedRecords.ReadTranslation(ref b[pos])); pos += QueuedRecords.TranslationSize; break;
                case TagDmaIssued: writer.Append(QueuedRecords.ReadDmaIssued(ref b[pos])); pos += QueuedRecords.DmaIssuedSize; break;
                case TagMsiWrite: writer.Append(QueuedRecords.ReadMsiWrite(ref b[pos])); pos += QueuedRecords.MsiWriteSize; break;
                case TagInterruptDelivered: writer.Append(QueuedRecords.ReadInterruptDelivered(ref b[pos])); pos += QueuedRecords.InterruptDeliveredSize; break;
                case TagTranslationFault: pos = Write<TranslationFaultRecord>(writer, b, pos); break;
                case TagRegisterWrite: pos = Write<RegisterWriteRecord>(writer, b, pos); break;
                case TagSmmuCommand: pos = Write<SmmuCommandRecord>(writer, b, pos); break;
                case TagItsCommand: pos = Write<ItsCommandRecord>(writer, b, pos); break;
                case TagFaultInjected: pos = Write<FaultInjectedRecord>(writer, b, pos); break;
                case TagCheckpoint: pos = Write<CheckpointRecord>(writer, b, pos); break;
                case TagDmaCompleted: writer.Append(QueuedRecords.ReadDmaCompleted(ref b[pos])); pos += QueuedRecords.DmaCompletedSize; break;
                default:
                    int n = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(pos));
                    writer.AppendEncoded(b.AsSpan(pos + 4, n));
                    pos += 4 + n;
                    break;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Write<T>(TraceWriter writer, byte[] b, int pos) where T : struct, ITraceRecord<T>
    {
        T record = Unsafe.ReadUnaligned<T>(ref b[pos]);
        writer.Append(in record);
        return pos + Unsafe.SizeOf<T>();
    }

    /// <summary>A pooled buffer of queued records: tag byte, then the struct bytes or a length-prefixed encoding.</summary>
    private sealed class Chunk(int size)
    {
        public readonly byte[] Buffer = new byte[size];
        public int Length;
    }
}
