using System.Text;
using System.Text.Json;

namespace HwEmu.Devices.Platform.Reporting;

/// <summary>
/// Writes <see cref="RunResults"/> as JSON with a fixed key order (documented in docs/results.md). Numbers are written
/// by <see cref="Utf8JsonWriter"/> (culture-independent shortest round-trip form), so equal results give equal bytes.
/// </summary>
public static class ResultsJsonWriter
{
    /// <summary>Writes <paramref name="results"/> to <paramref name="output"/> (UTF-8, indented, no BOM).</summary>
    public static void Write(RunResults results, Stream output)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(output);
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        ulong t = results.SimulatedPs;
        w.WriteStartObject();
        w.WriteString("scenario", results.ScenarioName);
        w.WriteNumber("seed", results.Seed);
        w.WriteNumber("simulatedPs", t);
        w.WriteNumber("smmuClockHz", results.SmmuClockHz);

        w.WriteStartArray("devices");
        foreach (DeviceResults d in results.Devices)
        {
            w.WriteStartObject();
            w.WriteString("name", d.Name);
            w.WriteString("bdf", d.Bdf);
            w.WriteNumber("reads", d.Reads);
            w.WriteNumber("writes", d.Writes);
            w.WriteNumber("readBytes", d.ReadBytes);
            w.WriteNumber("writeBytes", d.WriteBytes);
            w.WriteNumber("operations", d.Operations);
            w.WriteNumber("errors", d.Errors);
            w.WriteNumber("p2pBypasses", d.P2pBypasses);
            w.WriteNumber("gbPerSecond", d.GigabytesPerSecond(t));
            w.WriteNumber("iops", d.Iops(t));
            WriteHistogram(w, "latency", d.Latency, results);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        WriteHistogram(w, "translationLatency", results.TranslationLatency, results);

        TranslationCounters c = results.Translation;
        w.WriteStartObject("translation");
        w.WriteNumber("translations", c.Translations);
        w.WriteNumber("tlbHits", c.TlbHits);
        w.WriteNumber("tlbMisses", c.TlbMisses);
        w.WriteNumber("tlbHitRate", c.TlbHitRate);
        w.WriteNumber("walkCacheHits", c.WalkCacheHits);
        w.WriteNumber("walkCacheMisses", c.WalkCacheMisses);
        w.WriteNumber("walkCacheHitRate", c.WalkCacheHitRate);
        w.WriteNumber("configCacheHits", c.ConfigCacheHits);
        w.WriteNumber("configCacheMisses", c.ConfigCacheMisses);
        w.WriteNumber("configCacheHitRate", c.ConfigCacheHitRate);
        w.WriteNumber("walks", c.Walks);
        w.WriteNumber("walksPerSecond", results.WalksPerSecond);
        w.WriteNumber("walkReads", c.WalkReads);
        w.WriteNumber("invalidations", c.Invalidations);
        w.WriteEndObject();

        w.WriteStartObject("faults");
        foreach (KeyValuePair<string, long> f in results.Faults) w.WriteNumber(f.Key, f.Value);
        w.WriteEndObject();

        w.WriteStartArray("interrupts");
        foreach (InterruptResults i in results.Interrupts)
        {
            w.WriteStartObject();
            w.WriteNumber("intid", i.Intid);
            w.WriteNumber("cpu", i.Cpu);
            w.WriteNumber("count", i.Count);
            WriteHistogram(w, "deliveryLatency", i.DeliveryLatency, results);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteNumber("p2pBypasses", results.P2pBypasses);
        w.WriteNumber("msiBypasses", results.MsiBypasses);

        w.WriteStartObject("timeSeries");
        w.WriteNumber("intervalPs", results.SampleIntervalPs);
        w.WriteStartArray("samples");
        foreach (TimeSample s in results.Samples)
        {
            w.WriteStartObject();
            w.WriteNumber("timePs", s.TimePs);
            w.WriteNumber("bytes", s.Bytes);
            w.WriteNumber("transactions", s.Transactions);
            w.WriteNumber("tlbHits", s.TlbHits);
            w.WriteNumber("tlbLookups", s.TlbLookups);
            w.WriteNumber("queueDepth", s.QueueDepth);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();

        w.WriteEndObject();
    }

    /// <summary>Returns the JSON text of <paramref name="results"/>.</summary>
    public static string ToJson(RunResults results)
    {
        using var ms = new MemoryStream();
        Write(results, ms);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Writes <paramref name="results"/> to the file <paramref name="path"/>.</summary>
    public static void WriteFile(RunResults results, string path)
    {
        using FileStream fs = File.Create(path);
        Write(results, fs);
    }

    private static void WriteHistogram(Utf8JsonWriter w, string name, LatencyHistogram h, RunResults r)
    {
        w.WriteStartObject(name);
        w.WriteNumber("count", h.Count);
        w.WriteNumber("minPs", h.Min);
        w.WriteNumber("p50Ps", h.Percentile(50));
        w.WriteNumber("p99Ps", h.Percentile(99));
        w.WriteNumber("maxPs", h.Max);
        w.WriteNumber("meanPs", h.Mean);
        w.WriteNumber("p50Cycles", r.ToCycles(h.Percentile(50)));
        w.WriteNumber("p99Cycles", r.ToCycles(h.Percentile(99)));
        w.WriteNumber("maxCycles", r.ToCycles(h.Max));
        w.WriteEndObject();
    }
}
