namespace HwEmu.Devices.Smmu;

/// <summary>
/// Per-stage, per-level caches of table descriptors (gem5 WalkCache; entries per level from walk_S1L0..L3 /
/// walk_S2L0..L3). An entry at level L holds the (physical) address of the level L+1 table for one region of the
/// input space, plus the hierarchical attributes accumulated down to it, so a hit skips the fetches of levels
/// up to L. Only levels in <see cref="SmmuConfig.WalkCacheLevelMask"/> are cached.
/// </summary>
public sealed class WalkCache
{
    private struct Entry
    {
        public ulong RegionBase;
        public ulong RegionMask;
        public ulong NextTable;
        public int Asid;
        public int Vmid;
        public byte Attrs;
        public byte GranuleShift;
        public bool Valid;
    }

    private sealed class Level
    {
        public readonly Entry[] Entries;
        public readonly int Ways, Sets;
        public readonly ReplacementState Repl;
        public long Hits, Misses;
        public int Live;        // valid entries
        public ulong Shifts;    // bit n: entries of 2^n-byte regions have been inserted (the sets they index)
        public bool Irregular;  // a region too wide to index by: address invalidations scan this level

        public Level(int entries, int ways, CacheReplacement policy, ulong seed)
        {
            var g = new CacheGeometry(entries, ways, policy);
            Ways = g.EffectiveWays;
            Sets = g.Sets;
            Entries = new Entry[Sets * Ways];
            Repl = new ReplacementState(policy, Math.Max(Sets, 1), Math.Max(Ways, 1), seed);
        }
    }

    private readonly Level[] _levels = new Level[8]; // stage 1 L0..L3, stage 2 L0..L3
    private readonly int _levelMask;

    /// <summary>Creates the walk caches described by <paramref name="config"/>.</summary>
    public WalkCache(SmmuConfig config)
    {
        _levelMask = config.WalkCacheLevelMask & 0b0111; // level 3 never holds table descriptors
        for (int i = 0; i < 8; i++)
        {
            int[] sizes = i < 4 ? config.WalkCacheS1Entries : config.WalkCacheS2Entries;
            int n = (i & 3) < sizes.Length ? Math.Max(0, sizes[i & 3]) : 0;
            if ((_levelMask & (1 << (i & 3))) == 0) n = 0;
            _levels[i] = new Level(n, config.WalkCacheWays, config.WalkCachePolicy, config.Seed + (ulong)i * 7919);
        }
    }

    /// <summary>True when table descriptors of <paramref name="level"/> of stage <paramref name="stage"/> are cached.</summary>
    public bool Caches(int stage, int level) => (uint)level < 4 && _levels[(stage - 1) * 4 + level].Sets > 0;

    /// <summary>Hits at a stage and level.</summary>
    public long HitsAt(int stage, int level) => _levels[(stage - 1) * 4 + level].Hits;

    /// <summary>Misses at a stage and level.</summary>
    public long MissesAt(int stage, int level) => _levels[(stage - 1) * 4 + level].Misses;

    /// <summary>Valid entries at a stage and level (diagnostics).</summary>
    public int CountAt(int stage, int level)
    {
        int n = 0;
        foreach (var e in _levels[(stage - 1) * 4 + level].Entries) if (e.Valid) n++;
        return n;
    }

    /// <summary>Number of entry slots at a stage and level (diagnostics).</summary>
    public int CapacityAt(int stage, int level) => _levels[(stage - 1) * 4 + level].Entries.Length;

    /// <summary>
    /// Tag of the valid entry in slot <paramref name="index"/> at a stage and level, or false when the slot is
    /// empty (diagnostics and differential tests).
    /// </summary>
    public bool TryGetTag(int stage, int level, int index, out ulong regionBase, out ulong regionMask, out int asid, out int vmid)
    {
        ref readonly var e = ref _levels[(stage - 1) * 4 + level].Entries[index];
        regionBase = e.RegionBase; regionMask = e.RegionMask; asid = e.Asid; vmid = e.Vmid;
        return e.Valid;
    }

    /// <summary>Looks up the level-<paramref name="level"/> descriptor covering <paramref name="va"/>.</summary>
    /// <param name="stage">1 or 2.</param>
    /// <param name="level">Level of the cached table descriptor.</param>
    /// <param name="va">Input address (normalised).</param>
    /// <param name="regionShift">log2 of the region a level-<paramref name="level"/> descriptor covers.</param>
    /// <param name="granuleShift">Granule of the table.</param>
    /// <param name="asid">ASID (-1 for stage 2).</param>
    /// <param name="vmid">VMID.</param>
    /// <param name="nextTable">Physical address of the next-level table.</param>
    /// <param name="attrs">Hierarchical attributes accumulated so far.</param>
    public bool Lookup(int stage, int level, ulong va, int regionShift, int granuleShift, int asid, int vmid, out ulong nextTable, out byte attrs)
    {
        var l = _levels[(stage - 1) * 4 + level];
        nextTable = 0; attrs = 0;
        if (l.Sets == 0) return false;
        int baseIdx = (int)((va >> regionShift) % (ulong)l.Sets) * l.Ways;
        for (int w = 0; w < l.Ways; w++)
        {
            ref var e = ref l.Entries[baseIdx + w];
            if (e.Valid && ((va ^ e.RegionBase) & ~e.RegionMask) == 0 && e.Asid == asid && e.Vmid == vmid && e.GranuleShift == granuleShift)
            {
                nextTable = e.NextTable;
                attrs = e.Attrs;
                l.Hits++;
                l.Repl.Touch(baseIdx + w);
                return true;
            }
        }
        l.Misses++;
        return false;
    }

    /// <summary>Caches a table descriptor (see <see cref="Lookup"/> for the parameters).</summary>
    public void Insert(int stage, int level, ulong va, int regionShift, int granuleShift, int asid, int vmid, ulong nextTable, byte attrs)
    {
        var l = _levels[(stage - 1) * 4 + level];
        if (l.Sets == 0) return;
        int set = (int)((va >> regionShift) % (ulong)l.Sets), baseIdx = set * l.Ways, free = -1;
        for (int w = 0; w < l.Ways; w++)
            if (!l.Entries[baseIdx + w].Valid) { free = w; break; }
        int idx = baseIdx + l.Repl.Victim(set, free);
        ulong mask = regionShift >= 64 ? ulong.MaxValue : (1UL << regionShift) - 1;
        if ((uint)regionShift >= 64) l.Irregular = true;
        else l.Shifts |= 1UL << regionShift;
        if (!l.Entries[idx].Valid) l.Live++;
        l.Entries[idx] = new Entry
        {
            RegionBase = va & ~mask, RegionMask = mask, NextTable = nextTable, Asid = asid, Vmid = vmid,
            Attrs = attrs, GranuleShift = (byte)granuleShift, Valid = true,
        };
        l.Repl.Touch(idx);
    }

    /// <summary>Sets probed by address invalidations (diagnostics).</summary>
    public long SetsProbed { get; private set; }
    /// <summary>Level caches scanned entry by entry by invalidations (diagnostics).</summary>
    public long Scans { get; private set; }

    /// <summary>
    /// Invalidates the entries in scope (ignores <see cref="TlbInvalidation.Level"/>: all levels are tables). An
    /// address scope probes the set of each region of the range at each region size present in a level; a level is
    /// scanned only when that would touch at least as many sets as it has.
    /// </summary>
    public int Invalidate(in TlbInvalidation scope)
    {
        if (scope.LeafOnly) return 0; // IHI 0070 §4.4: Leaf = 1 need not (and here does not) drop table walks
        int n = 0;
        for (int i = 0; i < 8; i++)
        {
            bool s2 = i >= 4;
            if (s2 ? !scope.Stage2 : !scope.Stage1) continue;
            var l = _levels[i];
            if (l.Live == 0) continue;
            int removed = 0;
            var entries = l.Entries;
            if (scope.MatchRange && !l.Irregular && scope.Start <= scope.End && ProbeCount(l, scope.Start, scope.End) < (ulong)l.Sets)
            {
                ulong shifts = l.Shifts;
                while (shifts != 0)
                {
                    int shift = System.Numerics.BitOperations.TrailingZeroCount(shifts);
                    shifts &= shifts - 1;
                    ulong last = scope.End >> shift;
                    for (ulong region = scope.Start >> shift; ; region++)
                    {
                        int b = (int)(region % (ulong)l.Sets) * l.Ways, end = b + l.Ways;
                        for (; b < end; b++)
                        {
                            ref var e = ref entries[b];
                            if (e.Valid && Matches(e, scope)) { e.Valid = false; removed++; }
                        }
                        SetsProbed++;
                        if (region == last) break;
                    }
                }
            }
            else
            {
                removed = Scan(entries, scope);
            }
            l.Live -= removed;
            n += removed;
        }
        return n;
    }

    // One level, entry by entry (scope fields hoisted into locals for the loop).
    private int Scan(Entry[] entries, in TlbInvalidation scope)
    {
        Scans++;
        bool matchVmid = scope.MatchVmid, matchAsid = scope.MatchAsid, matchRange = scope.MatchRange;
        int vmid = scope.Vmid, asid = scope.Asid, n = 0;
        ulong start = scope.Start, end = scope.End;
        for (int i = 0; i < entries.Length; i++)
        {
            ref var e = ref entries[i];
            if (!e.Valid || matchVmid && e.Vmid != vmid || matchAsid && e.Asid != asid
                || matchRange && (e.RegionBase > end || e.RegionBase + e.RegionMask < start)) continue;
            e.Valid = false;
            n++;
        }
        return n;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static bool Matches(in Entry e, in TlbInvalidation scope) =>
        (!scope.MatchVmid || e.Vmid == scope.Vmid) && (!scope.MatchAsid || e.Asid == scope.Asid)
        && (!scope.MatchRange || e.RegionBase <= scope.End && e.RegionBase + e.RegionMask >= scope.Start);

    // Sets an address invalidation of [start, end] probes in one level (saturating).
    private static ulong ProbeCount(Level l, ulong start, ulong end)
    {
        ulong total = 0, shifts = l.Shifts;
        while (shifts != 0)
        {
            int shift = System.Numerics.BitOperations.TrailingZeroCount(shifts);
            shifts &= shifts - 1;
            ulong regions = (end >> shift) - (start >> shift) + 1;
            if (regions == 0 || regions >= (ulong)l.Sets) return ulong.MaxValue;
            total += regions;
        }
        return total;
    }

    /// <summary>Invalidates everything.</summary>
    public void InvalidateAll()
    {
        foreach (var l in _levels)
        {
            if (l.Live != 0) foreach (ref var e in l.Entries.AsSpan()) e.Valid = false;
            l.Live = 0;
            l.Shifts = 0;
            l.Irregular = false;
        }
    }
}
