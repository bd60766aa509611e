using System.Globalization;
using System.Net;
using System.Text;

namespace HwEmu.Devices.Platform.Reporting;

/// <summary>
/// Writes a self-contained HTML page (inline CSS and SVG, no scripts, no external references) with the run summary
/// and three charts: translation latency histogram, throughput over time and TLB hit rate over time.
/// </summary>
public static class HtmlReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private const int Width = 640, Height = 220, Margin = 40;

    /// <summary>Writes the report of <paramref name="results"/> to <paramref name="output"/>.</summary>
    public static void Write(RunResults results, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(output);
        string title = "hwemu run: " + results.ScenarioName;
        output.Write("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
        output.Write(Esc(title));
        output.Write("</title><style>body{font-family:sans-serif;margin:2em;color:#222}pre{background:#f6f6f6;padding:1em}" +
                     "svg{border:1px solid #ccc;margin:0.5em 0;background:#fff}.bar{fill:#4a7bd0}.line{fill:none;stroke:#d0632a;stroke-width:2}" +
                     ".axis{stroke:#444}text{font-size:11px}</style></head><body>\n");
        output.Write("<h1>" + Esc(title) + "</h1>\n<h2>Summary</h2>\n<pre>");
        output.Write(Esc(SummaryWriter.ToText(results)));
        output.Write("</pre>\n<h2>Translation latency</h2>\n");
        WriteHistogram(output, results.TranslationLatency);
        output.Write("\n<h2>Throughput over time</h2>\n");
        var throughput = new List<(double X, double Y)>();
        var hitRate = new List<(double X, double Y)>();
        double interval = results.SampleIntervalPs;
        foreach (TimeSample s in results.Samples)
        {
            double us = s.TimePs / 1e6;
            throughput.Add((us, interval == 0 ? 0 : s.Bytes / (interval / 1000.0))); // bytes per ns = GB/s
            hitRate.Add((us, s.TlbHitRate * 100));
        }
        WriteLineChart(output, "throughput", throughput, "time (us)", "GB/s", double.NaN);
        output.Write("\n<h2>TLB hit rate over time</h2>\n");
        WriteLineChart(output, "tlb-hit-rate", hitRate, "time (us)", "hit rate (%)", 100);
        output.Write("\n</body></html>\n");
    }

    /// <summary>Writes the report to the file <paramref name="path"/> (UTF-8).</summary>
    public static void WriteFile(RunResults results, string path)
    {
        using var sw = new StreamWriter(path, false, new UTF8Encoding(false)) { NewLine = "\n" };
        Write(results, sw);
    }

    private static void WriteHistogram(TextWriter o, LatencyHistogram h)
    {
        o.Write(string.Create(Inv, $"<svg id=\"latency-histogram\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\">"));
        Axes(o);
        if (h.Count == 0)
        {
            o.Write("<text x=\"50\" y=\"100\">no translations</text></svg>");
            return;
        }
        // Re-bucket into at most 64 equal-width bars between min and max so the chart is readable.
        const int bars = 64;
        var counts = new long[bars];
        double lo = h.Min, hi = Math.Max(h.Max, h.Min + 1);
        for (int i = 0; i < LatencyHistogram.BucketCount; i++)
        {
            long c = h.CountAt(i);
            if (c == 0) continue;
            double v = Math.Clamp((double)LatencyHistogram.BucketLowest(i), lo, hi);
            int b = (int)Math.Min(bars - 1, (v - lo) / (hi - lo) * bars);
            counts[b] += c;
        }
        long max = 1;
        foreach (long c in counts) max = Math.Max(max, c);
        double plotW = Width - 2 * Margin, plotH = Height - 2 * Margin, bw = plotW / bars;
        for (int b = 0; b < bars; b++)
        {
            if (counts[b] == 0) continue;
            double hgt = counts[b] * plotH / max;
            o.Write(string.Create(Inv, $"<rect class=\"bar\" x=\"{Margin + b * bw:F1}\" y=\"{Height - Margin - hgt:F1}\" width=\"{Math.Max(1, bw - 1):F1}\" height=\"{hgt:F1}\"><title>{counts[b]}</title></rect>"));
        }
        o.Write(string.Create(Inv, $"<text x=\"{Margin}\" y=\"{Height - 10}\">{lo / 1000:F1} ns</text><text x=\"{Width - Margin - 60}\" y=\"{Height - 10}\">{hi / 1000:F1} ns</text><text x=\"5\" y=\"{Margin - 10}\">count (max {max})</text>"));
        o.Write("</svg>");
    }

    private static void WriteLineChart(TextWriter o, string id, List<(double X, double Y)> points, string xLabel, string yLabel, double yMax)
    {
        o.Write(string.Create(Inv, $"<svg id=\"{id}\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\">"));
        Axes(o);
        if (points.Count == 0)
        {
            o.Write("<text x=\"50\" y=\"100\">no samples</text></svg>");
            return;
        }
        double xMax = points[^1].X, xMin = points[0].X;
        if (xMax <= xMin) xMax = xMin + 1;
        if (double.IsNaN(yMax))
        {
            yMax = 0;
            foreach ((double _, double y) in points) yMax = Math.Max(yMax, y);
            if (yMax <= 0) yMax = 1;
        }
        double plotW = Width - 2 * Margin, plotH = Height - 2 * Margin;
        var sb = new StringBuilder();
        foreach ((double x, double y) in points)
        {
            if (sb.Length > 0) sb.Append(' ');
            sb.Append(string.Create(Inv, $"{Margin + (x - xMin) / (xMax - xMin) * plotW:F1},{Height - Margin - Math.Clamp(y / yMax, 0, 1) * plotH:F1}"));
        }
        o.Write("<polyline class=\"line\" points=\"" + sb + "\"/>");
        o.Write(string.Create(Inv, $"<text x=\"{Margin}\" y=\"{Height - 10}\">{xMin:F3}</text><text x=\"{Width / 2 - 30}\" y=\"{Height - 10}\">{Esc(xLabel)}</text><text x=\"{Width - Margin - 40}\" y=\"{Height - 10}\">{xMax:F3}</text>"));
        o.Write(string.Create(Inv, $"<text x=\"5\" y=\"{Margin - 10}\">{Esc(yLabel)} (max {yMax:G4})</text>"));
        o.Write("</svg>");
    }

    private static void Axes(TextWriter o) =>
        o.Write(string.Create(Inv, $"<line class=\"axis\" x1=\"{Margin}\" y1=\"{Height - Margin}\" x2=\"{Width - Margin}\" y2=\"{Height - Margin}\"/><line class=\"axis\" x1=\"{Margin}\" y1=\"{Margin}\" x2=\"{Margin}\" y2=\"{Height - Margin}\"/>"));

    private static string Esc(string s) => WebUtility.HtmlEncode(s);
}
