namespace HwEmu.Campaigns;

/// <summary>The campaign report: per fault entry, outcome counts with 95% intervals and detection latency.</summary>
public sealed record CampaignReport
{
    /// <summary>Campaign name.</summary>
    public required string Name { get; init; }
    /// <summary>Campaign fingerprint.</summary>
    public required string Fingerprint { get; init; }
    /// <summary>Seed.</summary>
    public required ulong Seed { get; init; }
    /// <summary>Runs.</summary>
    public required int TotalRuns { get; init; }
    /// <summary>Per entry.</summary>
    public required IReadOnlyList<FaultReport> Faults { get; init; }
    /// <summary>Runs per outcome over the whole campaign.</summary>
    public required IReadOnlyList<OutcomeShare> Totals { get; init; }

    /// <summary>Builds the report (a pure function of the results: sharded and unsharded runs give equal reports).</summary>
    public static CampaignReport Build(CampaignResults results)
    {
        var faults = new List<FaultReport>();
        for (int i = 0; i < results.Faults.Count; i++)
        {
            var recs = results.Records.Where(r => r.Fault == i).OrderBy(r => r.Run).ToList();
            var lat = recs.Where(r => r.Outcome == Outcome.Detected && r.DetectionLatencyPs >= 0).Select(r => r.DetectionLatencyPs / 1000.0).ToList();
            var examples = recs.Where(r => r.Outcome is not (Outcome.Masked or Outcome.Detected)).Take(10)
                .Select(r => $"{r.Plan}: {Outcomes.Name(r.Outcome)}: {r.Detail}").ToList();
            faults.Add(new FaultReport(results.Faults[i], recs.Count, recs.Count(r => r.Activated), Shares(recs), Latency(lat), examples));
        }
        return new CampaignReport
        {
            Name = results.Name, Fingerprint = results.Fingerprint, Seed = results.Seed, TotalRuns = results.Records.Count,
            Faults = faults, Totals = Shares(results.Records),
        };
    }

    private static List<OutcomeShare> Shares(IReadOnlyCollection<RunRecord> recs)
    {
        var list = new List<OutcomeShare>();
        foreach (var o in Outcomes.All)
        {
            int k = recs.Count(r => r.Outcome == o);
            var (lo, hi) = WilsonInterval.Compute(k, recs.Count);
            list.Add(new OutcomeShare(o, k, Pct(recs.Count == 0 ? 0 : (double)k / recs.Count), Pct(lo), Pct(hi)));
        }
        return list;
    }

    private static double Pct(double x) => Math.Round(x * 100, 2);

    private static LatencySummary Latency(List<double> ns)
    {
        if (ns.Count == 0) return new LatencySummary(0, 0, 0, 0, 0, 0, 0, []);
        ns.Sort();
        double P(double q) => ns[Math.Min(ns.Count - 1, (int)Math.Ceiling(q * ns.Count) - 1 < 0 ? 0 : (int)Math.Ceiling(q * ns.Count) - 1)];
        var buckets = new SortedDictionary<double, int>();
        foreach (var v in ns)
        {
            double upper = v <= 0 ? 0 : Math.Pow(2, Math.Ceiling(Math.Log2(v)));
            buckets[upper] = buckets.GetValueOrDefault(upper) + 1;
        }
        return new LatencySummary(ns.Count, ns[0], P(0.5), P(0.9), P(0.99), ns[^1], Math.Round(ns.Average(), 3),
            buckets.Select(kv => (kv.Key, kv.Value)).ToList());
    }
}
