using System.Globalization;
using System.Text.Json;
using HwEmu.Devices.Platform.Reporting;

namespace HwEmu.Traces.Replay;

/// <summary>Counts of one kind of verified result.</summary>
public sealed class VerificationCounts
{
    /// <summary>Stimuli re-executed.</summary>
    public long Replayed { get; internal set; }
    /// <summary>Recomputed results equal to the recorded expectation.</summary>
    public long Matched { get; internal set; }
    /// <summary>Recomputed results that differ.</summary>
    public long Mismatched { get; internal set; }
    /// <summary>Stimuli without a recorded expectation (not compared).</summary>
    public long Unverified { get; internal set; }
}

/// <summary>What a replay recomputed and how it compares with the recording.</summary>
public sealed class ReplayResult
{
    /// <summary>At most this many mismatches are kept (the first ones, in trace order).</summary>
    public const int MaxListedMismatches = 20;

    private readonly List<ReplayMismatch> _mismatches = new();

    internal ReplayResult(RunResults results, string platform)
    {
        Results = results;
        Platform = platform;
    }

    /// <summary>Translations (DMA and MSI writes through the SMMU).</summary>
    public VerificationCounts Translations { get; } = new();
    /// <summary>MSI writes to the interrupt controller.</summary>
    public VerificationCounts Msis { get; } = new();
    /// <summary>The first <see cref="MaxListedMismatches"/> mismatches.</summary>
    public IReadOnlyList<ReplayMismatch> Mismatches => _mismatches;
    /// <summary>Total mismatches (translations + MSIs).</summary>
    public long MismatchCount => Translations.Mismatched + Msis.Mismatched;
    /// <summary>Memory writes applied.</summary>
    public long MemoryWrites { get; internal set; }
    /// <summary>Register writes applied.</summary>
    public long RegisterWrites { get; internal set; }
    /// <summary>Register writes the bus or the device refused (no device there, bad size).</summary>
    public long RegisterWritesRefused { get; internal set; }
    /// <summary>Stimulus records whose time went backwards (replayed at the previous record's time).</summary>
    public long TimeReversals { get; internal set; }
    /// <summary>The trace was cut short; every complete record was replayed.</summary>
    public bool Truncated { get; internal set; }
    /// <summary>The platform replayed on.</summary>
    public string Platform { get; }
    /// <summary>The recomputed run summary (latencies, caches, faults, interrupts).</summary>
    public RunResults Results { get; }

    internal void AddMismatch(ReplayMismatch m)
    {
        if (_mismatches.Count < MaxListedMismatches) _mismatches.Add(m);
    }

    /// <summary>Writes the verification report: counts, then the listed mismatches.</summary>
    public void WriteVerification(TextWriter output)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine($"platform: {Platform}");
        output.WriteLine(string.Create(inv, $"translations: {Translations.Replayed} replayed, {Translations.Matched} matched, {Translations.Mismatched} mismatched, {Translations.Unverified} unverified"));
        output.WriteLine(string.Create(inv, $"msis:         {Msis.Replayed} replayed, {Msis.Matched} matched, {Msis.Mismatched} mismatched, {Msis.Unverified} unverified"));
        output.WriteLine(string.Create(inv, $"setup:        {MemoryWrites} memory writes, {RegisterWrites} register writes ({RegisterWritesRefused} refused)"));
        if (Truncated) output.WriteLine("trace:        truncated; every complete record was replayed");
        if (_mismatches.Count > 0)
        {
            output.WriteLine(MismatchCount > _mismatches.Count
                ? string.Create(inv, $"first {_mismatches.Count} of {MismatchCount} mismatches:")
                : "mismatches:");
            foreach (var m in _mismatches) output.WriteLine("  " + m);
        }
    }

    /// <summary>Writes the JSON report: <c>{"translations":{...},"msis":{...},"mismatches":[...],...}</c>.</summary>
    public void WriteJson(Stream output)
    {
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        WriteCounts(w, "translations", Translations);
        WriteCounts(w, "msis", Msis);
        w.WriteNumber("mismatchCount", MismatchCount);
        w.WriteStartArray("mismatches");
        foreach (var m in _mismatches)
        {
            w.WriteStartObject();
            w.WriteNumber("record", m.Record);
            w.WriteString("kind", m.Kind);
            w.WriteString("detail", m.Detail);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNumber("memoryWrites", MemoryWrites);
        w.WriteNumber("registerWrites", RegisterWrites);
        w.WriteNumber("registerWritesRefused", RegisterWritesRefused);
        w.WriteBoolean("truncated", Truncated);
        w.WriteString("platform", Platform);
        var t = Results.Translation;
        w.WriteStartObject("smmu");
        w.WriteNumber("tlbHits", t.TlbHits);
        w.WriteNumber("tlbMisses", t.TlbMisses);
        w.WriteNumber("walks", t.Walks);
        w.WriteNumber("walkReads", t.WalkReads);
        w.WriteNumber("configCacheHits", t.ConfigCacheHits);
        w.WriteNumber("configCacheMisses", t.ConfigCacheMisses);
        w.WriteNumber("latencyP50Ps", Results.TranslationLatency.Percentile(50));
        w.WriteNumber("latencyP99Ps", Results.TranslationLatency.Percentile(99));
        w.WriteNumber("latencyMaxPs", Results.TranslationLatency.Max);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteCounts(Utf8JsonWriter w, string name, VerificationCounts c)
    {
        w.WriteStartObject(name);
        w.WriteNumber("replayed", c.Replayed);
        w.WriteNumber("matched", c.Matched);
        w.WriteNumber("mismatched", c.Mismatched);
        w.WriteNumber("unverified", c.Unverified);
        w.WriteEndObject();
    }
}
