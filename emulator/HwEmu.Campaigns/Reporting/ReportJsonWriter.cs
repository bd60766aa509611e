using System.Text.Json;

namespace HwEmu.Campaigns;

/// <summary>The report as JSON (<c>--json FILE</c>). Contains no wall-clock data, so equal results give equal bytes.</summary>
public static class ReportJsonWriter
{
    /// <summary>Writes <paramref name="report"/>.</summary>
    public static void Write(CampaignReport report, Stream stream)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("campaign", report.Name);
        w.WriteString("fingerprint", report.Fingerprint);
        w.WriteNumber("seed", report.Seed);
        w.WriteNumber("runs", report.TotalRuns);
        w.WritePropertyName("totals");
        Shares(w, report.Totals);
        w.WriteStartArray("faults");
        foreach (var f in report.Faults)
        {
            w.WriteStartObject();
            w.WriteString("name", f.Fault.Name);
            w.WriteString("model", f.Fault.Model);
            w.WriteString("machine", f.Fault.Machine);
            w.WriteNumber("runs", f.Runs);
            w.WriteNumber("activated", f.Activated);
            w.WritePropertyName("outcomes");
            Shares(w, f.Outcomes);
            w.WriteStartObject("detectionLatencyNs");
            w.WriteNumber("count", f.Latency.Count);
            w.WriteNumber("min", f.Latency.MinNs);
            w.WriteNumber("p50", f.Latency.P50Ns);
            w.WriteNumber("p90", f.Latency.P90Ns);
            w.WriteNumber("p99", f.Latency.P99Ns);
            w.WriteNumber("max", f.Latency.MaxNs);
            w.WriteNumber("mean", f.Latency.MeanNs);
            w.WriteStartArray("histogram");
            foreach (var (upper, count) in f.Latency.Buckets)
            {
                w.WriteStartObject();
                w.WriteNumber("upToNs", upper);
                w.WriteNumber("runs", count);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartArray("examples");
            foreach (var e in f.Examples) w.WriteStringValue(e);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>Writes to a file.</summary>
    public static void WriteFile(CampaignReport report, string path)
    {
        using var fs = File.Create(path);
        Write(report, fs);
    }

    /// <summary>The JSON as a string (tests compare these).</summary>
    public static string ToJson(CampaignReport report)
    {
        using var ms = new MemoryStream();
        Write(report, ms);
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void Shares(Utf8JsonWriter w, IReadOnlyList<OutcomeShare> shares)
    {
        w.WriteStartObject();
        foreach (var s in shares)
        {
            w.WriteStartObject(Outcomes.Name(s.Outcome));
            w.WriteNumber("count", s.Count);
            w.WriteNumber("percent", s.Percent);
            w.WriteNumber("ci95Low", s.CiLowPercent);
            w.WriteNumber("ci95High", s.CiHighPercent);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }
}
