using System.Globalization;

namespace HwEmu.Campaigns;

/// <summary>The report as a console table: per fault entry, outcome percentages with 95% intervals and detection latency.</summary>
public static class ReportTextWriter
{
    /// <summary>Writes <paramref name="report"/>.</summary>
    public static void Write(CampaignReport report, TextWriter o)
    {
        var ic = CultureInfo.InvariantCulture;
        o.WriteLine(string.Create(ic, $"campaign {report.Name}: {report.TotalRuns} runs, seed {report.Seed}"));
        foreach (var f in report.Faults)
        {
            o.WriteLine();
            o.WriteLine(string.Create(ic, $"{f.Fault.Name}  [{f.Fault.Model}; {f.Fault.Machine}]  {f.Runs} runs, {f.Activated} activated"));
            foreach (var s in f.Outcomes)
            {
                if (s.Count == 0) continue;
                o.WriteLine(string.Create(ic, $"  {Outcomes.Name(s.Outcome),-14} {s.Count,7}  {s.Percent,6:0.00}%  [95% CI {s.CiLowPercent:0.00}–{s.CiHighPercent:0.00}%]"));
            }
            if (f.Latency.Count > 0)
                o.WriteLine(string.Create(ic, $"  detection latency ns: min {f.Latency.MinNs:0.###}  p50 {f.Latency.P50Ns:0.###}  p90 {f.Latency.P90Ns:0.###}  p99 {f.Latency.P99Ns:0.###}  max {f.Latency.MaxNs:0.###}"));
            foreach (var e in f.Examples.Take(3)) o.WriteLine("  e.g. " + e);
        }
        o.WriteLine();
        o.Write("total:");
        foreach (var s in report.Totals)
            if (s.Count > 0) o.Write(string.Create(ic, $"  {Outcomes.Name(s.Outcome)} {s.Count} ({s.Percent:0.00}%)"));
        o.WriteLine();
    }
}
