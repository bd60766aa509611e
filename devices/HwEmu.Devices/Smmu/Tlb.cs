using System.Runtime.CompilerServices;

namespace HwEmu.Devices.Smmu;

/// <summary>One TLB entry: a page or block of the final translation, tagged by ASID/VMID.</summary>
public struct TlbEntry
{
    /// <summary>Input address of the first byte (aligned to the size).</summary>
    public ulong VaBase;
    /// <summary>Output address of the first byte.</summary>
    public ulong PaBase;
    /// <summary>Intermediate physical address of the first byte (nested and stage-2 entries; for S2 fault records).</summary>
    public ulong IpaBase;
    /// <summary>Size - 1.</summary>
    public ulong Mask;
    /// <summary>ASID, or -1 for stage-2-only (IPA) entries.</summary>
    public int Asid;
    /// <summary>VMID.</summary>
    public int Vmid;
    /// <summary>Stage-1 permissions (All when stage 1 bypassed).</summary>
    public SmmuPermissions S1Perms;
    /// <summary>Stage-2 permissions (All when stage 2 bypassed).</summary>
    public SmmuPermissions S2Perms;
    /// <summary>Level of the leaf descriptor (of the smaller stage for combined entries).</summary>
    public byte Level;
    /// <summary>log2 of the size.</summary>
    public byte SizeLog2;
    /// <summary>Entry holds a translation.</summary>
    public bool Valid;
}

/// <summary>
/// Set-associative TLB of final translations (gem5 default 2048 entries, 4 ways, round robin). The set is chosen
/// by the input page number at the stream's granule, so a block is held as one entry per granule page touched.
/// Entries are tagged by ASID and VMID; stage-2-only entries use ASID -1 (as QEMU does).
/// </summary>
public sealed class Tlb
{
    private readonly TlbEntry[] _entries;
    // ASID (high half) and VMID (low half) of each slot, valid or not: an ASID/VMID-wide invalidation scans these
    // 8 bytes per slot (cache-resident) and reads an entry only when its tags are in scope.
    private readonly ulong[] _tags;
    private readonly int _ways;
    private readonly int _sets;
    private readonly int _setMask;
    private readonly ReplacementState _repl;
    private readonly bool _lru;
    private long _hits, _misses;
    private ulong _sizes; // bit n: entries have been filed by their 2^n-byte page (the shifts a probe must try)
    private int _live; // valid entries
    // An entry wider than the page it is filed by (or with an unusable shift) cannot be found by probing sets:
    // address invalidations then scan.
    private bool _irregular;

    /// <summary>Creates a TLB with the given geometry.</summary>
    public Tlb(CacheGeometry geometry, ulong seed)
    {
        Geometry = geometry;
        _ways = geometry.EffectiveWays;
        _sets = geometry.Sets;
        _setMask = _sets > 0 && (_sets & (_sets - 1)) == 0 ? _sets - 1 : -1;
        _entries = new TlbEntry[_sets * _ways];
        _tags = new ulong[_entries.Length];
        _repl = new ReplacementState(geometry.Policy, Math.Max(_sets, 1), Math.Max(_ways, 1), seed);
        _lru = geometry.Policy == CacheReplacement.Lru;
    }

    /// <summary>The geometry.</summary>
    public CacheGeometry Geometry { get; }
    /// <summary>Lookups that hit.</summary>
    public long Hits => _hits;
    /// <summary>Lookups that missed.</summary>
    public long Misses => _misses;
    /// <summary>Entries inserted.</summary>
    public long Inserts { get; private set; }
    /// <summary>Entries removed by invalidation.</summary>
    public long Invalidated { get; private set; }
    /// <summary>Sets probed by address invalidations (diagnostics: proves an invalidation did not scan).</summary>
    public long SetsProbed { get; private set; }
    /// <summary>Invalidations that scanned every entry.</summary>
    public long Scans { get; private set; }

    /// <summary>Number of valid entries (diagnostics; scans the array).</summary>
    public int Count
    {
        get { int n = 0; foreach (ref readonly var e in _entries.AsSpan()) if (e.Valid) n++; return n; }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int SetOf(ulong va, int shift)
    {
        ulong page = va >> shift;
        return _setMask >= 0 ? (int)page & _setMask : (int)(page % (ulong)_sets);
    }

    /// <summary>Finds the entry translating <paramref name="va"/>; returns its index or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Lookup(ulong va, int asid, int vmid, int indexShift)
    {
        if (_sets == 0) { _misses++; return -1; }
        int i = Probe(va, asid, vmid, indexShift);
        // An entry is filed in the set its own page/block size selects (so a 2 MiB block is found from any of its
        // 4 KiB pages); probe the other sizes present only when the granule-sized probe misses.
        ulong others = _sizes & ~(1UL << indexShift);
        while (i < 0 && others != 0)
        {
            int shift = System.Numerics.BitOperations.TrailingZeroCount(others);
            others &= others - 1;
            i = Probe(va, asid, vmid, shift);
        }
        if (i < 0) { _misses++; return -1; }
        _hits++;
        if (_lru) _repl.Touch(i);
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Probe(ulong va, int asid, int vmid, int shift)
    {
        int i = SetOf(va, shift) * _ways, end = i + _ways;
        var entries = _entries;
        for (; i < end; i++)
        {
            ref readonly var e = ref entries[i];
            if (((va ^ e.VaBase) & ~e.Mask) == 0 && e.Valid && e.Asid == asid && e.Vmid == vmid) return i;
        }
        return -1;
    }

    /// <summary>The entry at <paramref name="index"/> (as returned by <see cref="Lookup"/>).</summary>
    public ref readonly TlbEntry this[int index] => ref _entries[index];

    /// <summary>Number of entry slots (sets × ways); valid indexes for <see cref="this[int]"/>.</summary>
    public int Capacity => _entries.Length;

    /// <summary>
    /// Replaces the entry at <paramref name="index"/> as is, without touching replacement state or counters. For
    /// fault injection (a corrupted TLB entry); the model itself never calls it.
    /// </summary>
    public void Overwrite(int index, in TlbEntry entry)
    {
        ref var slot = ref _entries[index];
        // An entry that moved (or appeared in a slot its address does not index) can no longer be found by probing
        // sets: address invalidations scan from now on, as the old full-scan rule did.
        if (entry.Valid && (!slot.Valid || slot.VaBase != entry.VaBase || slot.Mask != entry.Mask || slot.SizeLog2 != entry.SizeLog2))
            _irregular = true;
        _live += (entry.Valid ? 1 : 0) - (slot.Valid ? 1 : 0);
        slot = entry;
        _tags[index] = (ulong)(uint)entry.Asid << 32 | (uint)entry.Vmid;
    }

    /// <summary>Inserts a translation for the page containing <paramref name="va"/>.</summary>
    public void Insert(ulong va, int indexShift, in TlbEntry entry)
    {
        if (_sets == 0) return;
        int shift = entry.SizeLog2 is > 0 and < 64 ? entry.SizeLog2 : indexShift;
        if ((uint)shift >= 64) _irregular = true;
        else
        {
            _sizes |= 1UL << shift;
            ulong last = entry.VaBase + entry.Mask;
            if (last < entry.VaBase || (entry.VaBase >> shift) != (va >> shift) || (last >> shift) != (va >> shift))
                _irregular = true;
        }
        int set = SetOf(va, shift), baseIdx = set * _ways, free = -1;
        for (int w = 0; w < _ways; w++)
            if (!_entries[baseIdx + w].Valid) { free = w; break; }
        int idx = baseIdx + _repl.Victim(set, free);
        if (!_entries[idx].Valid) _live++;
        _entries[idx] = entry;
        _entries[idx].Valid = true;
        _tags[idx] = (ulong)(uint)entry.Asid << 32 | (uint)entry.Vmid;
        _repl.Touch(idx);
        Inserts++;
    }

    /// <summary>Invalidates every entry.</summary>
    public void InvalidateAll()
    {
        int n = 0;
        foreach (ref var e in _entries.AsSpan())
            if (e.Valid) { e.Valid = false; n++; }
        Invalidated += n;
        _live = 0;
        _sizes = 0;
        _irregular = false;
    }

    /// <summary>
    /// Invalidates the entries matching <paramref name="scope"/>; returns how many. An address (range) scope probes,
    /// for each page size present, the set of each page of the range — as hardware invalidates by VA in the indexed
    /// set — and scans only when that would touch at least as many sets as the TLB has.
    /// </summary>
    public int Invalidate(in TlbInvalidation scope)
    {
        if (_live == 0) return 0;
        int n = 0;
        if (scope.MatchRange && !_irregular && scope.Start <= scope.End && ProbeCount(scope.Start, scope.End) < (ulong)_sets)
        {
            ulong sizes = _sizes;
            var entries = _entries;
            while (sizes != 0)
            {
                int shift = System.Numerics.BitOperations.TrailingZeroCount(sizes);
                sizes &= sizes - 1;
                ulong last = scope.End >> shift;
                for (ulong page = scope.Start >> shift; ; page++)
                {
                    int i = SetOf(page << shift, shift) * _ways, end = i + _ways;
                    for (; i < end; i++)
                    {
                        ref var e = ref entries[i];
                        if (e.Valid && scope.Matches(e)) { e.Valid = false; n++; }
                    }
                    SetsProbed++;
                    if (page == last) break;
                }
            }
        }
        else
        {
            n = Scan(scope);
        }
        _live -= n;
        Invalidated += n;
        return n;
    }

    // Every slot, filtered on the compact ASID/VMID tags first (scope fields hoisted: this loop runs 2048 times).
    private int Scan(in TlbInvalidation scope)
    {
        Scans++;
        bool s1 = scope.Stage1, s2 = scope.Stage2, matchVmid = scope.MatchVmid, matchAsid = scope.MatchAsid;
        int wantVmid = scope.Vmid, wantAsid = scope.Asid, n = 0;
        var entries = _entries;
        var tags = _tags;
        for (int i = 0; i < tags.Length; i++)
        {
            ulong t = tags[i];
            int asid = (int)(t >> 32), vmid = (int)(uint)t;
            if ((asid < 0 ? !s2 : !s1) || matchVmid && vmid != wantVmid || matchAsid && asid != wantAsid) continue;
            ref var e = ref entries[i];
            if (e.Valid && scope.Matches(e)) { e.Valid = false; n++; }
        }
        return n;
    }

    // Sets an address invalidation of [start, end] probes: one per page of each size present (saturating).
    private ulong ProbeCount(ulong start, ulong end)
    {
        ulong total = 0, sizes = _sizes;
        while (sizes != 0)
        {
            int shift = System.Numerics.BitOperations.TrailingZeroCount(sizes);
            sizes &= sizes - 1;
            ulong pages = (end >> shift) - (start >> shift) + 1;
            if (pages == 0 || pages >= (ulong)_sets) return ulong.MaxValue; // 0: the whole 64-bit space
            total += pages;
        }
        return total;
    }

    /// <summary>Forgets all entries and counters.</summary>
    public void Reset()
    {
        Array.Clear(_entries);
        Array.Clear(_tags);
        _repl.Clear();
        _sizes = 0;
        _live = 0;
        _irregular = false;
        _hits = _misses = 0;
        Inserts = Invalidated = SetsProbed = Scans = 0;
    }
}

/// <summary>Which TLB / walk-cache entries an invalidation command removes.</summary>
public struct TlbInvalidation
{
    /// <summary>Match stage-1 (and combined nested) entries (ASID ≥ 0).</summary>
    public bool Stage1;
    /// <summary>Match stage-2-only entries (ASID = -1).</summary>
    public bool Stage2;
    /// <summary>Only entries with this VMID (when <see cref="MatchVmid"/>).</summary>
    public int Vmid;
    /// <summary>Compare VMIDs.</summary>
    public bool MatchVmid;
    /// <summary>Only entries with this ASID (when <see cref="MatchAsid"/>).</summary>
    public int Asid;
    /// <summary>Compare ASIDs.</summary>
    public bool MatchAsid;
    /// <summary>Only entries overlapping [<see cref="Start"/>, <see cref="End"/>] (inclusive) when <see cref="MatchRange"/>.</summary>
    public bool MatchRange;
    /// <summary>First address of the range.</summary>
    public ulong Start;
    /// <summary>Last address of the range.</summary>
    public ulong End;
    /// <summary>TTL: only leaf entries at this level (0 = any level).</summary>
    public int Level;
    /// <summary>Leaf: walk caches are not invalidated.</summary>
    public bool LeafOnly;

    /// <summary>True when the TLB entry is in scope.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool Matches(in TlbEntry e)
    {
        if (e.Asid < 0 ? !Stage2 : !Stage1) return false;
        if (MatchVmid && e.Vmid != Vmid) return false;
        if (MatchAsid && e.Asid != Asid) return false;
        if (MatchRange && (e.VaBase > End || e.VaBase + e.Mask < Start)) return false;
        if (Level != 0 && e.Level != Level) return false;
        return true;
    }
}
