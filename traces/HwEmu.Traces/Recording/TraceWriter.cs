using System.Runtime.CompilerServices;
using System.IO.Compression;
using HwEmu.Traces.Format;
using HwEmu.Traces.MessagePack;

namespace HwEmu.Traces.Recording;

/// <summary>
/// Writes a trace file: the preamble, the header record in its own block, then blocks of records. Synchronous; use
/// <see cref="TraceRecorder"/> to move the file I/O off the simulation thread. Not thread-safe.
/// </summary>
public sealed class TraceWriter : IDisposable
{
    private readonly Stream _file;
    private readonly Stream _blocks;
    private readonly bool _leaveOpen;
    private readonly TraceBlock _block;
    private bool _disposed;

    /// <summary>Creates a writer and writes the preamble and the header.</summary>
    /// <param name="stream">Destination stream.</param>
    /// <param name="header">The header record.</param>
    /// <param name="options">Block size and compression.</param>
    /// <param name="leaveOpen">Leave <paramref name="stream"/> open on dispose.</param>
    public TraceWriter(Stream stream, TraceHeader header, TraceWriterOptions? options = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(header);
        Options = options ?? new TraceWriterOptions();
        if (Options.BlockSize <= 0 || Options.BlockSize > TraceFileLayout.MaxBlockPayload / 2)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"BlockSize must be in 1..{TraceFileLayout.MaxBlockPayload / 2}.");
        }
        _file = stream;
        _leaveOpen = leaveOpen;
        Header = header;
        Span<byte> preamble = stackalloc byte[TraceFileLayout.PreambleSize];
        TraceFileLayout.Magic.CopyTo(preamble);
        preamble[8] = (byte)(header.FormatVersion & 0xff);
        preamble[9] = (byte)(header.FormatVersion >> 8);
        preamble[10] = (byte)Options.Compression;
        preamble[11] = 0;
        _file.Write(preamble);
        _blocks = Options.Compression switch
        {
            TraceCompression.None => _file,
            TraceCompression.GZip => new GZipStream(_file, Options.CompressionLevel, leaveOpen: true),
            TraceCompression.Brotli => new BrotliStream(_file, Options.CompressionLevel, leaveOpen: true),
            _ => throw new ArgumentOutOfRangeException(nameof(options), "Unknown compression."),
        };
        _block = new TraceBlock(Options.BlockSize + 1024);
        _block.Reset(0);
        var w = new MessagePackWriter(_block);
        header.Write(ref w);
        w.Flush();
        _block.RecordCount = 1;
        RecordCount = 1;
        Flush();
    }

    /// <summary>Creates (or overwrites) a trace file at <paramref name="path"/>.</summary>
    public static TraceWriter Create(string path, TraceHeader header, TraceWriterOptions? options = null) =>
        new(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16), header, options);

    /// <summary>The options in use.</summary>
    public TraceWriterOptions Options { get; }

    /// <summary>The header written.</summary>
    public TraceHeader Header { get; }

    /// <summary>Records appended so far, including the header.</summary>
    public long RecordCount { get; private set; }

    /// <summary>Blocks written so far.</summary>
    public long BlockCount { get; private set; }

    /// <summary>Encodes a record into the current block, writing the block when it is full.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Append<T>(in T record) where T : ITraceRecord<T>, allows ref struct
    {
        var w = new MessagePackWriter(_block);
        record.Write(ref w);
        w.Flush();
        _block.RecordCount++;
        RecordCount++;
        if (_block.PayloadLength >= Options.BlockSize)
        {
            EndBlock();
        }
    }

    /// <summary>Appends one record this codec encoded (no validation; <see cref="TraceRecorder"/>'s writer task).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void AppendEncoded(ReadOnlySpan<byte> record)
    {
        var w = new MessagePackWriter(_block);
        w.WriteRaw(record);
        w.Flush();
        _block.RecordCount++;
        RecordCount++;
        if (_block.PayloadLength >= Options.BlockSize)
        {
            EndBlock();
        }
    }

    /// <summary>False when the block stream is flushed only by <see cref="Flush"/> and <see cref="Dispose"/> (set by
    /// <see cref="TraceRecorder"/>, whose background task owns the writer and need not push every block through a
    /// compressor's flush).</summary>
    internal bool FlushEveryBlock { get; set; } = true;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EndBlock()
    {
        if (FlushEveryBlock)
        {
            Flush();
            return;
        }
        _blocks.Write(_block.Seal());
        BlockCount++;
        _block.Reset(RecordCount);
    }

    /// <summary>Appends one already-encoded record (a MessagePack array whose first element is the record type),
    /// e.g. a record type this version does not know. The bytes are checked to be exactly one array.</summary>
    public void AppendRaw(ReadOnlySpan<byte> record)
    {
        var r = new MessagePackReader(record);
        if (r.End || r.NextType != MessagePackType.Array)
        {
            throw new ArgumentException("A record must be a MessagePack array.", nameof(record));
        }
        var head = new MessagePackReader(record);
        if (head.ReadArrayHeader() == 0 || head.NextType != MessagePackType.Integer ||
            head.NextCode >= MessagePackCode.MinNegativeFixInt || head.ReadUInt64() is 0 or > ushort.MaxValue)
        {
            throw new ArgumentException("A record's first element must be its type, an integer in 1..65535.", nameof(record));
        }
        r.Skip();
        if (!r.End)
        {
            throw new ArgumentException("A record must be exactly one MessagePack value.", nameof(record));
        }
        var w = new MessagePackWriter(_block);
        w.WriteRaw(record);
        w.Flush();
        _block.RecordCount++;
        RecordCount++;
        if (_block.PayloadLength >= Options.BlockSize)
        {
            EndBlock();
        }
    }

    /// <summary>Writes the current block (if not empty) and flushes the stream.</summary>
    public void Flush()
    {
        if (_block.RecordCount > 0)
        {
            _blocks.Write(_block.Seal());
            BlockCount++;
            _block.Reset(RecordCount);
        }
        _blocks.Flush();
    }

    /// <summary>Writes a block sealed elsewhere (by <see cref="TraceRecorder"/>).</summary>
    internal void WriteBlock(TraceBlock block)
    {
        if (block.FirstRecordIndex != RecordCount)
        {
            throw new InvalidOperationException($"Block starts at record {block.FirstRecordIndex}, expected {RecordCount}.");
        }
        _blocks.Write(block.Seal());
        BlockCount++;
        RecordCount += block.RecordCount;
        _block.Reset(RecordCount);
    }

    /// <summary>Flushes the last block, ends the compression stream and closes the file unless left open.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        Flush();
        if (!ReferenceEquals(_blocks, _file))
        {
            _blocks.Dispose();
        }
        _file.Flush();
        _block.Release();
        if (!_leaveOpen)
        {
            _file.Dispose();
        }
    }
}
