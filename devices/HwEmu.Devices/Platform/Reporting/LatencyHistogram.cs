using System.Numerics;

namespace HwEmu.Devices.Platform.Reporting;

/// <summary>
/// Log-linear histogram of non-negative integer values (HdrHistogram-style): values below 2^<see cref="SubBucketBits"/>
/// have one bucket each (exact); above, each power of two is split into 2^(SubBucketBits-1) equal buckets, so a
/// reported percentile is within 1/2^(SubBucketBits-1) of the true value. Count, sum, min and max are exact.
/// Recording never allocates (the bucket array is allocated once).
/// </summary>
public sealed class LatencyHistogram
{
    /// <summary>Bits of linear resolution: 256 exact buckets, then 128 buckets per power of two (error &lt; 0.8 %).</summary>
    public const int SubBucketBits = 8;
    private const int SubBucketCount = 1 << SubBucketBits;
    private const int HalfCount = SubBucketCount / 2;

    /// <summary>Number of buckets covering the whole 64-bit range.</summary>
    public const int BucketCount = SubBucketCount + (64 - SubBucketBits) * HalfCount;

    private readonly long[] _counts = new long[BucketCount];

    /// <summary>Number of recorded values.</summary>
    public long Count { get; private set; }

    /// <summary>Smallest recorded value (0 when empty).</summary>
    public ulong Min { get; private set; }

    /// <summary>Largest recorded value (0 when empty).</summary>
    public ulong Max { get; private set; }

    /// <summary>Exact sum of the recorded values.</summary>
    public UInt128 Sum { get; private set; }

    /// <summary>Arithmetic mean of the recorded values (0 when empty).</summary>
    public double Mean => Count == 0 ? 0 : (double)Sum / Count;

    /// <summary>Bucket index that holds <paramref name="value"/>.</summary>
    public static int BucketIndex(ulong value)
    {
        if (value < SubBucketCount) return (int)value;
        int k = 63 - BitOperations.LeadingZeroCount(value);
        int shift = k - (SubBucketBits - 1);
        int top = (int)(value >> shift);
        return SubBucketCount + (shift - 1) * HalfCount + (top - HalfCount);
    }

    /// <summary>Smallest value that falls in bucket <paramref name="index"/>.</summary>
    public static ulong BucketLowest(int index)
    {
        if (index < SubBucketCount) return (ulong)index;
        int rel = index - SubBucketCount;
        int shift = rel / HalfCount + 1;
        ulong top = (ulong)(rel % HalfCount + HalfCount);
        return top << shift;
    }

    /// <summary>Largest value that falls in bucket <paramref name="index"/>.</summary>
    public static ulong BucketHighest(int index)
    {
        if (index < SubBucketCount) return (ulong)index;
        int rel = index - SubBucketCount;
        int shift = rel / HalfCount + 1;
        ulong top = (ulong)(rel % HalfCount + HalfCount);
        return ((top + 1) << shift) - 1;
    }

    /// <summary>Records one value.</summary>
    public void Record(ulong value) => Record(value, 1);

    /// <summary>Records <paramref name="count"/> occurrences of <paramref name="value"/>.</summary>
    public void Record(ulong value, long count)
    {
        if (count <= 0) return;
        _counts[BucketIndex(value)] += count;
        if (Count == 0 || value < Min) Min = value;
        if (Count == 0 || value > Max) Max = value;
        Count += count;
        Sum += (UInt128)value * (ulong)count;
    }

    /// <summary>Number of values recorded in bucket <paramref name="index"/>.</summary>
    public long CountAt(int index) => _counts[index];

    /// <summary>
    /// The value at percentile <paramref name="percentile"/> (0..100): the highest value of the bucket holding the
    /// ceil(p/100 * Count)-th smallest value, clamped to [Min, Max]. Exact below 2^SubBucketBits; p100 is Max.
    /// </summary>
    public ulong Percentile(double percentile)
    {
        if (Count == 0) return 0;
        if (percentile >= 100) return Max;
        long rank = (long)Math.Ceiling(Math.Max(0, percentile) / 100.0 * Count);
        if (rank < 1) rank = 1;
        long seen = 0;
        for (int i = 0; i < BucketCount; i++)
        {
            seen += _counts[i];
            if (seen >= rank) return Math.Clamp(BucketHighest(i), Min, Max);
        }
        return Max;
    }

    /// <summary>Adds every value recorded in <paramref name="other"/>.</summary>
    public void Add(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Count == 0) return;
        for (int i = 0; i < BucketCount; i++) _counts[i] += other._counts[i];
        if (Count == 0 || other.Min < Min) Min = other.Min;
        if (Count == 0 || other.Max > Max) Max = other.Max;
        Count += other.Count;
        Sum += other.Sum;
    }

    /// <summary>Forgets every recorded value.</summary>
    public void Reset()
    {
        Array.Clear(_counts);
        Count = 0;
        Min = Max = 0;
        Sum = 0;
    }
}
