namespace HwEmu.Traces.Format;

/// <summary>
/// A trace file is malformed: wrong magic or version, a corrupt or truncated block, a record that is not valid
/// MessagePack or does not match its schema. Names the byte offset (in the uncompressed block stream, which for an
/// uncompressed file is the file offset) and the index of the record concerned.
/// </summary>
public sealed class TraceFormatException : Exception
{
    /// <summary>Creates the exception; the message names the offset and record.</summary>
    /// <param name="offset">Byte offset of the problem.</param>
    /// <param name="recordIndex">Index of the record concerned (0 = the header record), or -1 if none.</param>
    /// <param name="detail">What was wrong.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public TraceFormatException(long offset, long recordIndex, string detail, Exception? inner = null)
        : base(recordIndex >= 0
            ? $"Trace format error at byte offset {offset}, record {recordIndex}: {detail}"
            : $"Trace format error at byte offset {offset}: {detail}", inner)
    {
        Offset = offset;
        RecordIndex = recordIndex;
        Detail = detail;
    }

    /// <summary>Byte offset of the problem.</summary>
    public long Offset { get; }

    /// <summary>Index of the record concerned (0 = the header record), or -1 when the problem is not in a record
    /// (preamble, block frame).</summary>
    public long RecordIndex { get; }

    /// <summary>The message without the location prefix.</summary>
    public string Detail { get; }
}
