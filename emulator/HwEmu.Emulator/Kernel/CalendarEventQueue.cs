using System.Numerics;
using System.Runtime.CompilerServices;

namespace HwEmu.Emulator.Kernel;

/// <summary>
/// Calendar queue (Brown 1988) in the form of a timing wheel with an adaptive bucket width and a far-future
/// overflow. Times are cut into buckets of <c>2^_shift</c> ps; bucket number <c>time &gt;&gt; _shift</c>. Three
/// tiers, each entirely earlier than the next:
/// <list type="number">
/// <item><c>_current</c>, a small binary heap ordered by (time, priority, sequence): every entry whose bucket is
/// at or before the current bucket <c>_cur</c> (including insertions before it, which a simulator makes after a
/// run stopped at a time limit);</item>
/// <item>the wheel: <c>2^_wheelBits</c> unsorted lists, one per bucket of the window (<c>_cur</c>,
/// <c>_cur + wheel size</c>), indexed by the low bits of the bucket number, with a bitmap of non-empty lists;</item>
/// <item><c>_overflow</c>, a <see cref="RadixEventQueue"/> for entries beyond the window, moved into the wheel
/// as the window reaches them.</item>
/// </list>
/// An insertion is a shift, a compare and a list push; when the heap empties, the next non-empty list (found with
/// <c>tzcnt</c> on the bitmap) is moved into it. With a bucket width below the mean spacing of events, a list
/// usually holds at most one entry, and an entry inserted within the window is moved once, from its list to the
/// heap, between its insertion and its dispatch.
/// </summary>
/// <remarks>
/// <para>The geometry adapts to the workload (Brown's resize rule, by measurement instead of sampling): every
/// epoch of at least <see cref="MinEpoch"/> removals and as many as there are pending entries, the observed mean
/// spacing of removed events sets the bucket width (a quarter of an event or less per bucket) and the pending count times
/// that spacing sets the window. The queue is rebuilt, O(n) and allocating a new wheel, only when the width or the
/// window is off by a factor of 4 or more, so a steady workload settles and rebuilds are amortized O(1) per
/// operation. The geometry changes only
/// the speed, never the order: dispatch order is the total order of the entries.</para>
/// <para>Lists are linked through one node pool, so memory is proportional to the peak number of entries plus
/// the wheel (4 bytes per bucket, at most <c>2^</c><see cref="MaxWheelBits"/>) and the steady state allocates
/// nothing.</para>
/// </remarks>
internal sealed class CalendarEventQueue : IEventHeap
{
    /// <summary>A wheel entry and the next node of its list, side by side so that a list walk reads one place per node.</summary>
    private struct Node
    {
        public EventEntry Entry;
        public int Next;
    }

    internal const int MinWheelBits = 6;
    internal const int MaxWheelBits = 18;
    private const int MaxShift = 48;
    private const int InitialShift = 3;       // 8 ps buckets
    private const int InitialWheelBits = 14;  // 16 384 buckets: a 131 ns window
    internal const int MinEpoch = 4096;
    private const ulong NotStarted = ulong.MaxValue; // _epochStartBucket before the first epoch

    private readonly DaryEventHeap<BinaryArity> _current = new(64);
    private readonly RadixEventQueue _overflow = new();
    private int[] _head = null!;       // first node of each wheel list, -1 when empty
    private ulong[] _nonEmpty = null!; // bit i set when wheel list i holds entries
    private int _shift;
    private int _wheelBits;
    private ulong _wheelSize;
    private int _wheelMask;
    private ulong _cur;                // current bucket: heap entries have buckets <= _cur < wheel entries' buckets
    private int _count;
    private Node[] _nodes = new Node[64];
    private int _freeHead = -1;
    private int _nodesUsed;
    private EventEntry[] _scratch = new EventEntry[16];

    // Adaptation: removals and scanned bitmap words in the current epoch.
    private long _removals;
    private long _epochEnd;
    private ulong _epochStartBucket;
    private long _scannedWords;
    private int _rebuilds;

    public CalendarEventQueue() => SetGeometry(InitialShift, InitialWheelBits);

    public int Count => _count;

    /// <summary>Bucket width is 2^Shift ps (for tests and documentation).</summary>
    internal int Shift => _shift;

    /// <summary>The wheel has 2^WheelBits buckets.</summary>
    internal int WheelBits => _wheelBits;

    /// <summary>Geometry changes so far.</summary>
    internal int Rebuilds => _rebuilds;

    /// <summary>Nodes in the pool: the most entries ever held by the wheel at once.</summary>
    internal int PoolSize => _nodesUsed;

    public ref readonly EventEntry Root
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if (_current.Count == 0) Advance();
            return ref _current.Root;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(in EventEntry entry)
    {
        ulong bucket = entry.Time >> _shift;
        // An empty queue has nothing in the wheel, so the current bucket may move to the new entry's: it goes
        // straight to the heap (the single-pending-event case never touches the wheel).
        if (_count == 0) _cur = bucket;
        _count++;
        if (bucket <= _cur) _current.Push(entry);
        else Place(entry, bucket);
    }

    public void RemoveRoot()
    {
        if (_current.Count == 0) Advance();
        _current.RemoveRoot();
        _count--;
        _removals++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ReplaceRoot(in EventEntry entry)
    {
        if (_current.Count == 0) Advance();
        _removals++;
        ulong bucket = entry.Time >> _shift;
        if (bucket <= _cur || _count == 1)
        {
            // The replacement belongs in the heap (or is the only entry left): one sift.
            if (bucket > _cur) _cur = bucket;
            _current.ReplaceRoot(entry);
            return;
        }
        _current.RemoveRoot();
        Place(entry, bucket);
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
        // Entries (the scratch copy) was filtered by the caller; the tiers still hold the old contents.
        Reload(count);
    }

    public void Clear()
    {
        ClearTiers();
        _count = 0;
        _cur = 0;
        _epochStartBucket = NotStarted;
    }

    /// <summary>Puts an entry whose bucket is after the current one into the wheel or the overflow.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Place(in EventEntry entry, ulong bucket)
    {
        if (bucket - _cur < _wheelSize) Link(entry, bucket);
        else _overflow.Push(entry);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Link(in EventEntry entry, ulong bucket)
    {
        int node = _freeHead;
        if (node >= 0) _freeHead = _nodes[node].Next;
        else node = NewNode();
        int i = (int)bucket & _wheelMask;
        ref Node n = ref _nodes[node];
        n.Entry = entry;
        n.Next = _head[i];
        _head[i] = node;
        _nonEmpty[i >> 6] |= 1UL << i;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int NewNode()
    {
        if (_nodesUsed == _nodes.Length) Array.Resize(ref _nodes, _nodes.Length * 2);
        return _nodesUsed++;
    }

    /// <summary>Moves the earliest non-empty bucket into the heap (which is empty). Count must be &gt; 0.</summary>
    private void Advance()
    {
        if (_removals >= _epochEnd || _scannedWords > _epochEnd)
        {
            Adapt();
            if (_current.Count > 0) return; // a rebuild put the earliest bucket into the heap
        }
        ulong next;
        int i = FindNextList();
        if (i >= 0)
        {
            // Wheel lists from _cur + 1 on, in circular order, are buckets in increasing order.
            next = _cur + 1 + (ulong)((i - ((int)(_cur + 1) & _wheelMask)) & _wheelMask);
        }
        else
        {
            if (_overflow.Count == 0) return; // empty queue: Root is not valid
            // The wheel is empty: jump to the overflow's earliest bucket.
            next = _overflow.Root.Time >> _shift;
        }
        _cur = next;
        if (i >= 0) DrainList(i);
        // Overflow entries that the moved window now covers enter the wheel (or the heap, for bucket _cur).
        while (_overflow.Count > 0)
        {
            ref readonly EventEntry e = ref _overflow.Root;
            ulong bucket = e.Time >> _shift;
            if (bucket - _cur >= _wheelSize) break;
            if (bucket == _cur) _current.Push(e);
            else Link(e, bucket);
            _overflow.RemoveRoot();
        }
    }

    /// <summary>The first non-empty wheel list after the current bucket in circular order, or -1.</summary>
    private int FindNextList()
    {
        var words = _nonEmpty;
        int start = (int)(_cur + 1) & _wheelMask;
        int w = start >> 6;
        ulong bits = words[w] & (ulong.MaxValue << start);
        int scanned = 1;
        // At most words.Length + 1 words: the start word's high part, the others, then its low part again.
        while (bits == 0)
        {
            if (++w == words.Length) w = 0;
            if (scanned++ > words.Length)
            {
                _scannedWords += scanned;
                return -1;
            }
            bits = words[w];
        }
        _scannedWords += scanned;
        return (w << 6) + BitOperations.TrailingZeroCount(bits);
    }

    private void DrainList(int i)
    {
        int node = _head[i];
        _head[i] = -1;
        _nonEmpty[i >> 6] &= ~(1UL << i);
        var nodes = _nodes;
        while (node >= 0)
        {
            ref Node n = ref nodes[node];
            int next = n.Next;
            _current.Push(n.Entry);
            n.Next = _freeHead;
            _freeHead = node;
            node = next;
        }
    }

    /// <summary>
    /// End of an epoch: estimates the mean spacing of removed events and changes the geometry when it is off by a
    /// factor of 4 or more. Called only from <see cref="Advance"/>, when the heap is empty.
    /// </summary>
    private void Adapt()
    {
        if (_epochStartBucket == NotStarted || _cur < _epochStartBucket)
        {
            StartEpoch();
            return;
        }
        long removals = Math.Max(_removals, 1);
        ulong spanBuckets = _cur - _epochStartBucket;
        // Mean spacing in ps, saturating (the estimate only has to be right within a factor of 2).
        ulong span = spanBuckets > ulong.MaxValue >> _shift ? ulong.MaxValue : spanBuckets << _shift;
        ulong spacing = span / (ulong)removals;
        // Width = the power of two in (spacing / 8, spacing / 4]: a bucket rarely holds more than one entry, so the
        // heap has almost nothing to do; skipping empty buckets costs only bitmap bits. Measured at 1 000 pending
        // (docs/kernel.md), width <= 2 / 1 / 0.5 / 0.25 x spacing: 30.1 / 25.4 / 23.6 / 22.6 ns.
        int shift = spacing < 8 ? 0 : Math.Min(MaxShift, 61 - BitOperations.LeadingZeroCount(spacing));
        // Window: twice the span of the pending entries (count x spacing), in buckets of the new width.
        ulong pending = (ulong)Math.Max(_count, 1);
        ulong window = Math.Max(spacing, 1) > ulong.MaxValue / 2 / pending ? ulong.MaxValue : pending * Math.Max(spacing, 1) * 2;
        ulong buckets = Math.Max(window >> shift, 1);
        int wheelBits = Math.Clamp(64 - BitOperations.LeadingZeroCount(buckets - 1), MinWheelBits, MaxWheelBits);
        if (Math.Abs(shift - _shift) >= 2 || Math.Abs(wheelBits - _wheelBits) >= 2)
        {
            Gather();
            SetGeometry(shift, wheelBits);
            _rebuilds++;
            Reload(_count);
        }
        StartEpoch();
    }

    private void StartEpoch()
    {
        _removals = 0;
        _scannedWords = 0;
        _epochEnd = Math.Max(MinEpoch, _count);
        _epochStartBucket = _cur;
    }

    private void SetGeometry(int shift, int wheelBits)
    {
        _shift = shift;
        _wheelBits = wheelBits;
        _wheelSize = 1UL << wheelBits;
        _wheelMask = (1 << wheelBits) - 1;
        _head = new int[1 << wheelBits];
        _head.AsSpan().Fill(-1);
        _nonEmpty = new ulong[Math.Max(1, (1 << wheelBits) >> 6)];
        _epochEnd = MinEpoch;
        _removals = 0;
        _scannedWords = 0;
        _epochStartBucket = NotStarted;
    }

    /// <summary>Empties every tier and re-inserts the first <paramref name="count"/> scratch entries.</summary>
    private void Reload(int count)
    {
        ClearTiers();
        _count = 0;
        if (count == 0) return;
        // The current bucket becomes the earliest entry's, so every entry is at or after it.
        ulong min = ulong.MaxValue;
        for (int i = 0; i < count; i++) min = Math.Min(min, _scratch[i].Time);
        _cur = min >> _shift;
        for (int i = 0; i < count; i++)
        {
            ref readonly EventEntry e = ref _scratch[i];
            ulong bucket = e.Time >> _shift;
            _count++;
            if (bucket <= _cur) _current.Push(e);
            else Place(e, bucket);
        }
    }

    /// <summary>Copies every entry into the scratch array.</summary>
    private void Gather()
    {
        if (_scratch.Length < _count) _scratch = new EventEntry[Math.Max(_count, _scratch.Length * 2)];
        int k = 0;
        foreach (var e in _current.Entries) _scratch[k++] = e;
        for (int i = 0; i < _head.Length; i++)
            for (int node = _head[i]; node >= 0; node = _nodes[node].Next)
                _scratch[k++] = _nodes[node].Entry;
        foreach (var e in _overflow.Entries) _scratch[k++] = e;
    }

    private void ClearTiers()
    {
        _current.Clear();
        _overflow.Clear();
        _head.AsSpan().Fill(-1);
        Array.Clear(_nonEmpty);
        _freeHead = -1;
        _nodesUsed = 0;
    }
}
