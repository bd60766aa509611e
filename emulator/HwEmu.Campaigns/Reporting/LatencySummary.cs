namespace HwEmu.Campaigns;

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
