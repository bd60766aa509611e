using System.Numerics;
using System.Runtime.CompilerServices;

namespace HwEmu.Emulator.Kernel;

/// <summary>
/// Radix heap (Ahuja, Mehlhorn, Orlin, Tarjan 1990) with base-16 digits, adapted to event entries. A boundary time
/// <c>_last</c> splits the entries: those at or before it are in <c>_current</c>, a small binary heap ordered by
/// (time, priority, sequence); later ones are in 256 buckets indexed by (position of the highest base-16 digit in
/// which the time differs from <c>_last</c>, value of that digit). In index order the buckets hold disjoint,
/// increasing time ranges, all later than the heap's entries. Insertion is O(1): one <c>lzcnt</c> and a list
/// push. When the heap empties, the lowest non-empty bucket is either moved into the heap whole (at most
/// <see cref="DirectRefill"/> entries) or redistributed around its earliest time into buckets of lower digit
/// positions, so an entry is redistributed at most 16 times and in practice about log16(delay / spacing) times.
/// </summary>
/// <remarks>
/// Bucket contents are singly linked lists through one node pool, so memory is exactly proportional to the
/// largest number of entries ever held and the steady state allocates nothing. Unlike a textbook radix heap, an
/// insertion before the boundary is legal (it goes to the heap), which a simulator needs after a run stopped at a
/// time limit earlier than the next pending event.
/// </remarks>
internal sealed class RadixEventQueue : IEventHeap
{
    private const int DigitBits = 4;
    private const int DigitValues = 1 << DigitBits;
    private const int BucketCount = 64 / DigitBits * DigitValues; // 256

    /// <summary>A bucket with at most this many entries is moved into the heap whole (chosen by measurement).</summary>
    internal const int DirectRefill = 2;

    private readonly DaryEventHeap<BinaryArity> _current = new(64);     // entries with time <= _last
    private readonly int[] _head = new int[BucketCount];      // first node of each bucket, -1 when empty
    private readonly int[] _bucketCounts = new int[BucketCount];
    private readonly ulong[] _nonEmpty = new ulong[BucketCount / 64]; // bit b set when bucket b holds entries
    private EventEntry[] _nodes = new EventEntry[64];
    private int[] _next = new int[64];
    private int _freeHead = -1;     // free-node list
    private int _nodesUsed;         // nodes [0, _nodesUsed) have been handed out at least once
    private ulong _last;            // boundary: heap entries <= _last < bucketed entries
    private int _count;
    private EventEntry[] _scratch = new EventEntry[16];

    public RadixEventQueue() => _head.AsSpan().Fill(-1);

    public int Count => _count;

    /// <summary>Nodes in the pool (for the memory-bound test): the most entries ever bucketed at once.</summary>
    internal int PoolSize => _nodesUsed;

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
        if (entry.Time <= _last) _current.Push(entry);
        else
        {
            int node = AllocateNode();
            _nodes[node] = entry;
            Link(node, entry.Time);
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
        _count = 0;
        for (int i = 0; i < count; i++) Push(_scratch[i]);
    }

    public void Clear()
    {
        ClearBuckets();
        _count = 0;
        _last = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int AllocateNode()
    {
        int node = _freeHead;
        if (node >= 0)
        {
            _freeHead = _next[node];
            return node;
        }
        if (_nodesUsed == _nodes.Length) GrowPool();
        return _nodesUsed++;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GrowPool()
    {
        Array.Resize(ref _nodes, _nodes.Length * 2);
        Array.Resize(ref _next, _next.Length * 2);
    }

    /// <summary>Adds <paramref name="node"/> (time <paramref name="time"/> &gt; <c>_last</c>) to its bucket.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Link(int node, ulong time)
    {
        // Highest base-16 digit in which the time differs from the boundary, and that digit's value.
        int position = (63 - BitOperations.LeadingZeroCount(time ^ _last)) >> 2;
        int b = (position << DigitBits) | (int)(time >> (position << 2)) & (DigitValues - 1);
        _next[node] = _head[b];
        _head[b] = node;
        _bucketCounts[b]++;
        _nonEmpty[b >> 6] |= 1UL << b;
    }

    /// <summary>Moves the earliest entries into the heap (which must be empty).</summary>
    private void Refill()
    {
        int word = 0;
        while (_nonEmpty[word] == 0)
            if (++word == _nonEmpty.Length) return; // empty queue: callers only do this when Count > 0
        int b = (word << 6) + BitOperations.TrailingZeroCount(_nonEmpty[word]);
        int node = _head[b];
        int n = _bucketCounts[b];
        _head[b] = -1;
        _bucketCounts[b] = 0;
        _nonEmpty[word] &= ~(1UL << b);
        // Every entry of the lowest non-empty bucket is earlier than every entry of the other buckets, and any time
        // in that bucket is a valid new boundary for them (it has the same digits as the old boundary from the
        // bucket's digit position up, except that digit, which the other buckets of that position exceed).
        var nodes = _nodes;
        if (n <= DirectRefill)
        {
            // Few entries: hand them all to the heap instead of redistributing them digit by digit.
            ulong max = 0;
            while (node >= 0)
            {
                int next = _next[node];
                if (nodes[node].Time > max) max = nodes[node].Time;
                _current.Push(nodes[node]);
                FreeNode(node);
                node = next;
            }
            _last = max;
            return;
        }
        ulong min = ulong.MaxValue;
        for (int i = node; i >= 0; i = _next[i])
            if (nodes[i].Time < min) min = nodes[i].Time;
        _last = min;
        // Entries at the new boundary go to the heap, the others to buckets of lower digit positions.
        while (node >= 0)
        {
            int next = _next[node];
            ulong time = nodes[node].Time;
            if (time == min)
            {
                _current.Push(nodes[node]);
                FreeNode(node);
            }
            else
            {
                Link(node, time);
            }
            node = next;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void FreeNode(int node)
    {
        _next[node] = _freeHead;
        _freeHead = node;
    }

    /// <summary>Copies every entry into the scratch array (heap first).</summary>
    private void Gather()
    {
        if (_scratch.Length < _count) _scratch = new EventEntry[Math.Max(_count, _scratch.Length * 2)];
        int k = 0;
        foreach (var e in _current.Entries) _scratch[k++] = e;
        for (int b = 0; b < BucketCount; b++)
            for (int node = _head[b]; node >= 0; node = _next[node])
                _scratch[k++] = _nodes[node];
    }

    private void ClearBuckets()
    {
        _current.Clear();
        _head.AsSpan().Fill(-1);
        Array.Clear(_bucketCounts);
        Array.Clear(_nonEmpty);
        _freeHead = -1;
        _nodesUsed = 0;
    }
}
