using System.Globalization;
using System.Text;

namespace HwEmu.Devices.Platform.Reporting;

/// <summary>Writes the human-readable summary of a run: aligned tables, invariant culture.</summary>
public static class SummaryWriter
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Writes the summary of <paramref name="results"/> to <paramref name="output"/>.</summary>
    public static void Write(RunResults results, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(output);
        ulong t = results.SimulatedPs;
        output.WriteLine(string.Create(Inv, $"scenario {results.ScenarioName}  seed {results.Seed}  simulated {FormatNs(t / 1000.0)}"));
        output.WriteLine();

        var devices = new List<string[]> { new[] { "device", "bdf", "reads", "writes", "bytes", "GB/s", "IOPS", "p50 ns", "p99 ns", "errors", "p2p" } };
        foreach (DeviceResults d in results.Devices)
        {
            devices.Add([d.Name, d.Bdf, N(d.Reads), N(d.Writes), N(d.Bytes),
                d.GigabytesPerSecond(t).ToString("F3", Inv), d.Iops(t).ToString("F0", Inv),
                Ns(d.Latency.Percentile(50)), Ns(d.Latency.Percentile(99)), N(d.Errors), N(d.P2pBypasses)]);
        }
        WriteTable(output, devices);
        output.WriteLine();

        LatencyHistogram h = results.TranslationLatency;
        var lat = new List<string[]>
        {
            new[] { "translation latency", "p50", "p99", "max", "mean" },
            new[] { "ns", Ns(h.Percentile(50)), Ns(h.Percentile(99)), Ns(h.Max), (h.Mean / 1000).ToString("F1", Inv) },
            new[] { "cycles", N(results.ToCycles(h.Percentile(50))), N(results.ToCycles(h.Percentile(99))), N(results.ToCycles(h.Max)), (h.Mean * results.SmmuClockHz / 1e12).ToString("F1", Inv) },
        };
        WriteTable(output, lat);
        output.WriteLine();

        TranslationCounters c = results.Translation;
        var caches = new List<string[]>
        {
            new[] { "cache", "hits", "misses", "hit rate" },
            new[] { "TLB", N(c.TlbHits), N(c.TlbMisses), Pct(c.TlbHitRate) },
            new[] { "walk cache", N(c.WalkCacheHits), N(c.WalkCacheMisses), Pct(c.WalkCacheHitRate) },
            new[] { "config cache", N(c.ConfigCacheHits), N(c.ConfigCacheMisses), Pct(c.ConfigCacheHitRate) },
        };
        WriteTable(output, caches);
        output.WriteLine(string.Create(Inv, $"walks {c.Walks} ({results.WalksPerSecond:F0}/s), walk reads {c.WalkReads}, invalidations {c.Invalidations}"));
        output.WriteLine();

        if (results.Faults.Count == 0) output.WriteLine("faults: none");
        else
        {
            var faults = new List<string[]> { new[] { "fault", "count" } };
            foreach (KeyValuePair<string, long> f in results.Faults) faults.Add([f.Key, N(f.Value)]);
            WriteTable(output, faults);
        }
        output.WriteLine();

        var irqs = new List<string[]> { new[] { "INTID", "CPU", "count", "p50 ns", "p99 ns", "max ns" } };
        foreach (InterruptResults i in results.Interrupts)
            irqs.Add([N(i.Intid), N(i.Cpu), N(i.Count), Ns(i.DeliveryLatency.Percentile(50)), Ns(i.DeliveryLatency.Percentile(99)), Ns(i.DeliveryLatency.Max)]);
        if (irqs.Count == 1) output.WriteLine("interrupts: none");
        else WriteTable(output, irqs);
        output.WriteLine();
        output.WriteLine(string.Create(Inv, $"P2P bypasses {results.P2pBypasses}  MSI bypasses {results.MsiBypasses}"));
    }

    /// <summary>Returns the summary as a string.</summary>
    public static string ToText(RunResults results)
    {
        var sw = new StringWriter(Inv) { NewLine = "\n" };
        Write(results, sw);
        return sw.ToString();
    }

    /// <summary>Writes rows as columns separated by two spaces: first column left-aligned, the others right-aligned.</summary>
    public static void WriteTable(TextWriter output, IReadOnlyList<string[]> rows)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0) return;
        int cols = 0;
        foreach (string[] r in rows) cols = Math.Max(cols, r.Length);
        var width = new int[cols];
        foreach (string[] r in rows)
            for (int i = 0; i < r.Length; i++) width[i] = Math.Max(width[i], r[i].Length);
        var sb = new StringBuilder();
        foreach (string[] r in rows)
        {
            sb.Clear();
            for (int i = 0; i < cols; i++)
            {
                string cell = i < r.Length ? r[i] : "";
                if (i > 0) sb.Append("  ");
                if (i == 0) sb.Append(cell.PadRight(width[i]));
                else sb.Append(cell.PadLeft(width[i]));
            }
            output.WriteLine(sb.ToString().TrimEnd());
        }
    }

    private static string N(long v) => v.ToString(Inv);
    private static string N(ulong v) => v.ToString(Inv);
    private static string Ns(ulong ps) => (ps / 1000.0).ToString("F1", Inv);
    private static string Pct(double r) => (r * 100).ToString("F2", Inv) + "%";
    private static string FormatNs(double ns) => ns >= 1e6 ? (ns / 1e6).ToString("F3", Inv) + " ms" : ns >= 1e3 ? (ns / 1e3).ToString("F3", Inv) + " us" : ns.ToString("F1", Inv) + " ns";
}
