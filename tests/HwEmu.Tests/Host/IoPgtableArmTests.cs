using HwEmu.Devices.Host;
using HwEmu.Devices.Host.Iommu;
using HwEmu.Devices.Host.IoPgtable;
using HwEmu.Emulator.Memory;
using NUnit.Framework;

namespace HwEmu.Tests.Host;

public class IoPgtableArmTests
{
    private const ulong SZ_1G = 1UL << 30, SZ_2G = 2UL << 30;
    private const ulong TableBase = 0x4000_0000;

    private static (IoPgtableArm T, PhysicalPageAllocator A) New(IoPgtableFormat fmt, ulong bitmap, int ias, int oas,
        KernelVersion? kv = null)
    {
        var mem = new PhysicalMemory();
        var alloc = new PhysicalPageAllocator(mem, TableBase, 256UL << 20);
        var t = IoPgtableArm.Alloc(fmt, new IoPgtableConfig(bitmap, ias, oas), alloc, kv);
        Assert.That(t, Is.Not.Null);
        return (t!, alloc);
    }

    private static IEnumerable<TestCaseData> SelftestMatrix()
    {
        ulong[] pgsize = [0x1000 | 0x200000 | 0x40000000, 0x4000 | 0x2000000, 0x10000 | 0x20000000];
        int[] sizes = [32, 36, 40, 42, 44, 48];
        foreach (var fmt in new[] { IoPgtableFormat.ArmLpaeS1, IoPgtableFormat.ArmLpaeS2 })
            foreach (var bm in pgsize)
                foreach (int ias in sizes)
                    foreach (int oas in sizes)
                        if (ias <= oas)
                            yield return new TestCaseData(fmt, bm, ias, oas).SetName($"Selftest_{fmt}_0x{bm:x}_ias{ias}_oas{oas}");
    }

    // Linux 6.1 arm_lpae_run_tests, every configuration of arm_lpae_do_selftests (63 per format).
    [TestCaseSource(nameof(SelftestMatrix))]
    public void LinuxSelftest61(IoPgtableFormat fmt, ulong bitmap, int ias, int oas)
    {
        var (t, alloc) = New(fmt, bitmap, ias, oas);
        Assert.That(t.IovaToPhys(42), Is.EqualTo(0UL));
        Assert.That(t.IovaToPhys(SZ_1G + 42), Is.EqualTo(0UL));
        Assert.That(t.IovaToPhys(SZ_2G + 42), Is.EqualTo(0UL));

        ulong iova = 0;
        for (int j = 0; j < 64; j++)
        {
            if ((bitmap & (1UL << j)) == 0) continue;
            ulong size = 1UL << j;
            Assert.That(t.MapPages(iova, iova, size, 1, IommuProt.Read | IommuProt.Write | IommuProt.NoExec | IommuProt.Cache, out ulong m), Is.EqualTo(Errno.None));
            Assert.That(m, Is.EqualTo(size));
            Assert.That(t.MapPages(iova, iova + size, size, 1, IommuProt.Read | IommuProt.NoExec, out m), Is.EqualTo(Errno.EEXIST));
            Assert.That(t.IovaToPhys(iova + 42), Is.EqualTo(iova + 42));
            iova += SZ_1G;
        }

        // Partial unmap splits the block at 1G (pre-6.13), then the hole is remapped read-only.
        ulong small = bitmap & (~bitmap + 1);
        Assert.That(t.UnmapPages(SZ_1G + small, small, 1), Is.EqualTo(small));
        Assert.That(t.MapPages(SZ_1G + small, small, small, 1, IommuProt.Read, out _), Is.EqualTo(Errno.None));
        Assert.That(t.IovaToPhys(SZ_1G + small + 42), Is.EqualTo(small + 42));
        Assert.That(t.IovaToPhys(SZ_1G + 2 * small + 42), Is.EqualTo(SZ_1G + 2 * small + 42), "rest of the split block");

        iova = 0;
        for (int j = 0; j < 64; j++)
        {
            if ((bitmap & (1UL << j)) == 0) continue;
            ulong size = 1UL << j;
            Assert.That(t.UnmapPages(iova, size, 1), Is.EqualTo(size));
            Assert.That(t.IovaToPhys(iova + 42), Is.EqualTo(0UL));
            Assert.That(t.MapPages(iova, iova, size, 1, IommuProt.Write, out _), Is.EqualTo(Errno.None));
            Assert.That(t.IovaToPhys(iova + 42), Is.EqualTo(iova + 42));
            iova += SZ_1G;
        }

        // The last largest page of the input range (corner case of concatenated stage-2 pgds).
        ulong big = 1UL << (63 - System.Numerics.BitOperations.LeadingZeroCount(bitmap));
        ulong last = (1UL << ias) - big;
        Assert.That(t.MapPages(last, last, big, 1, IommuProt.Read | IommuProt.Write, out ulong mapped), Is.EqualTo(Errno.None));
        Assert.That(mapped, Is.EqualTo(big));
        Assert.That(t.IovaToPhys(last + 42), Is.EqualTo(last + 42));
        Assert.That(t.UnmapPages(last, big, 1), Is.EqualTo(big));
        Assert.That(t.IovaToPhys(last + 42), Is.EqualTo(0UL));

        t.Free();
        Assert.That(alloc.BlocksInUse, Is.EqualTo(0), "every table page returned");
    }

    [Test]
    public void PartialBlockUnmapReturnsZeroFrom613AndLeavesBlock()
    {
        var (t, _) = New(IoPgtableFormat.ArmLpaeS1, 0x40201000, 48, 48, new KernelVersion(6, 13));
        Assert.That(t.MapPages(SZ_1G, SZ_1G, 0x200000, 1, IommuProt.Read | IommuProt.Write, out _), Is.EqualTo(Errno.None));
        var before = t.Walk(SZ_1G);
        Assert.That(t.UnmapPages(SZ_1G + 0x1000, 0x1000, 1), Is.EqualTo(0UL));
        Assert.That(t.LastWarning, Is.EqualTo("Unmap of a partial large IOPTE is not allowed"));
        Assert.That(t.Walk(SZ_1G), Is.EqualTo(before));
        Assert.That(t.IovaToPhys(SZ_1G + 0x1042), Is.EqualTo(SZ_1G + 0x1042));
    }

    [Test]
    public void Stage1TablesAndPtesInMemoryMatchCapture()
    {
        // Same PTE encodings as the capture's Linux 6.1 DMA domain (trace smmu_get_pte): a DMA page R|W|CACHE is
        // 0x...f47 and the ITS doorbell page (W|NOEXEC|MMIO) is 0x60000008090e4b.
        var (t, alloc) = New(IoPgtableFormat.ArmLpaeS1, 0x40201000 | 0x10000 | 0x20000000, 48, 48);
        Assert.That(t.PgsizeBitmap, Is.EqualTo(0x40201000UL), "4K granule chosen to match PAGE_SIZE");
        Assert.That(t.StartLevel, Is.EqualTo(0));
        Assert.That(t.Pgd, Is.EqualTo(TableBase));
        Assert.That(t.Tcr, Is.EqualTo(new LpaeTcr(Sh: 3, Irgn: 1, Orgn: 1, Tg: 0, Ps: 5, Tsz: 16, Sl: 0)));
        Assert.That(t.Mair, Is.EqualTo(0xf404ff44UL));

        var mem = alloc.Memory;
        Assert.That(IommuCore.Map(new IoPgtableDomain(t), 0xffffd000, 0x432d9000, 0x1000, IommuProt.Read | IommuProt.Write | IommuProt.Cache), Is.EqualTo(Errno.None));
        Assert.That(mem.Read64(TableBase), Is.EqualTo(0x40001003UL), "L0[0] -> L1 table");
        Assert.That(mem.Read64(0x40001000 + 3 * 8), Is.EqualTo(0x40002003UL), "L1[3] -> L2 table");
        Assert.That(mem.Read64(0x40002000 + 511 * 8), Is.EqualTo(0x40003003UL), "L2[511] -> L3 table");
        Assert.That(mem.Read64(0x40003000 + 509 * 8), Is.EqualTo(0x432d9f47UL));
        Assert.That(IommuCore.Map(new IoPgtableDomain(t), 0xfffff000, 0x8090000, 0x1000, IommuProt.Write | IommuProt.NoExec | IommuProt.Mmio), Is.EqualTo(Errno.None));
        Assert.That(mem.Read64(0x40003000 + 511 * 8), Is.EqualTo(0x60000008090e4bUL));
        Assert.That(t.IovaToPhys(0xfffff040), Is.EqualTo(0x8090040UL));
        Assert.That(alloc.BlocksInUse, Is.EqualTo(4));
    }

    [Test]
    public void Stage1ProtBits()
    {
        var (t, _) = New(IoPgtableFormat.ArmLpaeS1, 0x40201000, 48, 48);
        Assert.That(t.ProtToPte(IommuProt.Read), Is.EqualTo(0x800UL | 0x80 | 0x40 | 0x200 | 0x400), "RO: AP[2] set");
        Assert.That(t.ProtToPte(IommuProt.Read | IommuProt.Write | IommuProt.Priv), Is.EqualTo(0x800UL | 0x200 | 0x400), "PRIV clears AP[1]");
        Assert.That(t.ProtToPte(IommuProt.Write | IommuProt.Cache | IommuProt.NoExec), Is.EqualTo(0x0060000000000f44UL));
    }

    [Test]
    public void Stage2ProtBitsAndConcatenatedPgd()
    {
        var (t, _) = New(IoPgtableFormat.ArmLpaeS2, 0x40201000, 40, 48);
        // 4K, IAS 40: 4 levels with a 2-entry level-0 table -> concatenated into 2 level-1 pages (pgd 8 KiB).
        Assert.That(t.StartLevel, Is.EqualTo(1));
        Assert.That(t.PgdSize, Is.EqualTo(0x2000UL));
        Assert.That(t.Pgd % 0x2000, Is.EqualTo(0UL));
        Assert.That(t.Tcr, Is.EqualTo(new LpaeTcr(3, 1, 1, 0, 5, 24, ~2 & 3)));
        Assert.That(t.ProtToPte(IommuProt.Read | IommuProt.Write | IommuProt.Cache), Is.EqualTo(0xc0UL | 0x3c | 0x300 | 0x400));
        Assert.That(t.ProtToPte(IommuProt.Write | IommuProt.Mmio | IommuProt.NoExec), Is.EqualTo((3UL << 53) | 0x80 | 0x4 | 0x200 | 0x400));
        Assert.That(t.ProtToPte(IommuProt.Read), Is.EqualTo(0x40UL | 0x14 | 0x200 | 0x400), "non-cacheable MemAttr");
        // A 1G block in the second concatenated page.
        Assert.That(t.MapPages(0x80_0000_0000, 0x1_0000_0000, SZ_1G, 1, IommuProt.Read, out _), Is.EqualTo(Errno.None));
        var w = t.Walk(0x80_0000_0000 + 5);
        Assert.That(w.Level, Is.EqualTo(1));
        Assert.That(w.PtePa, Is.EqualTo(t.Pgd + 512 * 8));
        Assert.That(w.Pte, Is.EqualTo(0x1_0000_0000UL | 0x40 | 0x14 | 0x200 | 0x400 | 1));
    }

    [Test]
    public void MapErrors()
    {
        var (t, _) = New(IoPgtableFormat.ArmLpaeS1, 0x40201000, 48, 40);
        Assert.That(t.MapPages(0, 0, 0x3000, 1, IommuProt.Read, out _), Is.EqualTo(Errno.EINVAL), "size not in pgsize_bitmap");
        Assert.That(t.MapPages(1UL << 48, 0, 0x1000, 1, IommuProt.Read, out _), Is.EqualTo(Errno.ERANGE), "iova beyond IAS");
        Assert.That(t.MapPages(0, 1UL << 40, 0x1000, 1, IommuProt.Read, out _), Is.EqualTo(Errno.ERANGE), "paddr beyond OAS");
        Assert.That(t.MapPages(0, 0, 0x1000, 1, IommuProt.None, out ulong m), Is.EqualTo(Errno.None), "6.1: no access maps nothing");
        Assert.That(m, Is.EqualTo(0UL));
        Assert.That(t.IovaToPhys(0), Is.EqualTo(0UL));
        var d = new IoPgtableDomain(t);
        Assert.That(IommuCore.Map(d, 0x800, 0, 0x1000, IommuProt.Read), Is.EqualTo(Errno.EINVAL), "unaligned iova");
        Assert.That(IommuCore.Map(d, 0, 0x10, 0x1000, IommuProt.Read), Is.EqualTo(Errno.EINVAL), "unaligned paddr");
        Assert.That(IommuCore.Map(d, 0, 0, 0x1800, IommuProt.Read), Is.EqualTo(Errno.EINVAL), "unaligned size");
        // A page under an existing 2M block: -EEXIST, and iommu_map unrolls the page it mapped before.
        Assert.That(IommuCore.Map(d, 0x20_0000, 0x20_0000, 0x20_0000, IommuProt.Read), Is.EqualTo(Errno.None));
        Assert.That(IommuCore.Map(d, 0x1f_f000, 0x1f_f000, 0x2000, IommuProt.Read), Is.EqualTo(Errno.EEXIST));
        Assert.That(t.IovaToPhys(0x1f_f000), Is.EqualTo(0UL), "unrolled");
        Assert.That(t.IovaToPhys(0x20_0000), Is.EqualTo(0x20_0000UL), "block kept");
    }

    [Test]
    public void BlockMapOverTableReplacesTableLikeLinux61()
    {
        // arm_lpae_init_pte: a block over a table entry unmaps and frees the table (and whatever it mapped).
        var (t, alloc) = New(IoPgtableFormat.ArmLpaeS1, 0x40201000, 48, 48);
        var d = new IoPgtableDomain(t);
        Assert.That(IommuCore.Map(d, 0x1000, 0x9000_1000, 0x1000, IommuProt.Read), Is.EqualTo(Errno.None));
        Assert.That(alloc.BlocksInUse, Is.EqualTo(4));
        Assert.That(IommuCore.Map(d, 0, 0x8000_0000, 0x20_0000, IommuProt.Read), Is.EqualTo(Errno.None));
        Assert.That(t.IovaToPhys(0x1000), Is.EqualTo(0x8000_1000UL));
        Assert.That(alloc.BlocksInUse, Is.EqualTo(3), "level-3 table freed");
    }

    [Test]
    public void IommuMapUsesBlocksWhenAligned()
    {
        var (t, _) = New(IoPgtableFormat.ArmLpaeS1, 0x40201000, 48, 48);
        var d = new IoPgtableDomain(t);
        // 0x1ff000..0x601000: 1 page, 2 x 2M blocks, 1 page.
        Assert.That(IommuCore.Map(d, 0x1ff000, 0x8001ff000, 0x402000, IommuProt.Read | IommuProt.Write), Is.EqualTo(Errno.None));
        Assert.That(t.Walk(0x1ff000).Level, Is.EqualTo(3));
        Assert.That(t.Walk(0x200000).Level, Is.EqualTo(2));
        Assert.That(t.Walk(0x400000).Level, Is.EqualTo(2));
        Assert.That(t.Walk(0x600000).Level, Is.EqualTo(3));
        Assert.That(t.IovaToPhys(0x5ff123), Is.EqualTo(0x8005ff123UL));
        Assert.That(IommuCore.Unmap(d, 0x1ff000, 0x402000), Is.EqualTo(0x402000UL));
        Assert.That(IommuCore.Unmap(d, 0x1ff000, 0x1000), Is.EqualTo(0UL), "hole");
        // Misaligned iova vs paddr offset: pages only.
        Assert.That(IommuCore.Map(d, 0x200000, 0x201000, 0x200000, IommuProt.Read), Is.EqualTo(Errno.None));
        Assert.That(t.Walk(0x200000).Level, Is.EqualTo(3));
    }

    [Test]
    public void RestrictPgsizesPicksGranuleLikeLinux()
    {
        Assert.That(IoPgtableArm.RestrictPgsizes(new(0x4000 | 0x10000 | 0x2000000 | 0x20000000, 48, 48)).PgsizeBitmap, Is.EqualTo(0x2004000UL), "no 4K: smallest larger granule");
        Assert.That(IoPgtableArm.RestrictPgsizes(new(0x10000 | 0x20000000 | (1UL << 42), 52, 52)), Is.EqualTo(new IoPgtableConfig(0x10000 | 0x20000000 | (1UL << 42), 52, 52)));
        Assert.That(IoPgtableArm.RestrictPgsizes(new(0x10000 | 0x20000000 | (1UL << 42), 48, 48)).PgsizeBitmap, Is.EqualTo(0x20010000UL), "4TB only with OAS > 48");
        Assert.That(IoPgtableArm.RestrictPgsizes(new(0x40201000, 52, 52)), Is.EqualTo(new IoPgtableConfig(0x40201000, 48, 48)));
        Assert.That(IoPgtableArm.RestrictPgsizes(new(0x10000 | 0x1000, 48, 48), 65536).PgsizeBitmap, Is.EqualTo(0x10000UL), "64K host pages");
    }

    [Test]
    public void OddConfigurationsNeverThrow()
    {
        var mem = new PhysicalMemory();
        ulong[] bitmaps = [0, 0x1000, 0x4000, 0x10000, 0x40201000, 0x20010000, ulong.MaxValue, 0x800];
        int made = 0;
        foreach (var fmt in new[] { IoPgtableFormat.ArmLpaeS1, IoPgtableFormat.ArmLpaeS2 })
            foreach (var bm in bitmaps)
                for (int ias = -1; ias <= 66; ias += 3)
                    for (int oas = -1; oas <= 66; oas += 5)
                    {
                        var alloc = new PhysicalPageAllocator(mem, 0x4000_0000, 1UL << 20);
                        var t = IoPgtableArm.Alloc(fmt, new IoPgtableConfig(bm, ias, oas), alloc);
                        if (t is null) continue;
                        made++;
                        ulong pg = t.PgsizeBitmap & (~t.PgsizeBitmap + 1);
                        t.MapPages(0x1234_5000, 0x5000_0000, pg, 3, IommuProt.Read, out _);
                        t.IovaToPhys(0x1234_5042);
                        t.UnmapPages(0x1234_5000, pg, 3);
                        t.Free();
                    }
        Assert.That(made, Is.GreaterThan(100));
    }
}
