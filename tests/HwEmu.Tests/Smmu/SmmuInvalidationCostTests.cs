using HwEmu.Devices.Smmu;
using NUnit.Framework;

namespace HwEmu.Tests.Smmu;

/// <summary>Invalidations by address touch only the indexed sets, and no invalidation allocates.</summary>
public class SmmuInvalidationCostTests
{
    private static TlbEntry Entry(ulong va, int sizeLog2, int asid = 1, int level = 3) => new()
    {
        VaBase = va, Mask = (1UL << sizeLog2) - 1, SizeLog2 = (byte)sizeLog2, Asid = asid, Level = (byte)level,
        S1Perms = SmmuPermissions.All, S2Perms = SmmuPermissions.All,
    };

    // 2048 entries, 4 ways = 512 sets: 2044 4 KiB pages from 0x1000_0000 and one 2 MiB block at 0x3f80_0000
    // (filed in set 508, which the pages leave with a free way).
    private static Tlb FullTlb()
    {
        var tlb = new Tlb(new CacheGeometry(2048, 4), 1);
        for (ulong p = 0; p < 2044; p++) tlb.Insert(0x1000_0000 + (p << 12), 12, Entry(0x1000_0000 + (p << 12), 12));
        tlb.Insert(0x3f80_3000, 12, Entry(0x3f80_0000, 21, level: 2));
        return tlb;
    }

    private static TlbInvalidation Va(ulong start, ulong end, bool leaf = true) =>
        new() { Stage1 = true, MatchAsid = true, Asid = 1, MatchRange = true, Start = start, End = end, LeafOnly = leaf };

    [Test]
    public void TlbiVaProbesOneSetPerPageSizePresent()
    {
        var tlb = FullTlb();
        Assert.That(tlb.Count, Is.EqualTo(2045));
        Assert.That(tlb.Invalidate(Va(0x1000_5000, 0x1000_5fff)), Is.EqualTo(1));
        Assert.That((tlb.SetsProbed, tlb.Scans, tlb.Count), Is.EqualTo((2L, 0L, 2044)));
        Assert.That(tlb.Lookup(0x1000_5000, 1, 0, 12), Is.EqualTo(-1));
        Assert.That(tlb.Lookup(0x1000_6000, 1, 0, 12), Is.GreaterThanOrEqualTo(0));
        // A 4 KiB invalidation inside the 2 MiB block removes the block (found through its 2 MiB set).
        Assert.That(tlb.Invalidate(Va(0x3f90_0000, 0x3f90_0fff)), Is.EqualTo(1));
        Assert.That((tlb.SetsProbed, tlb.Scans), Is.EqualTo((4L, 0L)));
    }

    [Test]
    public void RangeTlbiProbesEachPageThenFallsBackToAScan()
    {
        var tlb = FullTlb();
        // 32 pages (NUM = 31, SCALE = 0): 32 4 KiB sets + 1 2 MiB set.
        Assert.That(tlb.Invalidate(Va(0x1000_0000, 0x1001_ffff)), Is.EqualTo(32));
        Assert.That((tlb.SetsProbed, tlb.Scans), Is.EqualTo((33L, 0L)));
        // 512 pages = as many sets as the TLB has: one scan instead.
        Assert.That(tlb.Invalidate(Va(0x1002_0000, 0x1021_ffff)), Is.EqualTo(512));
        Assert.That((tlb.SetsProbed, tlb.Scans, tlb.Count), Is.EqualTo((33L, 1L, 2045 - 544)));
        // ASID-wide invalidation scans (and is exact).
        tlb.Invalidate(new TlbInvalidation { Stage1 = true, MatchAsid = true, Asid = 1 });
        Assert.That((tlb.Scans, tlb.Count), Is.EqualTo((2L, 0)));
        // An empty TLB costs nothing.
        tlb.Invalidate(new TlbInvalidation { Stage1 = true, MatchAsid = true, Asid = 1 });
        Assert.That(tlb.Scans, Is.EqualTo(2L));
    }

    [Test]
    public void WalkCacheNonLeafTlbiProbesTheSetsCoveringTheAddress()
    {
        var wc = new WalkCache(new SmmuConfig { WalkCacheLevelMask = 0b0111, WalkCacheS1Entries = [4, 28, 348, 4], WalkCacheWays = 4 });
        for (ulong i = 0; i < 64; i++)
        {
            ulong va = 0x1000_0000 + (i << 21);
            if (i == 0) wc.Insert(1, 0, va, 39, 12, 1, 0, 0x100_0000, 0); // one 512 GiB and one 1 GiB region
            if (i == 0) wc.Insert(1, 1, va, 30, 12, 1, 0, 0x200_0000, 0);
            wc.Insert(1, 2, va, 21, 12, 1, 0, 0x300_0000 + (i << 12), 0);
        }
        Assert.That((wc.CountAt(1, 0), wc.CountAt(1, 1), wc.CountAt(1, 2)), Is.EqualTo((1, 1, 64)));
        Assert.That(wc.Invalidate(Va(0x1020_0000, 0x1020_0fff)), Is.Zero, "Leaf = 1 keeps table walks");
        Assert.That(wc.Invalidate(Va(0x1020_0000, 0x1020_0fff, leaf: false)), Is.EqualTo(3));
        // L1 and L2 probe one set each; L0 (4 entries, 4 ways) is a single set: its scan is that probe.
        Assert.That((wc.SetsProbed, wc.Scans), Is.EqualTo((2L, 1L)));
        Assert.That((wc.CountAt(1, 0), wc.CountAt(1, 1), wc.CountAt(1, 2)), Is.EqualTo((0, 0, 63)));
    }

    [Test]
    public void CfgiProbesTheStreamSetUnlessSubstreamsAreCached()
    {
        var cc = new ConfigCache(new CacheGeometry(64, 4), 1);
        for (uint sid = 0; sid < 32; sid++) cc.Insert(sid, ConfigCache.NoSubstream, default);
        Assert.That(cc.InvalidateStreams(5, 5), Is.EqualTo(1));
        Assert.That(cc.InvalidateSubstream(6, 0), Is.EqualTo(1)); // SubstreamID 0 also drops the no-SubstreamID entry
        Assert.That((cc.Scans, cc.Count), Is.EqualTo((0L, 30)));
        cc.Insert(7, 3, default);
        cc.Insert(7, 4, default);
        Assert.That(cc.InvalidateSubstream(7, 3), Is.EqualTo(1));
        Assert.That(cc.InvalidateStreams(7, 7), Is.EqualTo(2)); // (7, none) and (7, 4): a scan
        Assert.That((cc.Scans, cc.Count), Is.EqualTo((1L, 29)));
        Assert.That(cc.InvalidateStreams(8, 9), Is.EqualTo(2)); // no substream entry left: probing again
        Assert.That(cc.Scans, Is.EqualTo(1L));
    }

    [Test]
    public void InvalidationsDoNotAllocate()
    {
        var tlb = FullTlb();
        var wc = new WalkCache(new SmmuConfig());
        var cc = new ConfigCache(new CacheGeometry(64, 4), 1);
        var va = Va(0x1000_5000, 0x1000_5fff, leaf: false);
        var range = Va(0x1000_0000, 0x1001_ffff, leaf: false);
        var asid = new TlbInvalidation { Stage1 = true, Stage2 = true, MatchAsid = true, Asid = 1 };
        void Round()
        {
            for (ulong p = 0; p < 64; p++) tlb.Insert(0x1000_0000 + (p << 12), 12, Entry(0x1000_0000 + (p << 12), 12));
            wc.Insert(1, 2, 0x1000_5000, 21, 12, 1, 0, 0x300_0000, 0);
            cc.Insert(3, ConfigCache.NoSubstream, default);
            cc.Insert(4, 1, default);
            tlb.Invalidate(va); tlb.Invalidate(range); tlb.Invalidate(asid);
            wc.Invalidate(va); wc.Invalidate(range); wc.Invalidate(asid);
            cc.InvalidateSubstream(4, 1); cc.InvalidateStreams(3, 3); cc.InvalidateStreams(0, 100);
            tlb.InvalidateAll(); wc.InvalidateAll(); cc.InvalidateAll();
        }
        Round();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) Round();
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0));
        Assert.That(tlb.SetsProbed, Is.GreaterThan(0));
    }
}
