using System.Globalization;
using System.Net;
using System.Text;

namespace HwEmu.Campaigns;

/// <summary>
/// A self-contained HTML page (<c>--report FILE.html</c>): no scripts, no external resources; inline SVG charts of
/// the outcome shares per fault entry and each entry's detection-latency histogram, and the tables with 95% intervals.
/// </summary>
public static class ReportHtmlWriter
{
    private static readonly string[] Colors = ["#9e9e9e", "#2e7d32", "#c62828", "#ef6c00", "#f9a825", "#6a1b9a", "#1565c0", "#000000"];

    /// <summary>Writes the page.</summary>
    public static void Write(CampaignReport report, TextWriter o)
    {
        var ic = CultureInfo.InvariantCulture;
        string E(string s) => WebUtility.HtmlEncode(s);
        o.WriteLine("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + E("HwEmu campaign " + report.Name) + "</title>");
        o.WriteLine("<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}th{background:#f0f0f0}td:first-child,th:first-child{text-align:left}.legend span{display:inline-block;margin-right:1em}.sw{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}code{font-size:90%}</style></head><body>");
        o.WriteLine(string.Create(ic, $"<h1>Campaign {E(report.Name)}</h1><p>{report.TotalRuns} runs, seed {report.Seed}, fingerprint <code>{report.Fingerprint}</code>.</p>"));
        o.Write("<p class=\"legend\">");
        foreach (var oc in Outcomes.All) o.Write($"<span><i class=\"sw\" style=\"background:{Colors[(int)oc]}\"></i>{Outcomes.Name(oc)}</span>");
        o.WriteLine("</p>");
        o.WriteLine(OutcomeBars(report));
        foreach (var f in report.Faults)
        {
            o.WriteLine(string.Create(ic, $"<h2>{E(f.Fault.Name)}</h2><p>model <code>{E(f.Fault.Model)}</code>, machine {E(f.Fault.Machine)}, {f.Runs} runs, {f.Activated} activated.</p>"));
            o.WriteLine("<table><tr><th>outcome</th><th>runs</th><th>%</th><th>95% CI</th></tr>");
            foreach (var s in f.Outcomes)
                o.WriteLine(string.Create(ic, $"<tr><td>{Outcomes.Name(s.Outcome)}</td><td>{s.Count}</td><td>{s.Percent:0.00}</td><td>{s.CiLowPercent:0.00} – {s.CiHighPercent:0.00}</td></tr>"));
            o.WriteLine("</table>");
            if (f.Latency.Count > 0)
            {
                o.WriteLine(string.Create(ic, $"<p>Detection latency (ns): min {f.Latency.MinNs:0.###}, p50 {f.Latency.P50Ns:0.###}, p90 {f.Latency.P90Ns:0.###}, p99 {f.Latency.P99Ns:0.###}, max {f.Latency.MaxNs:0.###}.</p>"));
                o.WriteLine(Histogram(f.Latency));
            }
            if (f.Examples.Count > 0)
            {
                o.WriteLine("<details><summary>Runs to reproduce</summary><ul>");
                foreach (var e in f.Examples) o.WriteLine("<li><code>" + E(e) + "</code></li>");
                o.WriteLine("</ul></details>");
            }
        }
        o.WriteLine("</body></html>");
    }

    /// <summary>Writes to a file.</summary>
    public static void WriteFile(CampaignReport report, string path)
    {
        using var w = new StreamWriter(path, false, new UTF8Encoding(false));
        Write(report, w);
    }

    private static string OutcomeBars(CampaignReport report)
    {
        var ic = CultureInfo.InvariantCulture;
        const int labelW = 360, barW = 560, rowH = 22;
        int h = rowH * report.Faults.Count + 10;
        var s = new StringBuilder();
        s.Append(ic, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{labelW + barW + 10}\" height=\"{h}\" role=\"img\" aria-label=\"outcome shares per fault\">");
        for (int i = 0; i < report.Faults.Count; i++)
        {
            var f = report.Faults[i];
            int y = i * rowH + 4;
            s.Append(ic, $"<text x=\"0\" y=\"{y + 14}\" font-size=\"12\">{WebUtility.HtmlEncode(Truncate(f.Fault.Name, 55))}</text>");
            double x = labelW;
            foreach (var sh in f.Outcomes)
            {
                if (sh.Count == 0) continue;
                double w = barW * sh.Count / (double)Math.Max(1, f.Runs);
                s.Append(ic, $"<rect x=\"{x:0.##}\" y=\"{y}\" width=\"{w:0.##}\" height=\"{rowH - 6}\" fill=\"{Colors[(int)sh.Outcome]}\"><title>{Outcomes.Name(sh.Outcome)}: {sh.Count} ({sh.Percent:0.00}%)</title></rect>");
                x += w;
            }
        }
        s.Append("</svg>");
        return s.ToString();
    }

    private static string Histogram(LatencySummary lat)
    {
        var ic = CultureInfo.InvariantCulture;
        const int w = 560, h = 140, pad = 30;
        int n = lat.Buckets.Count, max = lat.Buckets.Max(b => b.Count);
        double bw = (w - pad) / (double)Math.Max(1, n);
        var s = new StringBuilder();
        s.Append(ic, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h + 30}\" role=\"img\" aria-label=\"detection latency histogram\">");
        s.Append(ic, $"<line x1=\"{pad}\" y1=\"{h}\" x2=\"{w}\" y2=\"{h}\" stroke=\"#444\"/>");
        for (int i = 0; i < n; i++)
        {
            var (upper, count) = lat.Buckets[i];
            double bh = (h - 10) * count / (double)max;
            double x = pad + i * bw;
            s.Append(ic, $"<rect x=\"{x + 2:0.##}\" y=\"{h - bh:0.##}\" width=\"{bw - 4:0.##}\" height=\"{bh:0.##}\" fill=\"#2e7d32\"><title>≤ {upper:0.###} ns: {count} runs</title></rect>");
            s.Append(ic, $"<text x=\"{x + bw / 2:0.##}\" y=\"{h + 14}\" font-size=\"10\" text-anchor=\"middle\">≤{Short(upper)}</text>");
        }
        s.Append(ic, $"<text x=\"0\" y=\"12\" font-size=\"10\">{max}</text><text x=\"{w / 2}\" y=\"{h + 28}\" font-size=\"11\" text-anchor=\"middle\">detection latency (ns, power-of-two buckets)</text></svg>");
        return s.ToString();
    }

    private static string Short(double ns) => ns switch
    {
        >= 1e9 => (ns / 1e9).ToString("0.#", CultureInfo.InvariantCulture) + "s",
        >= 1e6 => (ns / 1e6).ToString("0.#", CultureInfo.InvariantCulture) + "ms",
        >= 1e3 => (ns / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + "µs",
        _ => ns.ToString("0.#", CultureInfo.InvariantCulture),
    };

    private static string Truncate(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";
}
