using HwEmu.Devices.Smmu;
using NUnit.Framework;

namespace HwEmu.Tests.Smmu;

/// <summary>
/// The set-probing invalidations of the TLB, walk cache and config cache against the full-scan rule they replace:
/// before every invalidation the expected survivors are computed by testing every slot with the architected
/// predicate (what the old code did); afterwards every slot and the returned count must agree.
/// </summary>
public class SmmuInvalidationDifferentialTests
{
    private static readonly int[] Sizes = [12, 14, 16, 21, 25, 29, 30, 42];

    private static TlbInvalidation RandomScope(Random r, int asids, int vmids)
    {
        var s = new TlbInvalidation
        {
            Stage1 = r.Next(4) != 0, Stage2 = r.Next(3) == 0,
            MatchVmid = r.Next(3) != 0, Vmid = r.Next(vmids),
            MatchAsid = r.Next(2) == 0, Asid = r.Next(asids),
            MatchRange = r.Next(5) != 0, LeafOnly = r.Next(3) == 0, Level = r.Next(3) == 0 ? r.Next(4) : 0,
        };
        ulong start = RandomVa(r);
        s.Start = start;
        s.End = r.Next(10) switch
        {
            < 5 => start | 0xfff,                                              // one page (TLBI_*_VA)
            < 8 => start + ((ulong)r.Next(1, 32) << Sizes[r.Next(3)]) - 1,      // a short range (NUM/SCALE)
            8 => start + ((ulong)r.Next(1, 4) << r.Next(20, 40)) - 1,          // a huge range: falls back to scans
            _ => r.Next(8) == 0 ? start - 1 : ulong.MaxValue,                   // inverted / open-ended
        };
        if (s.End < start && r.Next(2) == 0) s.End = ulong.MaxValue;
        return s;
    }

    // Addresses clustered in a few GiB so that ranges hit entries often; some far up in the space.
    private static ulong RandomVa(Random r) =>
        (r.Next(8) == 0 ? (ulong)r.Next(0x10000) << 32 : 0) | (ulong)r.NextInt64(0, 1L << 32) & ~0xfffUL;

    private static bool OldTlbMatch(in TlbEntry e, in TlbInvalidation s) =>
        (e.Asid < 0 ? s.Stage2 : s.Stage1) && (!s.MatchVmid || e.Vmid == s.Vmid) && (!s.MatchAsid || e.Asid == s.Asid)
        && (!s.MatchRange || !(e.VaBase > s.End || e.VaBase + e.Mask < s.Start)) && (s.Level == 0 || e.Level == s.Level);

    [TestCase(2048, 4, CacheReplacement.RoundRobin, 1)]
    [TestCase(16, 4, CacheReplacement.Lru, 2)]
    [TestCase(24, 4, CacheReplacement.Random, 3)] // 6 sets: not a power of two
    [TestCase(8, 0, CacheReplacement.RoundRobin, 4)] // fully associative
    [TestCase(256, 2, CacheReplacement.Lru, 5)]
    public void TlbInvalidateMatchesFullScan(int entries, int ways, CacheReplacement policy, int seed)
    {
        var r = new Random(seed);
        var tlb = new Tlb(new CacheGeometry(entries, ways, policy), (ulong)seed);
        var expected = new bool[tlb.Capacity];
        int ops = 0, invalidations = 0, removed = 0;
        for (; ops < 40_000; ops++)
        {
            int k = r.Next(100);
            if (k < 60)
            {
                int size = Sizes[r.Next(r.Next(4) == 0 ? Sizes.Length : 3)];
                ulong va = RandomVa(r) & ~((1UL << size) - 1);
                ulong probe = va + ((ulong)r.NextInt64(0, 1L << Math.Min(size, 62)) & ~0xfffUL);
                var e = new TlbEntry
                {
                    VaBase = va, Mask = (1UL << size) - 1, SizeLog2 = (byte)size, Level = (byte)r.Next(1, 4),
                    Asid = r.Next(6) == 0 ? -1 : r.Next(4), Vmid = r.Next(3),
                };
                if (r.Next(500) == 0) e.SizeLog2 = 0; // filed by the granule although wider: forces scans
                tlb.Insert(probe, 12, e);
            }
            else if (k < 61 && ops % 7 == 0)
            {
                // Fault injection (Tlb.Overwrite): a flipped output bit keeps the entry findable by set; a moved
                // input address must still be caught by later invalidations (they fall back to scanning).
                int i = r.Next(tlb.Capacity);
                var e = tlb[i];
                e.PaBase ^= 1UL << r.Next(12, 40);
                if (r.Next(20) == 0) e.VaBase ^= 1UL << r.Next(12, 32);
                tlb.Overwrite(i, e);
            }
            else if (k < 62)
            {
                tlb.InvalidateAll();
                for (int i = 0; i < tlb.Capacity; i++) Assert.That(tlb[i].Valid, Is.False);
            }
            else
            {
                var s = RandomScope(r, 4, 3);
                int want = 0;
                for (int i = 0; i < tlb.Capacity; i++)
                {
                    bool hit = tlb[i].Valid && OldTlbMatch(tlb[i], s);
                    expected[i] = tlb[i].Valid && !hit;
                    if (hit) want++;
                }
                int got = tlb.Invalidate(s);
                Assert.That(got, Is.EqualTo(want), $"op {ops}: count");
                for (int i = 0; i < tlb.Capacity; i++)
                    if (tlb[i].Valid != expected[i]) Assert.Fail($"op {ops}: slot {i} valid={tlb[i].Valid}, expected {expected[i]}");
                invalidations++;
                removed += got;
            }
            if ((ops & 1023) == 0) // lookups still find what survives (the sizes bookkeeping is intact)
                for (int i = 0; i < tlb.Capacity; i++)
                    if (tlb[i].Valid && tlb[i].SizeLog2 != 0)
                    {
                        var e = tlb[i];
                        Assert.That(tlb.Lookup(e.VaBase, e.Asid, e.Vmid, 12), Is.GreaterThanOrEqualTo(0), $"op {ops}: lookup");
                    }
        }
        Assert.That((invalidations, removed), Is.Not.EqualTo((0, 0)));
        Assert.That(removed, Is.GreaterThan(invalidations / 20), "the random scopes must actually remove entries");
        if (entries >= 256) Assert.That(tlb.SetsProbed, Is.GreaterThan(0));
    }

    [TestCase(1, CacheReplacement.RoundRobin)]
    [TestCase(2, CacheReplacement.Lru)]
    [TestCase(3, CacheReplacement.Random)]
    public void WalkCacheInvalidateMatchesFullScan(int seed, CacheReplacement policy)
    {
        var r = new Random(seed);
        var wc = new WalkCache(new SmmuConfig
        {
            WalkCacheLevelMask = 0b0111, WalkCacheS1Entries = [4, 28, 348, 4], WalkCacheS2Entries = [4, 12, 20, 4],
            WalkCacheWays = seed == 2 ? 2 : 4, WalkCachePolicy = policy, Seed = (ulong)seed,
        });
        var expected = new bool[8][];
        for (int i = 0; i < 8; i++) expected[i] = new bool[wc.CapacityAt(i / 4 + 1, i & 3)];
        int removed = 0;
        for (int op = 0; op < 25_000; op++)
        {
            int k = r.Next(100);
            if (k < 60)
            {
                int stage = r.Next(3) == 0 ? 2 : 1, level = r.Next(3), g = Sizes[r.Next(3)];
                int shift = g + (g - 3) * (3 - level);
                wc.Insert(stage, level, RandomVa(r), shift, g, stage == 2 ? -1 : r.Next(4), r.Next(3), 0x1000, 0);
            }
            else if (k < 61) wc.InvalidateAll();
            else
            {
                var s = RandomScope(r, 4, 3);
                int want = 0;
                for (int i = 0; i < 8; i++)
                    for (int j = 0; j < expected[i].Length; j++)
                    {
                        bool valid = wc.TryGetTag(i / 4 + 1, i & 3, j, out ulong b, out ulong m, out int asid, out int vmid);
                        bool hit = valid && !s.LeafOnly && (i < 4 ? s.Stage1 : s.Stage2) && (!s.MatchVmid || vmid == s.Vmid)
                            && (!s.MatchAsid || asid == s.Asid) && (!s.MatchRange || !(b > s.End || b + m < s.Start));
                        expected[i][j] = valid && !hit;
                        if (hit) want++;
                    }
                int got = wc.Invalidate(s);
                Assert.That(got, Is.EqualTo(want), $"op {op}: count");
                for (int i = 0; i < 8; i++)
                    for (int j = 0; j < expected[i].Length; j++)
                        if (wc.TryGetTag(i / 4 + 1, i & 3, j, out _, out _, out _, out _) != expected[i][j])
                            Assert.Fail($"op {op}: stage {i / 4 + 1} level {i & 3} slot {j}");
                removed += got;
            }
        }
        Assert.That(removed, Is.GreaterThan(1000));
        Assert.That(wc.SetsProbed, Is.GreaterThan(0));
    }

    [TestCase(64, 4, 1)]
    [TestCase(24, 4, 2)]
    [TestCase(8, 0, 3)]
    public void ConfigCacheInvalidateMatchesFullScan(int entries, int ways, int seed)
    {
        var r = new Random(seed);
        var cc = new ConfigCache(new CacheGeometry(entries, ways), (ulong)seed);
        var expected = new bool[cc.Capacity];
        int removed = 0;
        bool substreams = false;
        for (int op = 0; op < 15_000; op++)
        {
            if (op % 3000 == 0) substreams = !substreams; // phases without SubstreamIDs take the probing path
            int k = r.Next(100);
            uint sid = (uint)r.Next(40);
            if (k < 55)
            {
                uint ssid = substreams && r.Next(2) == 0 ? (uint)r.Next(4) : ConfigCache.NoSubstream;
                cc.Insert(sid, ssid, default);
                continue;
            }
            if (k < 57) { cc.InvalidateAll(); continue; }
            bool cd = k < 75;
            uint ssidArg = (uint)r.Next(4), last = r.Next(4) == 0 ? sid + (uint)r.Next(64) : sid;
            if (r.Next(200) == 0) last = uint.MaxValue;
            int want = 0;
            for (int i = 0; i < cc.Capacity; i++)
            {
                bool valid = cc.TryGetKey(i, out uint s, out uint ss);
                bool hit = valid && (cd ? s == sid && (ss == ssidArg || ssidArg == 0 && ss == ConfigCache.NoSubstream) : s >= sid && s <= last);
                expected[i] = valid && !hit;
                if (hit) want++;
            }
            int got = cd ? cc.InvalidateSubstream(sid, ssidArg) : cc.InvalidateStreams(sid, last);
            Assert.That(got, Is.EqualTo(want), $"op {op}: count");
            for (int i = 0; i < cc.Capacity; i++)
                if (cc.TryGetKey(i, out _, out _) != expected[i]) Assert.Fail($"op {op}: slot {i}");
            removed += got;
        }
        Assert.That(removed, Is.GreaterThan(500));
    }
}
