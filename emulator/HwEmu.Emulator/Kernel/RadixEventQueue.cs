using System.Numerics;
using System.Runtime.CompilerServices;

namespace HwEmu.Emulator.Kernel;

/// <summary>
/// Radix heap (Ahuja, Mehlhorn, Orlin, Tarjan 1990) specialised for event times, which never go below the last
/// extracted minimum in a discrete-event simulation. Entries are bucketed by the highest bit in which their time
/// differs from <c>_last</c> (the current minimum time): bucket b &gt; 0 holds times whose highest differing bit is
/// b - 1; bucket 0 holds the entries whose time equals <c>_last</c> and is a small binary heap ordered by
/// (priority, sequence). Insertion is O(1); extraction refills bucket 0 from the lowest non-empty bucket, and every
/// entry moves to strictly lower buckets each time it is redistributed, so it moves at most 64 times in total.
/// </summary>
/// <remarks>
/// An insertion earlier than <c>_last</c> (possible after a run stopped at a time limit before the next event) is
/// handled by rebasing: all entries are redistributed around the new minimum, O(n), once per such insertion.
/// </remarks>
internal sealed class RadixEventQueue : IEventHeap
{
    private const int BucketCount = 65;

    private readonly BinaryEventHeap _current = new(16); // bucket 0: time == _last
    private readonly EventEntry[][] _buckets = new EventEntry[BucketCount][];
    private readonly int[] _bucketCounts = new int[BucketCount];
    private ulong _nonEmpty;        // bit b - 1 set when bucket b (1..64) holds entries
    private ulong _last;            // every entry's time is >= _last
    private int _count;
    private EventEntry[] _scratch = new EventEntry[16];
    private long _bucketCapacity;   // total length of the bucket arrays, bounded by TrimEmptyBuckets

    private const int InitialBucketCapacity = 8;

    public RadixEventQueue()
    {
        for (int b = 1; b < BucketCount; b++) _buckets[b] = new EventEntry[InitialBucketCapacity];
        _bucketCapacity = (BucketCount - 1) * InitialBucketCapacity;
    }

    public int Count => _count;

    /// <summary>Total length of the bucket arrays (for the memory-bound test).</summary>
    internal long BucketCapacity => _bucketCapacity;

    public ref readonly EventEntry Root
    {
        get
        {
            if (_current.Count == 0) Refill();
            return ref _current.Root;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(in EventEntry entry)
    {
        if (_count == 0)
        {
            // Empty queue: the entry is the minimum; skip the trip through a bucket.
            _last = entry.Time;
            _current.Push(entry);
        }
        else
        {
            if (entry.Time < _last) Rebase(entry.Time);
            Place(entry);
        }
        _count++;
    }

    public void RemoveRoot()
    {
        if (_current.Count == 0) Refill();
        _current.RemoveRoot();
        _count--;
    }

    public void ReplaceRoot(in EventEntry entry)
    {
        RemoveRoot();
        Push(entry);
    }

    public Span<EventEntry> Entries
    {
        get
        {
            Gather();
            return _scratch.AsSpan(0, _count);
        }
    }

    public void Rebuild(int count)
    {
        // Entries (the scratch copy) was filtered by the caller; the buckets still hold the old contents.
        ClearBuckets();
        _count = count;
        for (int i = 0; i < count; i++) Place(_scratch[i]);
    }

    public void Clear()
    {
        ClearBuckets();
        _count = 0;
        _last = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Place(in EventEntry entry)
    {
        ulong diff = entry.Time ^ _last;
        if (diff == 0)
        {
            _current.Push(entry);
            return;
        }
        int b = 64 - BitOperations.LeadingZeroCount(diff);
        ref int n = ref _bucketCounts[b];
        var bucket = _buckets[b];
        if (n == bucket.Length) bucket = GrowBucket(b);
        bucket[n++] = entry;
        _nonEmpty |= 1UL << (b - 1);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private EventEntry[] GrowBucket(int b)
    {
        _bucketCapacity += _buckets[b].Length;
        Array.Resize(ref _buckets[b], _buckets[b].Length * 2);
        return _buckets[b];
    }

    /// <summary>
    /// Each bucket keeps the largest size it ever needed, so a run whose delays change scale could leave up to 64
    /// arrays of n entries behind. When the total exceeds a fixed multiple of the live count, empty buckets are
    /// given back; a steady workload never gets here, so the dispatch path stays allocation-free.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void TrimEmptyBuckets()
    {
        for (int b = 1; b < BucketCount; b++)
        {
            if (_bucketCounts[b] == 0 && _buckets[b].Length > InitialBucketCapacity)
            {
                _bucketCapacity -= _buckets[b].Length - InitialBucketCapacity;
                _buckets[b] = new EventEntry[InitialBucketCapacity];
            }
        }
    }

    /// <summary>Moves the entries with the smallest time into bucket 0 (which must be empty).</summary>
    private void Refill()
    {
        if (_nonEmpty == 0) return; // empty queue: callers only do this when Count > 0
        int b = BitOperations.TrailingZeroCount(_nonEmpty) + 1;
        var bucket = _buckets[b];
        int n = _bucketCounts[b];
        _bucketCounts[b] = 0;
        _nonEmpty &= ~(1UL << (b - 1));
        if (n == 1)
        {
            _last = bucket[0].Time;
            _current.Push(bucket[0]);
            return;
        }
        ulong min = bucket[0].Time;
        for (int i = 1; i < n; i++)
            if (bucket[i].Time < min) min = bucket[i].Time;
        _last = min;
        // All entries of bucket b agree with the new minimum above bit b - 1, so each lands in a lower bucket.
        for (int i = 0; i < n; i++) Place(bucket[i]);
        if (_bucketCapacity > 16L * Math.Max(_count, 4096)) TrimEmptyBuckets();
    }

    /// <summary>Copies every entry into the scratch array (bucket 0 first).</summary>
    private void Gather()
    {
        if (_scratch.Length < _count) _scratch = new EventEntry[Math.Max(_count, _scratch.Length * 2)];
        int k = 0;
        foreach (var e in _current.Entries) _scratch[k++] = e;
        for (int b = 1; b < BucketCount; b++)
        {
            _buckets[b].AsSpan(0, _bucketCounts[b]).CopyTo(_scratch.AsSpan(k));
            k += _bucketCounts[b];
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Rebase(ulong newLast)
    {
        Gather();
        ClearBuckets();
        _last = newLast;
        for (int i = 0; i < _count; i++) Place(_scratch[i]);
    }

    private void ClearBuckets()
    {
        _current.Clear();
        Array.Clear(_bucketCounts);
        _nonEmpty = 0;
    }
}
