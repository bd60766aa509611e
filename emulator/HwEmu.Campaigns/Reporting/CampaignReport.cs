namespace HwEmu.Campaigns;

/// <summary>Count, share and 95% Wilson interval of one outcome.</summary>
/// <param name="Outcome">The outcome.</param>
/// <param name="Count">Runs.</param>
/// <param name="Percent">Share of the entry's runs, %.</param>
/// <param name="CiLowPercent">Lower 95% bound, %.</param>
/// <param name="CiHighPercent">Upper 95% bound, %.</param>
public sealed record OutcomeShare(Outcome Outcome, int Count, double Percent, double CiLowPercent, double CiHighPercent);

/// <summary>Detection-latency distribution of one entry, nanoseconds.</summary>
/// <param name="Count">Detected runs.</param>
/// <param name="MinNs">Minimum.</param>
/// <param name="P50Ns">Median.</param>
/// <param name="P90Ns">90th percentile.</param>
/// <param name="P99Ns">99th percentile.</param>
/// <param name="MaxNs">Maximum.</param>
/// <param name="MeanNs">Mean.</param>
/// <param name="Buckets">Histogram: (upper bound ns, runs) for power-of-two buckets; bucket 0 holds 0 ns.</param>
public sealed record LatencySummary(int Count, double MinNs, double P50Ns, double P90Ns, double P99Ns, double MaxNs, double MeanNs, IReadOnlyList<(double UpperNs, int Count)> Buckets);

/// <summary>Statistics of one fault entry.</summary>
/// <param name="Fault">Entry.</param>
/// <param name="Runs">Runs.</param>
/// <param name="Activated">Runs where the fault was actually applied.</param>
/// <param name="Outcomes">Per outcome, in <see cref="Outcomes.All"/> order.</param>
/// <param name="Latency">Detection latency.</param>
/// <param name="Examples">Up to 10 non-masked, non-detected runs (plan and what differed) for reproduction.</param>
public sealed record FaultReport(FaultInfo Fault, int Runs, int Activated, IReadOnlyList<OutcomeShare> Outcomes, LatencySummary Latency, IReadOnlyList<string> Examples);

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
