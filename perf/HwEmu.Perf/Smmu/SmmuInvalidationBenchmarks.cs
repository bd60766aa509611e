using BenchmarkDotNet.Attributes;
using HwEmu.Devices.Smmu;

namespace HwEmu.Perf.Smmu;

/// <summary>
/// Cost of one TLBI on full SMMU caches (gem5 default geometry: TLB 2048 entries / 4 ways, walk caches
/// 4/28/348/4): the TLB and walk-cache work of TLBI_NH_VA (one page, Leaf = 0), a 32-page range TLBI and TLBI_NH_ASID.
/// The commands name an ASID with no entries, so the caches stay full and every operation does the same work.
/// </summary>
[MemoryDiagnoser]
public class SmmuInvalidationBenchmarks
{
    private const int Ops = 256;
    private Tlb _tlb = null!;
    private WalkCache _walk = null!;

    /// <summary>Fills the TLB with 4 KiB pages and 2 MiB blocks of ASID 1 and the walk caches with their tables.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _tlb = new Tlb(new CacheGeometry(2048, 4), 1);
        _walk = new WalkCache(new SmmuConfig { WalkCacheLevelMask = 0b0111 });
        for (ulong p = 0; p < 2048; p++)
        {
            ulong va = p < 1900 ? 0x1000_0000 + (p << 12) : 0x8000_0000 + (p << 21);
            int size = p < 1900 ? 12 : 21;
            _tlb.Insert(va, 12, new TlbEntry { VaBase = va, Mask = (1UL << size) - 1, SizeLog2 = (byte)size, Asid = 1, Level = (byte)(size == 12 ? 3 : 2) });
            _walk.Insert(1, 2, va, 21, 12, 1, 0, 0x4000_0000 + (p << 12), 0);
            _walk.Insert(1, 1, va, 30, 12, 1, 0, 0x5000_0000 + (p << 12), 0);
            _walk.Insert(1, 0, va, 39, 12, 1, 0, 0x6000_0000, 0);
        }
    }

    private static TlbInvalidation Scope(ulong start, ulong end) =>
        new() { Stage1 = true, MatchAsid = true, Asid = 2, MatchRange = true, Start = start, End = end };

    /// <summary>TLBI_NH_VA of one 4 KiB page, Leaf = 0 (TLB + walk caches).</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    public int TlbiVa()
    {
        int n = 0;
        for (int i = 0; i < Ops; i++)
        {
            var s = Scope(0x1000_0000 + ((ulong)i << 12), 0x1000_0fff + ((ulong)i << 12));
            n += _tlb.Invalidate(s) + _walk.Invalidate(s);
        }
        return n;
    }

    /// <summary>Range TLBI of 32 pages (TG = 4K, NUM = 31, SCALE = 0), Leaf = 0.</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    public int TlbiRange32()
    {
        int n = 0;
        for (int i = 0; i < Ops; i++)
        {
            var s = Scope(0x1000_0000 + ((ulong)i << 17), 0x1001_ffff + ((ulong)i << 17));
            n += _tlb.Invalidate(s) + _walk.Invalidate(s);
        }
        return n;
    }

    /// <summary>TLBI_NH_ASID (TLB + walk caches).</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    public int TlbiAsid()
    {
        int n = 0;
        var s = new TlbInvalidation { Stage1 = true, MatchAsid = true, Asid = 2 };
        for (int i = 0; i < Ops; i++) n += _tlb.Invalidate(s) + _walk.Invalidate(s);
        return n;
    }
}
