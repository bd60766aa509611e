using System.Numerics;

namespace HwEmu.Devices.Host.Iova;

/// <summary>An allocated or reserved IOVA range in pfns (struct iova), both ends inclusive.</summary>
/// <param name="PfnLo">First page frame.</param>
/// <param name="PfnHi">Last page frame (inclusive).</param>
public readonly record struct IovaRange(ulong PfnLo, ulong PfnHi)
{
    /// <summary>Number of pages.</summary>
    public ulong Pages => PfnHi - PfnLo + 1;
}

/// <summary>
/// drivers/iommu/iova.c: a top-down IOVA allocator over page frames, with size-aligned allocation,
/// reserve_iova, find_iova and free_iova. The kernel keeps a red-black tree ordered by pfn_lo with an anchor node
/// at IOVA_ANCHOR (~0) and two cached starting points (32-bit and full); this model keeps the same nodes in a
/// sorted array (binary search, no per-call allocation once grown) and reproduces the walk, the caches and
/// max32_alloc_size exactly, so allocation results match Linux call for call.
/// <para>Versions (<see cref="KernelVersion"/>): 4.15+ is the anchor/exclusive-limit algorithm; 5.11 to 6.1.6 has
/// the CVE-2023-52910 retry overflow; before 4.15 the legacy inclusive-limit walk with its off-by-one at start_pfn,
/// and before 4.13 also the pfn_lo == 0 underflow. The per-CPU rcaches of alloc_iova_fast are not modelled:
/// freed ranges go straight back to the tree.</para>
/// </summary>
public sealed class IovaDomain
{
    /// <summary>IOVA_ANCHOR: pfn of the sentinel node above the usable space.</summary>
    public const ulong IovaAnchor = ulong.MaxValue;

    /// <summary>IOVA_RANGE_CACHE_MAX_SIZE: alloc_iova_fast rounds sizes below 2^(6-1) pages to a power of two.</summary>
    public const int IovaRangeCacheMaxSize = 6;

    private ulong[] _lo = new ulong[16];
    private ulong[] _hi = new ulong[16];
    private int _count;
    private readonly bool _legacy, _legacyUnderflow, _retryOverflow;
    // Cached nodes are remembered by pfn_lo (node identity); ulong.MaxValue is the anchor, and in legacy mode
    // NoNode means "NULL".
    private const ulong NoNode = ulong.MaxValue - 1;
    private ulong _cachedNode, _cached32Node;

    /// <summary>init_iova_domain(granule, start_pfn).</summary>
    /// <param name="granule">IOVA granule in bytes (power of two).</param>
    /// <param name="startPfn">Lowest allocatable pfn.</param>
    /// <param name="version">Kernel version whose allocator to reproduce.</param>
    /// <param name="legacyPfn32Bit">Pre-4.15 only: the inclusive 32-bit limit pfn passed to init_iova_domain
    /// (default DMA_BIT_MASK(32) &gt;&gt; shift).</param>
    public IovaDomain(ulong granule, ulong startPfn, KernelVersion? version = null, ulong? legacyPfn32Bit = null)
    {
        if (granule == 0 || !BitOperations.IsPow2(granule)) throw new ArgumentOutOfRangeException(nameof(granule));
        var kv = version ?? KernelVersion.Default;
        Granule = granule;
        Shift = BitOperations.TrailingZeroCount(granule);
        StartPfn = startPfn;
        _legacy = kv.IovaLegacyAllocator;
        _legacyUnderflow = kv.IovaPfnLoZeroUnderflow;
        _retryOverflow = kv.IovaRetryOverflow;
        if (_legacy)
        {
            Dma32BitPfn = legacyPfn32Bit ?? (0xffff_ffffUL >> Shift);
            _cached32Node = NoNode;
            _cachedNode = NoNode;
        }
        else
        {
            Dma32BitPfn = 1UL << (32 - Shift);
            Max32AllocSize = Dma32BitPfn;
            Insert(IovaAnchor, IovaAnchor);
            _cachedNode = _cached32Node = IovaAnchor;
        }
    }

    /// <summary>Granule in bytes.</summary>
    public ulong Granule { get; }

    /// <summary>log2(granule) (iova_shift).</summary>
    public int Shift { get; }

    /// <summary>start_pfn.</summary>
    public ulong StartPfn { get; }

    /// <summary>dma_32bit_pfn (exclusive 1 &lt;&lt; (32 - shift) from 4.15; the inclusive pfn_32bit before).</summary>
    public ulong Dma32BitPfn { get; }

    /// <summary>max32_alloc_size: the smallest size known to fail below 4 GiB (4.15+).</summary>
    public ulong Max32AllocSize { get; private set; }

    /// <summary>Number of nodes (allocated and reserved ranges), not counting the anchor.</summary>
    public int Count => _legacy ? _count : _count - 1;

    /// <summary>The nodes in ascending order, not counting the anchor.</summary>
    public IEnumerable<IovaRange> Ranges()
    {
        for (int i = 0; i < Count; i++) yield return new IovaRange(_lo[P(i)], _hi[P(i)]);
    }

    // ------------------------------------------------------------------ sorted node store

    // Nodes are stored in descending pfn order; logical index i (ascending, as the tree's in-order walk) maps here.
    private int P(int i) => _count - 1 - i;

    private int IndexOf(ulong pfnLo)
    {
        int lo = 0, hi = _count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_lo[P(mid)] == pfnLo) return mid;
            if (_lo[P(mid)] < pfnLo) lo = mid + 1; else hi = mid - 1;
        }
        return ~lo;
    }

    /// <summary>iova_insert_rbtree: ordered by pfn_lo; a duplicate pfn_lo is a WARN and is not inserted.</summary>
    private bool Insert(ulong lo, ulong hi)
    {
        int i = IndexOf(lo);
        if (i >= 0) { Warnings++; return false; }
        i = ~i;
        if (_count == _lo.Length)
        {
            Array.Resize(ref _lo, _count * 2);
            Array.Resize(ref _hi, _count * 2);
        }
        // Physical storage is descending, so the i nodes below the new one move (few, for top-down allocation).
        int p = _count - i;
        Array.Copy(_lo, p, _lo, p + 1, i);
        Array.Copy(_hi, p, _hi, p + 1, i);
        _lo[p] = lo;
        _hi[p] = hi;
        _count++;
        return true;
    }

    private void RemoveAt(int i)
    {
        int p = _count - 1 - i;
        Array.Copy(_lo, p + 1, _lo, p, i);
        Array.Copy(_hi, p + 1, _hi, p, i);
        _count--;
    }

    /// <summary>WARN_ON()s the kernel would print (duplicate insert, nonsensical reserve).</summary>
    public int Warnings { get; private set; }

    // ------------------------------------------------------------------ allocation

    /// <summary>
    /// alloc_iova(): allocates <paramref name="size"/> pages at or below <paramref name="limitPfn"/> (inclusive),
    /// top-down, aligned to roundup_pow_of_two(size) when <paramref name="sizeAligned"/>. False where the kernel
    /// returns NULL.
    /// </summary>
    public bool AllocIova(ulong size, ulong limitPfn, bool sizeAligned, out IovaRange iova)
    {
        iova = default;
        if (size == 0) return false;
        bool ok = _legacy ? AllocLegacy(size, limitPfn, sizeAligned, out iova)
                          : AllocModern(size, limitPfn + 1, sizeAligned, out iova);
        return ok;
    }

    /// <summary>
    /// alloc_iova_fast() without the per-CPU rcaches: sizes below 32 pages are rounded up to a power of two and
    /// allocated size-aligned. Returns the first pfn, or 0 on failure.
    /// </summary>
    public ulong AllocIovaFast(ulong size, ulong limitPfn)
    {
        if (size < 1UL << (IovaRangeCacheMaxSize - 1)) size = BitOperations.RoundUpToPowerOf2(size);
        return AllocIova(size, limitPfn, true, out var r) ? r.PfnLo : 0;
    }

    private bool AllocModern(ulong size, ulong limitPfn, bool sizeAligned, out IovaRange iova)
    {
        iova = default;
        ulong alignMask = ~0UL;
        if (sizeAligned) alignMask <<= 64 - BitOperations.LeadingZeroCount(size - 1); // fls_long(size - 1)
        ulong highPfn = limitPfn, lowPfn = StartPfn;

        if (limitPfn <= Dma32BitPfn && size >= Max32AllocSize) return false;

        int curr = IndexOf(limitPfn <= Dma32BitPfn ? _cached32Node : _cachedNode);
        ulong retryPfn = _hi[P(curr)];
        if (_retryOverflow) retryPfn = unchecked(retryPfn + 1); // 4e89dce72521: pfn_hi + 1 wraps at the anchor
        ulong newPfn;
        int prev;
        bool retried = false;
        while (true)
        {
            do
            {
                highPfn = Math.Min(highPfn, _lo[P(curr)]);
                newPfn = unchecked(highPfn - size) & alignMask;
                prev = curr;
                curr--;
            } while (curr >= 0 && newPfn <= _hi[P(curr)] && newPfn >= lowPfn);

            if (highPfn < size || newPfn < lowPfn)
            {
                // The kernel retries at most once because low_pfn changes; with the CVE-2023-52910 wrap and
                // start_pfn 0 it would not change and the kernel would spin. HwEmu stops after one retry.
                if (lowPfn == StartPfn && retryPfn < limitPfn && !retried)
                {
                    retried = true;
                    highPfn = limitPfn;
                    lowPfn = _retryOverflow ? retryPfn : retryPfn + 1;
                    curr = FindLimit(limitPfn);
                    continue;
                }
                Max32AllocSize = size;
                return false;
            }
            break;
        }
        _ = prev;
        iova = new IovaRange(newPfn, newPfn + size - 1);
        Insert(iova.PfnLo, iova.PfnHi);
        // __cached_rbnode_insert_update
        if (iova.PfnHi < Dma32BitPfn) _cached32Node = iova.PfnLo; else _cachedNode = iova.PfnLo;
        return true;
    }

    /// <summary>
    /// iova_find_limit(): the anchor when the limit is above the 32-bit boundary, else the lowest node whose pfn_hi
    /// reaches <paramref name="limitPfn"/> (what the kernel's tree descent finds for disjoint nodes).
    /// </summary>
    private int FindLimit(ulong limitPfn)
    {
        if (limitPfn > Dma32BitPfn) return _count - 1;
        int lo = 0, hi = _count - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_hi[P(mid)] < limitPfn) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    private static ulong LegacyPad(ulong size, ulong limitPfn)
        => unchecked(limitPfn + 1 - size) & (BitOperations.RoundUpToPowerOf2(size) - 1);

    private bool AllocLegacy(ulong size, ulong limitPfn, bool sizeAligned, out IovaRange iova)
    {
        iova = default;
        ulong savedPfn = limitPfn;
        ulong padSize = 0;
        // __get_cached_rbnode (pre-4.15)
        int curr;
        if (limitPfn > Dma32BitPfn || _cached32Node == NoNode) curr = _count - 1;
        else
        {
            int c = IndexOf(_cached32Node);
            limitPfn = unchecked(_lo[P(c)] - 1);
            curr = c - 1;
        }
        while (curr >= 0)
        {
            ulong lo = _lo[P(curr)], hi = _hi[P(curr)];
            if (limitPfn < lo) { curr--; continue; }
            if (limitPfn >= hi)
            {
                if (sizeAligned) padSize = LegacyPad(size, limitPfn);
                if (unchecked(hi + size + padSize) <= limitPfn) break; // found a free slot
            }
            limitPfn = _legacyUnderflow ? unchecked(lo - 1) : (lo != 0 ? lo - 1 : 0);
            curr--;
        }
        if (curr < 0)
        {
            if (sizeAligned) padSize = LegacyPad(size, limitPfn);
            if (unchecked(StartPfn + size + padSize) > limitPfn) return false;
        }
        ulong pfnLo = unchecked(limitPfn - (size + padSize) + 1);
        iova = new IovaRange(pfnLo, unchecked(pfnLo + size - 1));
        Insert(iova.PfnLo, iova.PfnHi);
        if (savedPfn == Dma32BitPfn) _cached32Node = iova.PfnLo;
        return true;
    }

    // ------------------------------------------------------------------ reserve / find / free

    /// <summary>
    /// reserve_iova(): marks [<paramref name="pfnLo"/>, <paramref name="pfnHi"/>] used, extending overlapping
    /// nodes downwards and inserting the non-overlapping remainder; returns the node that now holds the top of the
    /// range. False (NULL) for pfns above ULLONG_MAX &gt;&gt; shift (a WARN in the kernel).
    /// </summary>
    public bool ReserveIova(ulong pfnLo, ulong pfnHi, out IovaRange node)
    {
        node = default;
        if ((pfnHi | pfnLo) > (ulong.MaxValue >> Shift) && !_legacy)
        {
            Warnings++;
            return false;
        }
        bool overlap = false;
        for (int i = 0; i < _count; i++)
        {
            if (pfnLo <= _hi[P(i)] && pfnHi >= _lo[P(i)])
            {
                // __adjust_overlap_range
                if (pfnLo < _lo[P(i)])
                {
                    // The node grows downwards in place; caches point at the node, so follow its new key.
                    if (_cachedNode == _lo[P(i)]) _cachedNode = pfnLo;
                    if (_cached32Node == _lo[P(i)]) _cached32Node = pfnLo;
                    _lo[P(i)] = pfnLo;
                }
                if (pfnHi > _hi[P(i)]) pfnLo = _hi[P(i)] + 1;
                if (pfnLo >= _lo[P(i)] && pfnHi <= _hi[P(i)])
                {
                    node = new IovaRange(_lo[P(i)], _hi[P(i)]);
                    return true;
                }
                overlap = true;
            }
            else if (overlap) break;
        }
        Insert(pfnLo, pfnHi);
        node = new IovaRange(pfnLo, pfnHi);
        return true;
    }

    /// <summary>find_iova(): the node containing <paramref name="pfn"/>.</summary>
    public bool FindIova(ulong pfn, out IovaRange node)
    {
        int i = FindIndex(pfn);
        node = i >= 0 ? new IovaRange(_lo[P(i)], _hi[P(i)]) : default;
        return i >= 0;
    }

    private int FindIndex(ulong pfn)
    {
        int i = IndexOf(pfn);
        if (i < 0) i = ~i - 1;
        if (i < 0 || pfn > _hi[P(i)] || (!_legacy && i == _count - 1)) return -1;
        return i;
    }

    /// <summary>free_iova(): frees the node containing <paramref name="pfn"/>; false when there is none.</summary>
    public bool FreeIova(ulong pfn)
    {
        int i = FindIndex(pfn);
        if (i < 0) return false;
        if (_legacy) DeleteUpdateLegacy(i); else DeleteUpdate(i);
        RemoveAt(i);
        return true;
    }

    private void DeleteUpdate(int i)
    {
        ulong freeLo = _lo[P(i)], freeHi = _hi[P(i)];
        ulong next = _lo[P(i + 1)]; // the anchor guarantees a successor
        int c32 = IndexOf(_cached32Node);
        if (c32 == i || (freeHi < Dma32BitPfn && freeLo >= _lo[P(c32)])) _cached32Node = next;
        if (freeLo < Dma32BitPfn) Max32AllocSize = Dma32BitPfn;
        int c = IndexOf(_cachedNode);
        if (freeLo >= _lo[P(c)]) _cachedNode = next;
    }

    private void DeleteUpdateLegacy(int i)
    {
        if (_cached32Node == NoNode) return;
        int c = IndexOf(_cached32Node);
        if (_lo[P(i)] >= _lo[P(c)])
        {
            if (i + 1 < _count && _lo[P(i + 1)] < Dma32BitPfn) _cached32Node = _lo[P(i + 1)];
            else _cached32Node = NoNode;
        }
    }
}
