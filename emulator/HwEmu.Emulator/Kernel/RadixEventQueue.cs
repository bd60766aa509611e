using System.Numerics;
using System.Runtime.CompilerServices;

namespace HwEmu.Emulator.Kernel;

/// <summary>
/// Radix heap (Ahuja, Mehlhorn, Orlin, Tarjan 1990) adapted to event entries. A boundary time <c>_last</c> splits
/// the entries: those at or before it are in <c>_current</c>, a small binary heap ordered by (time, priority,
/// sequence); those after it are in buckets 1..64 by the highest bit in which their time differs from
/// <c>_last</c> (bucket b: bit b - 1). Every bucketed entry is later than every heap entry, and bucket b's entries
/// are all earlier than bucket b + 1's. Insertion is O(1) (one <c>lzcnt</c> and an append, or a push on the small
/// heap). When the heap empties, the lowest non-empty bucket is either moved into the heap whole (when it holds at
/// most <see cref="DirectRefill"/> entries) or redistributed around its minimum into strictly lower buckets, so an
/// entry is redistributed at most 64 times and in practice about log2(delay / spacing) times.
/// </summary>
/// <remarks>
/// Unlike a textbook radix heap, an insertion before the boundary is legal (it goes to the heap), which a simulator
/// needs after a run stopped at a time limit earlier than the next pending event.
/// </remarks>
internal sealed class RadixEventQueue : IEventHeap
{
    private const int BucketCount = 65;

    private readonly BinaryEventHeap _current = new(64); // entries with time <= _last
    private readonly EventEntry[][] _buckets = new EventEntry[BucketCount][];
    private readonly int[] _bucketCounts = new int[BucketCount];
    private ulong _nonEmpty;        // bit b - 1 set when bucket b (1..64) holds entries
    private ulong _last;            // boundary: heap entries <= _last < bucketed entries
    private int _count;
    private EventEntry[] _scratch = new EventEntry[16];
    private long _bucketCapacity;   // total length of the bucket arrays, bounded by TrimEmptyBuckets

    private const int InitialBucketCapacity = 8;

    /// <summary>A bucket with at most this many entries is moved into the heap whole (tuned by measurement).</summary>
    internal const int DirectRefill = 8;

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
        // An empty queue has no bucketed entries, so the boundary may move to the new entry: it goes straight to
        // the heap instead of through a bucket and a refill (the single-pending-event case).
        if (_count == 0) _last = entry.Time;
        Place(entry);
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
        if (_current.Count == 0) Refill();
        if (entry.Time <= _last || _count == 1)
        {
            // The replacement belongs in the heap (or is the only entry left): one sift.
            if (_count == 1) _last = Math.Max(_last, entry.Time);
            _current.ReplaceRoot(entry);
            return;
        }
        _current.RemoveRoot();
        _count--;
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
        if (entry.Time <= _last)
        {
            // At or before the boundary: earlier than every bucketed entry, ordered by the small heap.
            _current.Push(entry);
            return;
        }
        int b = 64 - BitOperations.LeadingZeroCount(entry.Time ^ _last);
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

    /// <summary>Moves the earliest entries into the current heap (which must be empty).</summary>
    private void Refill()
    {
        if (_nonEmpty == 0) return; // empty queue: callers only do this when Count > 0
        int b = BitOperations.TrailingZeroCount(_nonEmpty) + 1;
        var bucket = _buckets[b];
        int n = _bucketCounts[b];
        _bucketCounts[b] = 0;
        _nonEmpty &= ~(1UL << (b - 1));
        // Every entry of the lowest non-empty bucket is earlier than every entry of the higher buckets, and any
        // time in that bucket is a valid new boundary for them (it agrees with the old one above bit b - 1).
        if (n <= DirectRefill)
        {
            // Few entries: hand them all to the heap instead of redistributing them level by level.
            ulong max = bucket[0].Time;
            for (int i = 1; i < n; i++)
                if (bucket[i].Time > max) max = bucket[i].Time;
            _last = max;
            for (int i = 0; i < n; i++) _current.Push(bucket[i]);
        }
        else
        {
            ulong min = bucket[0].Time;
            for (int i = 1; i < n; i++)
                if (bucket[i].Time < min) min = bucket[i].Time;
            _last = min;
            // Entries at the new boundary go to the heap, the others to strictly lower buckets.
            for (int i = 0; i < n; i++) Place(bucket[i]);
        }
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

    private void ClearBuckets()
    {
        _current.Clear();
        Array.Clear(_bucketCounts);
        _nonEmpty = 0;
    }
}
