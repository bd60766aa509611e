using System.Globalization;

namespace HwEmu.Traces.Format;

/// <summary>
/// Summary of a trace file (<c>hwemu trace info</c>): header, record counts per type, time span, blocks, and whether
/// the file is truncated or corrupt (reading stops at the first corruption, which is reported, not thrown).
/// </summary>
public sealed class TraceInfo
{
    private readonly SortedDictionary<ushort, long> _counts = [];

    private TraceInfo(TraceHeader header, ushort formatVersion, TraceCompression compression)
    {
        Header = header;
        FormatVersion = formatVersion;
        Compression = compression;
    }

    /// <summary>The header record.</summary>
    public TraceHeader Header { get; }

    /// <summary>Format version from the preamble.</summary>
    public ushort FormatVersion { get; }

    /// <summary>Compression of the block stream.</summary>
    public TraceCompression Compression { get; }

    /// <summary>Records read, including the header.</summary>
    public long RecordCount { get; private set; }

    /// <summary>Blocks read.</summary>
    public long BlockCount { get; private set; }

    /// <summary>Record counts by record type number (the header included).</summary>
    public IReadOnlyDictionary<ushort, long> CountsByType => _counts;

    /// <summary>Smallest record time (ps), or null when no record has a time.</summary>
    public ulong? FirstTime { get; private set; }

    /// <summary>Largest record time (ps), or null when no record has a time.</summary>
    public ulong? LastTime { get; private set; }

    /// <summary>Records recovered from a truncated block (no CRC to check them against).</summary>
    public long UnverifiedRecords { get; private set; }

    /// <summary>True when the file ends early.</summary>
    public bool IsTruncated { get; private set; }

    /// <summary>Where and how the file ends early.</summary>
    public string? TruncationDetail { get; private set; }

    /// <summary>The corruption that stopped reading, if any.</summary>
    public TraceFormatException? Error { get; private set; }

    /// <summary>Reads every remaining record of <paramref name="reader"/> (opened, header already parsed).</summary>
    public static TraceInfo Read(TraceReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var info = new TraceInfo(reader.Header, reader.FormatVersion, reader.Compression);
        info._counts[(ushort)TraceRecordType.Header] = 1;
        info.RecordCount = 1;
        ulong min = ulong.MaxValue, max = 0;
        try
        {
            while (reader.TryReadNext(out TraceRecord rec))
            {
                info.RecordCount++;
                info._counts[rec.RawType] = info._counts.GetValueOrDefault(rec.RawType) + 1;
                if (rec.HasTime)
                {
                    min = Math.Min(min, rec.Time);
                    max = Math.Max(max, rec.Time);
                }
                if (!rec.Verified)
                {
                    info.UnverifiedRecords++;
                }
            }
        }
        catch (TraceFormatException e)
        {
            info.Error = e;
        }
        if (min <= max)
        {
            info.FirstTime = min;
            info.LastTime = max;
        }
        info.BlockCount = reader.BlockCount;
        info.IsTruncated = reader.IsTruncated;
        info.TruncationDetail = reader.IsTruncated
            ? $"at byte offset {reader.TruncatedAtOffset}: {reader.TruncationDetail}"
            : null;
        return info;
    }

    /// <summary>Opens <paramref name="path"/> and summarises it; a file whose preamble or header is unreadable
    /// throws <see cref="TraceFormatException"/>.</summary>
    public static TraceInfo Read(string path)
    {
        using TraceReader reader = TraceReader.Open(path);
        return Read(reader);
    }

    /// <summary>Writes the summary as aligned text.</summary>
    public void WriteTo(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        CultureInfo c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"format:      HwEmu trace v{FormatVersion}, compression {Compression}"));
        output.WriteLine(string.Create(c, $"emulator:    {Header.EmulatorVersion}"));
        output.WriteLine(string.Create(c, $"platform:    {Header.Platform}"));
        output.WriteLine(string.Create(c, $"scenario:    {Header.Scenario}"));
        output.WriteLine(string.Create(c, $"seed:        0x{Header.Seed:x}"));
        output.WriteLine(string.Create(c, $"records:     {RecordCount} in {BlockCount} blocks"));
        if (FirstTime is ulong first && LastTime is ulong last)
        {
            output.WriteLine(string.Create(c, $"time span:   {first} .. {last} {Header.TimeUnit} ({last - first} {Header.TimeUnit})"));
        }
        else
        {
            output.WriteLine("time span:   (no timed records)");
        }
        output.WriteLine(IsTruncated
            ? string.Create(c, $"truncated:   yes, {TruncationDetail}; {UnverifiedRecords} records recovered without CRC")
            : "truncated:   no");
        if (Error is not null)
        {
            output.WriteLine(string.Create(c, $"error:       {Error.Message}"));
        }
        output.WriteLine("record types:");
        foreach ((ushort type, long count) in _counts)
        {
            string name = TraceRecordSchema.TypeName(type);
            string unknown = type > (ushort)TraceRecordType.DmaCompleted ? " (unknown type)" : "";
            output.WriteLine(string.Create(c, $"  {name,-20} {count,12}{unknown}"));
        }
    }
}
