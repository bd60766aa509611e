using System.Buffers.Binary;
using System.IO.Compression;
using HwEmu.Traces.MessagePack;

namespace HwEmu.Traces.Format;

/// <summary>
/// Reads a trace file block by block and iterates its records without allocating per record. Every block's CRC-32C
/// is checked before any of its records is returned; a mismatch, a bad frame, a record that is not one well-formed
/// MessagePack array, a missing or out-of-order block throw <see cref="TraceFormatException"/> with the byte offset
/// and record index. A file cut short (a crash while recording) is not an error by default: the reader returns every
/// complete record, including those of the partial last block (marked unverified since its CRC is missing), then
/// sets <see cref="IsTruncated"/>. Memory is bounded by the largest block actually present, never by a declared
/// length.
/// </summary>
public sealed class TraceReader : IDisposable
{
    private const int InitialBuffer = 80 << 10;

    private readonly Stream _file;
    private readonly Stream _blocks;
    private readonly bool _leaveOpen;
    private readonly TraceReaderOptions _options;
    private byte[] _buf = new byte[InitialBuffer];
    private int _payloadLength;
    private long _payloadOffset;
    private long _streamOffset;
    private int[] _starts = new int[4096];
    private int _validCount;
    private bool _lazy;
    private int _lazyCount;
    private int _lazyReturned;
    private int _lazyPos;
    private int _curStart;
    private int _curEnd = -1;
    private int _recordInBlock;
    private TraceFormatException? _blockError;
    private string? _pendingTruncation;
    private long _pendingTruncationOffset;
    private bool _verified = true;
    private bool _end;
    private long _nextIndex;

    /// <summary>Opens a trace and reads its preamble and header record.</summary>
    /// <param name="stream">The trace file stream.</param>
    /// <param name="options">Reader options.</param>
    /// <param name="leaveOpen">Leave <paramref name="stream"/> open on dispose.</param>
    public TraceReader(Stream stream, TraceReaderOptions? options = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _file = stream;
        _leaveOpen = leaveOpen;
        _options = options ?? new TraceReaderOptions();
        try
        {
            Span<byte> pre = stackalloc byte[TraceFileLayout.PreambleSize];
            int n = ReadFully(stream, pre);
            if (n < TraceFileLayout.PreambleSize || !pre.Slice(0, 8).SequenceEqual(TraceFileLayout.Magic))
            {
                throw new TraceFormatException(0, -1, n < 8
                    ? $"not an HwEmu trace: the file has {n} bytes, fewer than the 8-byte magic \"HWEMUTRC\""
                    : $"not an HwEmu trace: magic is {Convert.ToHexString(pre.Slice(0, 8))}, expected \"HWEMUTRC\"" +
                      (n < TraceFileLayout.PreambleSize ? " (and the preamble is truncated)" : ""));
            }
            FormatVersion = BinaryPrimitives.ReadUInt16LittleEndian(pre.Slice(8));
            if (FormatVersion == 0 || FormatVersion > TraceFileLayout.FormatVersion)
            {
                throw new TraceFormatException(8, -1,
                    $"unsupported format version {FormatVersion}; this reader supports 1..{TraceFileLayout.FormatVersion}");
            }
            if (pre[10] > (byte)TraceCompression.Brotli)
            {
                throw new TraceFormatException(10, -1, $"unknown compression code {pre[10]}");
            }
            if (pre[11] != 0)
            {
                throw new TraceFormatException(11, -1, $"reserved preamble byte is 0x{pre[11]:x2}, expected 0");
            }
            Compression = (TraceCompression)pre[10];
            _blocks = Compression switch
            {
                TraceCompression.GZip => new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true),
                TraceCompression.Brotli => new BrotliStream(stream, CompressionMode.Decompress, leaveOpen: true),
                _ => stream,
            };
            _streamOffset = TraceFileLayout.PreambleSize;
            if (!TryReadNext(out TraceRecord first))
            {
                throw new TraceFormatException(_streamOffset, 0, "the file ends before the header record");
            }
            var r = first.CreateReader();
            try
            {
                Header = TraceHeader.Read(ref r);
            }
            catch (MessagePackFormatException e)
            {
                throw new TraceFormatException(e.Offset, 0, "bad header record: " + e.Detail, e);
            }
            if (Header.FormatVersion != FormatVersion)
            {
                throw new TraceFormatException(first.Offset, 0,
                    $"header record says format version {Header.FormatVersion} but the preamble says {FormatVersion}");
            }
        }
        catch
        {
            if (!leaveOpen)
            {
                stream.Dispose();
            }
            throw;
        }
    }

    /// <summary>Opens a trace file.</summary>
    public static TraceReader Open(string path, TraceReaderOptions? options = null) =>
        new(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16), options);

    /// <summary>Format version from the preamble.</summary>
    public ushort FormatVersion { get; }

    /// <summary>Compression of the block stream.</summary>
    public TraceCompression Compression { get; }

    /// <summary>The header record.</summary>
    public TraceHeader Header { get; } = new();

    /// <summary>Blocks read so far.</summary>
    public long BlockCount { get; private set; }

    /// <summary>Index the next record will have (= records returned so far).</summary>
    public long NextRecordIndex => _nextIndex;

    /// <summary>True when the file ended inside a block frame, a block payload or a record.</summary>
    public bool IsTruncated { get; private set; }

    /// <summary>Offset at which the truncation was detected (when <see cref="IsTruncated"/>).</summary>
    public long TruncatedAtOffset { get; private set; }

    /// <summary>What the truncation looked like (when <see cref="IsTruncated"/>).</summary>
    public string? TruncationDetail { get; private set; }

    /// <summary>
    /// Returns the next record, or false at the end of the file (check <see cref="IsTruncated"/>). The record's
    /// bytes are valid until the next call.
    /// </summary>
    public bool TryReadNext(out TraceRecord record)
    {
        while (true)
        {
            if (_lazy)
            {
                if (TryReadNextLazy(out record))
                {
                    return true;
                }
                continue;
            }
            if (_recordInBlock < _validCount)
            {
                int i = _recordInBlock++;
                int start = _starts[i];
                record = new TraceRecord(null, _nextIndex, _payloadOffset + start, _verified,
                    _buf.AsSpan(start, _starts[i + 1] - start), _options.MaxDepth);
                _nextIndex++;
                return true;
            }
            if (_blockError is not null)
            {
                TraceFormatException e = _blockError;
                _blockError = null;
                _end = true;
                throw e;
            }
            if (_end)
            {
                record = default;
                return false;
            }
            if (_pendingTruncation is not null)
            {
                Truncate(_pendingTruncationOffset, _pendingTruncation);
                record = default;
                return false;
            }
            if (!LoadBlock())
            {
                _end = true;
                record = default;
                return false;
            }
        }
    }

    /// <summary>
    /// Iteration over a CRC-verified block without a separate scan pass: a record's start is checked when it is
    /// returned, and its end is learnt from the typed decode (<see cref="TraceRecord.TryRead{T}"/>) or found by
    /// skipping it (checking every nested value) when the caller moves on without decoding it. Returns false when
    /// the block is exhausted (the caller then loads the next one).
    /// </summary>
    private bool TryReadNextLazy(out TraceRecord record)
    {
        record = default;
        if (_lazyReturned > 0)
        {
            _lazyPos = _curEnd >= 0 ? _curEnd : SkipRecord(_curStart, _nextIndex - 1);
            _curEnd = -1;
        }
        if (_lazyReturned == _lazyCount)
        {
            _lazy = false;
            if (_lazyPos != _payloadLength)
            {
                _end = true;
                throw new TraceFormatException(_payloadOffset + _lazyPos, _nextIndex,
                    $"block has {_payloadLength - _lazyPos} bytes after its last declared record");
            }
            _recordInBlock = _validCount = 0;
            return false;
        }
        int p = _lazyPos;
        ReadOnlySpan<byte> b = _buf.AsSpan(0, _payloadLength);
        if (p >= b.Length)
        {
            _end = true;
            throw new TraceFormatException(_payloadOffset + p, _nextIndex,
                $"block declares {_lazyCount} records but its payload ends after {_lazyReturned}");
        }
        byte c = b[p];
        int type;
        if ((c & 0xf0) == MessagePackCode.MinFixArray && c != MessagePackCode.MinFixArray && p + 1 < b.Length &&
            b[p + 1] <= MessagePackCode.MaxFixInt)
        {
            type = b[p + 1];
        }
        else
        {
            type = ReadRecordType(b, p, _nextIndex);
        }
        if ((type == (int)TraceRecordType.Header) != (_nextIndex == 0))
        {
            _end = true;
            throw new TraceFormatException(_payloadOffset + p, _nextIndex, _nextIndex == 0
                ? $"the first record must be the header (type 0), found type {type}"
                : "a header record (type 0) may only be the first record");
        }
        _curStart = p;
        _curEnd = -1;
        _lazyReturned++;
        record = new TraceRecord(this, _nextIndex, _payloadOffset + p, true, b.Slice(p), _options.MaxDepth);
        _nextIndex++;
        return true;
    }

    /// <summary>Checks a record's array header and type in full and returns the type.</summary>
    private int ReadRecordType(ReadOnlySpan<byte> payload, int p, long index)
    {
        var r = new MessagePackReader(payload, _payloadOffset, _options.MaxDepth);
        r.Position = p;
        try
        {
            int n = r.ReadArrayHeader();
            if (n == 0)
            {
                throw new MessagePackFormatException(_payloadOffset + p, "a record must be a non-empty array");
            }
            byte c = r.NextCode;
            if (MessagePackCode.TypeOf(c) != MessagePackType.Integer || c >= MessagePackCode.MinNegativeFixInt)
            {
                throw new MessagePackFormatException(r.Offset, "the record type must be an unsigned integer");
            }
            long typeAt = r.Offset;
            ulong t = r.ReadUInt64();
            if (t > ushort.MaxValue)
            {
                throw new MessagePackFormatException(typeAt, $"record type {t} is out of range (0..65535)");
            }
            return (int)t;
        }
        catch (MessagePackFormatException e)
        {
            _end = true;
            throw new TraceFormatException(e.Offset, index, e.Detail, e);
        }
    }

    /// <summary>Validates the whole record at <paramref name="start"/> and returns its end.</summary>
    private int SkipRecord(int start, long index)
    {
        var r = new MessagePackReader(_buf.AsSpan(0, _payloadLength), _payloadOffset, _options.MaxDepth);
        r.Position = start;
        try
        {
            r.Skip();
            return r.Position;
        }
        catch (MessagePackFormatException e)
        {
            _end = true;
            _lazy = false;
            throw new TraceFormatException(e.Offset, index, e.Detail, e);
        }
    }

    /// <summary>Length of the current lazily-returned record (skipping it if its end is not known yet).</summary>
    internal int CurrentRecordLength(long index)
    {
        if (!_lazy || index != _nextIndex - 1)
        {
            throw new InvalidOperationException("A TraceRecord is only valid until the next call to TryReadNext.");
        }
        if (_curEnd < 0)
        {
            _curEnd = SkipRecord(_curStart, index);
        }
        return _curEnd - _curStart;
    }

    /// <summary>Called by a successful typed decode of the current record: its end is now known.</summary>
    internal void NoteRecordEnd(long index, int length)
    {
        if (_lazy && index == _nextIndex - 1)
        {
            _curEnd = _curStart + length;
        }
    }

    /// <summary>
    /// The common case in one tight loop: a fixarray whose type is a positive fixint and whose other elements are all
    /// fixed-length scalars. Returns the end offset, or 0 when the record needs the general (checking) path.
    /// </summary>
    private static int FastScan(ReadOnlySpan<byte> b, int p)
    {
        if (p + 2 > b.Length)
        {
            return 0;
        }
        byte c = b[p];
        if ((c & 0xf0) != MessagePackCode.MinFixArray || c == MessagePackCode.MinFixArray || b[p + 1] > MessagePackCode.MaxFixInt)
        {
            return 0;
        }
        int n = c & 0x0f;
        int q = p + 2;
        ReadOnlySpan<byte> lengths = MessagePackReader.FixedLength;
        for (int k = 1; k < n; k++)
        {
            if ((uint)q >= (uint)b.Length)
            {
                return 0;
            }
            int len = lengths[b[q]];
            if (len == 0)
            {
                return 0;
            }
            q += len;
        }
        return q <= b.Length ? q : 0;
    }

    /// <summary>
    /// Finds the record boundaries of the loaded block in one tight pass: each record must be one non-empty array
    /// whose first element is an unsigned record type; the second element, if an unsigned integer, is its time.
    /// Errors are deferred until the records before them have been returned.
    /// </summary>
    private void ScanBlock(int count)
    {
        // Every record takes at least 2 bytes, so the payload present bounds the index arrays, not the declared count.
        int capacity = Math.Min(count, _payloadLength / 2) + 1;
        if (_starts.Length < capacity)
        {
            int size = Math.Max(capacity, _starts.Length * 2);
            _starts = new int[size];
        }
        ReadOnlySpan<byte> payload = _buf.AsSpan(0, _payloadLength);
        var r = new MessagePackReader(payload, _payloadOffset, _options.MaxDepth);
        int i = 0;
        int p = 0;
        try
        {
            for (; i < count && p < payload.Length; i++)
            {
                int end = FastScan(payload, p);
                if (end > 0 && (payload[p + 1] == (byte)TraceRecordType.Header) == (_nextIndex + i == 0))
                {
                    _starts[i] = p;
                    p = end;
                    continue;
                }
                r.Position = p;
                int n = r.ReadArrayHeader();
                if (n == 0)
                {
                    throw new MessagePackFormatException(_payloadOffset + p, "a record must be a non-empty array");
                }
                byte c = r.NextCode;
                if (MessagePackCode.TypeOf(c) != MessagePackType.Integer || c >= MessagePackCode.MinNegativeFixInt)
                {
                    throw new MessagePackFormatException(r.Offset, "the record type must be an unsigned integer");
                }
                long typeAt = r.Offset;
                ulong t = r.ReadUInt64();
                if (t > ushort.MaxValue)
                {
                    throw new MessagePackFormatException(typeAt, $"record type {t} is out of range (0..65535)");
                }
                if ((t == (ulong)TraceRecordType.Header) != (_nextIndex + i == 0))
                {
                    throw new MessagePackFormatException(_payloadOffset + p, _nextIndex + i == 0
                        ? $"the first record must be the header (type 0), found type {t}"
                        : "a header record (type 0) may only be the first record");
                }
                for (int k = 1; k < n; k++)
                {
                    r.Skip();
                }
                _starts[i] = p;
                p = r.Position;
            }
            if (_verified)
            {
                if (i < count)
                {
                    throw new MessagePackFormatException(_payloadOffset + p,
                        $"block declares {count} records but its payload ends after {i}");
                }
                if (p != payload.Length)
                {
                    throw new MessagePackFormatException(_payloadOffset + p,
                        $"block has {payload.Length - p} bytes after its last declared record");
                }
            }
            else
            {
                _pendingTruncation = i < count
                    ? $"file ends inside a block; {count - i} of its {count} records are missing"
                    : "file ends inside a block payload after its last record";
                _pendingTruncationOffset = _payloadOffset + p;
            }
        }
        catch (MessagePackFormatException e)
        {
            if (_verified)
            {
                _blockError = new TraceFormatException(e.Offset, _nextIndex + i, e.Detail, e);
            }
            else
            {
                _pendingTruncation = $"incomplete record at the end of a truncated block: {e.Detail}";
                _pendingTruncationOffset = _payloadOffset + p;
            }
        }
        _validCount = i;
        _recordInBlock = 0;
        _starts[i] = p;
    }

    /// <summary>Closes the file unless left open.</summary>
    public void Dispose()
    {
        if (!ReferenceEquals(_blocks, _file))
        {
            _blocks.Dispose();
        }
        if (!_leaveOpen)
        {
            _file.Dispose();
        }
    }

    private bool LoadBlock()
    {
        long frameOffset = _streamOffset;
        Span<byte> frame = stackalloc byte[TraceFileLayout.BlockHeaderSize];
        int got = ReadBlocks(frame);
        _streamOffset += got;
        if (got == 0)
        {
            return false;
        }
        if (got < frame.Length)
        {
            Truncate(frameOffset, $"file ends inside a block frame ({got} of {TraceFileLayout.BlockHeaderSize} bytes)");
            return false;
        }
        uint sync = BinaryPrimitives.ReadUInt32LittleEndian(frame);
        if (sync != TraceFileLayout.BlockSync)
        {
            throw new TraceFormatException(frameOffset, _nextIndex,
                $"block frame expected: sync marker is 0x{sync:x8}, expected 0x{TraceFileLayout.BlockSync:x8} (\"HWBK\")");
        }
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(frame.Slice(4));
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(frame.Slice(8));
        ulong first = BinaryPrimitives.ReadUInt64LittleEndian(frame.Slice(12));
        uint storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(frame.Slice(20));
        if (length > TraceFileLayout.MaxBlockPayload)
        {
            throw new TraceFormatException(frameOffset + 4, _nextIndex,
                $"block declares a payload of {length} bytes, more than the limit of {TraceFileLayout.MaxBlockPayload}");
        }
        if (count == 0 || count > length)
        {
            throw new TraceFormatException(frameOffset + 8, _nextIndex,
                $"block declares {count} records in {length} payload bytes");
        }
        if (first != (ulong)_nextIndex)
        {
            throw new TraceFormatException(frameOffset + 12, _nextIndex,
                $"block starts at record {first}, expected {_nextIndex} (a block is missing, repeated or corrupt)");
        }
        // Grow with the bytes that actually arrive, so a lying length in a short file costs no memory.
        int have = 0;
        while (have < (int)length)
        {
            if (have == _buf.Length)
            {
                Array.Resize(ref _buf, (int)Math.Min(length, (long)_buf.Length * 2));
            }
            int n = ReadBlocks(_buf.AsSpan(have, (int)Math.Min(length, (uint)_buf.Length) - have));
            if (n == 0)
            {
                break;
            }
            have += n;
        }
        _streamOffset += have;
        _payloadOffset = frameOffset + TraceFileLayout.BlockHeaderSize;
        _payloadLength = have;
        BlockCount++;
        if (have < length)
        {
            _verified = false;
            if (_options.ThrowOnTruncation)
            {
                throw new TraceFormatException(_payloadOffset + have, _nextIndex,
                    $"file ends inside a block payload ({have} of {length} bytes)");
            }
            ScanBlock((int)count);
            return true;
        }
        uint crc = Crc32C.Compute(frame.Slice(4, 16));
        crc = Crc32C.Append(crc, _buf.AsSpan(0, have));
        if (crc != storedCrc)
        {
            throw new TraceFormatException(frameOffset, _nextIndex,
                $"block CRC-32C mismatch: stored 0x{storedCrc:x8}, computed 0x{crc:x8} (records {_nextIndex}..{_nextIndex + count - 1})");
        }
        _lazy = true;
        _lazyCount = (int)count;
        _lazyReturned = 0;
        _lazyPos = 0;
        _curEnd = -1;
        return true;
    }

    private void Truncate(long offset, string detail)
    {
        IsTruncated = true;
        TruncatedAtOffset = offset;
        TruncationDetail = detail;
        _end = true;
        if (_options.ThrowOnTruncation)
        {
            throw new TraceFormatException(offset, _nextIndex, "truncated: " + detail);
        }
    }

    private int ReadBlocks(Span<byte> into)
    {
        try
        {
            return ReadFully(_blocks, into);
        }
        catch (InvalidDataException e)
        {
            throw new TraceFormatException(_streamOffset, _nextIndex, $"{Compression} data is corrupt: {e.Message}", e);
        }
    }

    private static int ReadFully(Stream s, Span<byte> into)
    {
        int total = 0;
        while (total < into.Length)
        {
            int n = s.Read(into.Slice(total));
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total;
    }
}
