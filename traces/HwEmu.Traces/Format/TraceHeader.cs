using HwEmu.Traces.MessagePack;

namespace HwEmu.Traces.Format;

/// <summary>
/// The header record, always record 0: <c>[0, {"formatVersion": u, "emulatorVersion": s, "platform": s,
/// "scenario": s, "seed": u, "timeUnit": "ps"}]</c>. A map (not a positional array) because it is written once and
/// is the part of the file most likely to grow; unknown keys are skipped when reading.
/// </summary>
public sealed record TraceHeader
{
    /// <summary>Format version (see <see cref="TraceFileLayout.FormatVersion"/>).</summary>
    public ushort FormatVersion { get; init; } = TraceFileLayout.FormatVersion;

    /// <summary>Version of the emulator that wrote the file.</summary>
    public string EmulatorVersion { get; init; } = "";

    /// <summary>Platform description (board, SMMU/GIC configuration).</summary>
    public string Platform { get; init; } = "";

    /// <summary>Scenario description.</summary>
    public string Scenario { get; init; } = "";

    /// <summary>Seed of the run's deterministic random sources.</summary>
    public ulong Seed { get; init; }

    /// <summary>Unit of the time fields.</summary>
    public string TimeUnit { get; init; } = TraceFileLayout.TimeUnit;

    /// <summary>Writes the header record.</summary>
    public void Write(ref MessagePackWriter writer)
    {
        writer.WriteArrayHeader(2);
        writer.Write((uint)TraceRecordType.Header);
        writer.WriteMapHeader(6);
        writer.WriteString("formatVersion");
        writer.Write((uint)FormatVersion);
        writer.WriteString("emulatorVersion");
        writer.WriteString(EmulatorVersion);
        writer.WriteString("platform");
        writer.WriteString(Platform);
        writer.WriteString("scenario");
        writer.WriteString(Scenario);
        writer.WriteString("seed");
        writer.Write(Seed);
        writer.WriteString("timeUnit");
        writer.WriteString(TimeUnit);
    }

    /// <summary>Reads a header record; throws <see cref="MessagePackFormatException"/> when it is not one.</summary>
    public static TraceHeader Read(ref MessagePackReader reader)
    {
        long at = reader.Offset;
        int n = reader.ReadArrayHeader();
        if (n < 2)
        {
            throw new MessagePackFormatException(at, $"the header record must have 2 elements, found {n}");
        }
        long typeAt = reader.Offset;
        if (reader.ReadUInt64() != (ulong)TraceRecordType.Header)
        {
            throw new MessagePackFormatException(typeAt, "the first record is not a header record (type 0)");
        }
        var h = new TraceHeader();
        int pairs = reader.ReadMapHeader();
        for (int i = 0; i < pairs; i++)
        {
            if (reader.NextType != MessagePackType.String)
            {
                reader.Skip();
                reader.Skip();
                continue;
            }
            ReadOnlySpan<byte> key = reader.ReadStringUtf8();
            if (key.SequenceEqual("formatVersion"u8))
            {
                h = h with { FormatVersion = reader.ReadUInt16() };
            }
            else if (key.SequenceEqual("emulatorVersion"u8))
            {
                h = h with { EmulatorVersion = reader.ReadString() };
            }
            else if (key.SequenceEqual("platform"u8))
            {
                h = h with { Platform = reader.ReadString() };
            }
            else if (key.SequenceEqual("scenario"u8))
            {
                h = h with { Scenario = reader.ReadString() };
            }
            else if (key.SequenceEqual("seed"u8))
            {
                h = h with { Seed = reader.ReadUInt64() };
            }
            else if (key.SequenceEqual("timeUnit"u8))
            {
                h = h with { TimeUnit = reader.ReadString() };
            }
            else
            {
                reader.Skip();
            }
        }
        for (int i = 2; i < n; i++)
        {
            reader.Skip();
        }
        return h;
    }
}
