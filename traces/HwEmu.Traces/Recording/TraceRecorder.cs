using System.Collections.Concurrent;
using System.Threading.Channels;
using HwEmu.Traces.Format;
using HwEmu.Traces.MessagePack;

namespace HwEmu.Traces.Recording;

/// <summary>
/// Records a run's trace without doing file I/O on the simulation thread. <see cref="Append{T}"/> encodes the
/// record into the current pooled block on the calling thread (no allocation per record); a full block goes
/// through a bounded <see cref="Channel{T}"/> to a background task that frames, checksums and writes it with a
/// <see cref="TraceWriter"/>. When the channel is full <see cref="Append{T}"/> waits (backpressure): a record is
/// never dropped. Blocks come back to a free list once written. <see cref="Append{T}"/> must be called from one
/// thread at a time (one run is one thread).
/// </summary>
public sealed class TraceRecorder : IDisposable
{
    private readonly TraceWriter _writer;
    private readonly bool _ownsWriter;
    private readonly int _blockSize;
    private readonly Channel<TraceBlock> _full;
    private readonly ConcurrentQueue<TraceBlock> _free = new();
    private readonly Task _writerTask;
    private TraceBlock? _current;
    private long _nextIndex;
    private Exception? _writeError;
    private bool _completed;

    /// <summary>Creates a recorder that appends to <paramref name="writer"/> (which already holds the header).</summary>
    /// <param name="writer">The file writer; used only by the background task from now on.</param>
    /// <param name="capacity">Number of full blocks that may wait for the writer before Append blocks.</param>
    /// <param name="ownsWriter">Dispose <paramref name="writer"/> when the recorder is disposed.</param>
    public TraceRecorder(TraceWriter writer, int capacity = 4, bool ownsWriter = true)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _writer = writer;
        _ownsWriter = ownsWriter;
        _blockSize = writer.Options.BlockSize;
        _nextIndex = writer.RecordCount;
        _full = Channel.CreateBounded<TraceBlock>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = true,
        });
        _current = RentBlock();
        _writerTask = Task.Run(WriteLoopAsync);
    }

    /// <summary>Records appended through this recorder.</summary>
    public long RecordsAppended { get; private set; }

    /// <summary>How many times Append had to wait for the writer (the channel was full).</summary>
    public long BackpressureWaits { get; private set; }

    /// <summary>Encodes <paramref name="record"/> into the current block; hands the block to the writer task when
    /// it reaches the block size.</summary>
    public void Append<T>(in T record) where T : ITraceRecord<T>, allows ref struct
    {
        TraceBlock block = _current ?? throw new InvalidOperationException("The recorder has been completed.");
        var w = new MessagePackWriter(block);
        record.Write(ref w);
        w.Flush();
        block.RecordCount++;
        _nextIndex++;
        RecordsAppended++;
        if (block.PayloadLength >= _blockSize)
        {
            HandOff(block);
            _current = RentBlock();
        }
    }

    /// <summary>Hands the last block to the writer, waits until everything is written and flushed, and rethrows a
    /// write error if one happened.</summary>
    public void Complete()
    {
        if (_completed)
        {
            return;
        }
        _completed = true;
        TraceBlock? last = _current;
        _current = null;
        try
        {
            if (last is not null && last.RecordCount > 0)
            {
                HandOff(last);
            }
            else
            {
                last?.Release();
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
        _writer.Flush();
    }

    /// <summary>Completes the recording and disposes the writer if owned.</summary>
    public void Dispose()
    {
        try
        {
            Complete();
        }
        finally
        {
            while (_free.TryDequeue(out TraceBlock? b))
            {
                b.Release();
            }
            if (_ownsWriter)
            {
                _writer.Dispose();
            }
        }
    }

    private void HandOff(TraceBlock block)
    {
        if (_full.Writer.TryWrite(block))
        {
            return;
        }
        BackpressureWaits++;
        try
        {
            // The simulation thread waits for the writer: slower, but nothing is lost.
            _full.Writer.WriteAsync(block).AsTask().GetAwaiter().GetResult();
        }
        catch (ChannelClosedException e)
        {
            throw new IOException("Writing the trace failed: " + (_writeError?.Message ?? e.Message), _writeError ?? e);
        }
    }

    private TraceBlock RentBlock()
    {
        if (!_free.TryDequeue(out TraceBlock? block))
        {
            block = new TraceBlock(_blockSize + 1024);
        }
        block.Reset(_nextIndex);
        return block;
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            await foreach (TraceBlock block in _full.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                _writer.WriteBlock(block);
                _free.Enqueue(block);
            }
        }
        catch (Exception e)
        {
            _writeError = e;
            _full.Writer.TryComplete(e);
            while (_full.Reader.TryRead(out TraceBlock? b))
            {
                b.Release();
            }
        }
    }
}
