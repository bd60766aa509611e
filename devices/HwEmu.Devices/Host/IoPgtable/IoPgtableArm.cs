using System.Numerics;
using HwEmu.Emulator.Memory;
using static HwEmu.Devices.Host.IoPgtable.ArmLpaePte;

namespace HwEmu.Devices.Host.IoPgtable;

/// <summary>
/// Linux's io-pgtable-arm (drivers/iommu/io-pgtable-arm.c, ARM_64_LPAE_S1/S2) building and editing VMSAv8-64
/// translation tables as bytes in emulated memory, with table pages taken from a <see cref="PhysicalPageAllocator"/>.
/// Operations follow the kernel: <see cref="MapPages"/> (ops->map_pages), <see cref="UnmapPages"/>
/// (ops->unmap_pages) and <see cref="IovaToPhys"/>; errors are the kernel's (-EINVAL bad page size, -ERANGE iova
/// beyond IAS or paddr beyond OAS, -EEXIST existing leaf, -ENOMEM no table page). Alignment of iova/paddr is the
/// caller's job as in Linux (iommu_map checks it; see <see cref="HwEmu.Devices.Host.Iommu.IommuCore"/>).
/// Partial unmap of a block splits it before 6.13 and returns 0 from 6.13 (<see cref="KernelVersion"/>).
/// </summary>
public sealed class IoPgtableArm
{
    private const int MaxLevels = 4;       // ARM_LPAE_MAX_LEVELS
    private const int MaxAddrBits = 52;    // ARM_LPAE_MAX_ADDR_BITS
    private const int S2MaxConcatPages = 16;

    private readonly PhysicalMemory _mem;
    private readonly PhysicalPageAllocator _alloc;
    private readonly bool _splitOnUnmap;
    private readonly int _pgShift;
    private readonly int _bitsPerLevel;

    private IoPgtableArm(IoPgtableFormat format, IoPgtableConfig cfg, PhysicalPageAllocator alloc, KernelVersion version,
        int pgShift, int bitsPerLevel, int startLevel, int pgdBits)
    {
        Format = format;
        Config = cfg;
        _alloc = alloc;
        _mem = alloc.Memory;
        _splitOnUnmap = version.IoPgtableSplitsBlocksOnUnmap;
        _pgShift = pgShift;
        _bitsPerLevel = bitsPerLevel;
        StartLevel = startLevel;
        PgdBits = pgdBits;
    }

    /// <summary>Table format.</summary>
    public IoPgtableFormat Format { get; }

    /// <summary>The configuration after arm_lpae_restrict_pgsizes (pgsize_bitmap of one granule, clamped IAS/OAS).</summary>
    public IoPgtableConfig Config { get; }

    /// <summary>Translation granule in bytes (4K, 16K or 64K).</summary>
    public ulong Granule => 1UL << _pgShift;

    /// <summary>Page sizes this table maps (cfg->pgsize_bitmap after restriction).</summary>
    public ulong PgsizeBitmap => Config.PgsizeBitmap;

    /// <summary>Level the walk starts at (0-3).</summary>
    public int StartLevel { get; private set; }

    /// <summary>log2 of the number of entries in the top-level table (concatenated at stage 2).</summary>
    public int PgdBits { get; private set; }

    /// <summary>Bytes of the top-level table (ARM_LPAE_PGD_SIZE).</summary>
    public ulong PgdSize => 8UL << PgdBits;

    /// <summary>Physical address of the top-level table (TTBR0 / VTTBR base).</summary>
    public ulong Pgd { get; private set; }

    /// <summary>TCR (stage 1) or VTCR (stage 2) fields.</summary>
    public LpaeTcr Tcr { get; private set; }

    /// <summary>MAIR value for stage 1 (0 at stage 2).</summary>
    public ulong Mair { get; private set; }

    /// <summary>Number of WARN_ON()s the kernel would have printed (bad arguments, unmapping holes...).</summary>
    public int Warnings { get; private set; }

    /// <summary>The last warning text, for diagnostics.</summary>
    public string? LastWarning { get; private set; }

    /// <summary>Table pages currently owned by this table (including the pgd).</summary>
    public int TablePages { get; private set; }

    /// <summary>
    /// alloc_io_pgtable_ops(ARM_64_LPAE_S1/S2): validates and restricts <paramref name="cfg"/> like
    /// arm_lpae_alloc_pgtable and allocates the pgd. Returns null where the kernel returns NULL (no usable
    /// granule, IAS/OAS out of range, unsupported OAS encoding or quirk, no memory).
    /// </summary>
    public static IoPgtableArm? Alloc(IoPgtableFormat format, IoPgtableConfig cfg, PhysicalPageAllocator allocator,
        KernelVersion? version = null)
    {
        var kv = version ?? KernelVersion.Default;
        cfg = RestrictPgsizes(cfg, allocator.PageSize);
        if ((cfg.PgsizeBitmap & (0x1000UL | 0x4000UL | 0x10000UL)) == 0) return null;
        if (cfg.Ias > MaxAddrBits || cfg.Oas > MaxAddrBits) return null;

        int pgShift = BitOperations.TrailingZeroCount(cfg.PgsizeBitmap);
        // Linux does not check this; an IAS that does not exceed the granule gives a meaningless geometry.
        if (cfg.Ias <= pgShift || cfg.Oas <= 0) return null;
        int bpl = pgShift - 3;
        int vaBits = cfg.Ias - pgShift;
        int levels = (vaBits + bpl - 1) / bpl;
        int startLevel = MaxLevels - levels;
        int pgdBits = vaBits - bpl * (levels - 1);
        int ps = cfg.Oas switch { 32 => 0, 36 => 1, 40 => 2, 42 => 3, 44 => 4, 48 => 5, 52 => 6, _ => -1 };
        var t = new IoPgtableArm(format, cfg, allocator, kv, pgShift, bpl, startLevel, pgdBits);
        int sh, irgn, orgn;
        if (format == IoPgtableFormat.ArmLpaeS1)
        {
            if ((cfg.Quirks & ~(IoPgtableQuirks.ArmNs | IoPgtableQuirks.ArmTtbr1 | IoPgtableQuirks.ArmOuterWbwa)) != 0) return null;
            if (cfg.CoherentWalk)
            {
                if ((cfg.Quirks & IoPgtableQuirks.ArmOuterWbwa) != 0) return null;
                (sh, irgn, orgn) = (3, 1, 1);
            }
            else
                (sh, irgn, orgn) = (2, 0, (cfg.Quirks & IoPgtableQuirks.ArmOuterWbwa) != 0 ? 1 : 0);
            bool tg1 = (cfg.Quirks & IoPgtableQuirks.ArmTtbr1) != 0;
            int tg = (1 << pgShift) switch
            {
                0x1000 => tg1 ? 2 : 0,
                0x4000 => tg1 ? 1 : 2,
                _ => tg1 ? 3 : 1,
            };
            if (ps < 0) return null;
            t.Tcr = new LpaeTcr(sh, irgn, orgn, tg, ps, 64 - cfg.Ias, 0);
            t.Mair = ArmLpaePte.Mair;
        }
        else
        {
            if (cfg.Quirks != IoPgtableQuirks.None) return null; // "The NS quirk doesn't apply at stage 2"
            // Concatenate PGDs at level 1 if possible in order to reduce the depth of the stage-2 walk. The kernel
            // compares the pgd's entry count (not pages) with ARM_LPAE_S2_MAX_CONCAT_PAGES.
            if (t.StartLevel == 0 && (t.PgdSize / 8) <= S2MaxConcatPages)
            {
                t.PgdBits += bpl;
                t.StartLevel++;
            }
            (sh, irgn, orgn) = cfg.CoherentWalk ? (3, 1, 1) : (2, 0, 0);
            int sl = t.StartLevel;
            int tg = (1 << pgShift) switch { 0x1000 => 0, 0x4000 => 2, _ => 1 };
            if (pgShift == 12) sl++; // SL0 format is different for 4K granule size
            if (ps < 0) return null;
            t.Tcr = new LpaeTcr(sh, irgn, orgn, tg, ps, 64 - cfg.Ias, ~sl & 3);
        }
        t.Pgd = t.AllocTable(t.PgdSize);
        if (t.Pgd == 0) return null;
        return t;
    }

    /// <summary>
    /// arm_lpae_restrict_pgsizes: pick one granule (the CPU PAGE_SIZE if supported, else the largest smaller one,
    /// else the smallest larger one) and keep only the block sizes of that granule; clamp IAS/OAS to 48 bits
    /// (52 with 64K).
    /// </summary>
    public static IoPgtableConfig RestrictPgsizes(IoPgtableConfig cfg, int hostPageSize = 4096)
    {
        ulong pageSize = (ulong)hostPageSize;
        ulong pageMask = ~(pageSize - 1);
        ulong bm = cfg.PgsizeBitmap;
        ulong granule;
        if ((bm & pageSize) != 0) granule = pageSize;
        else if ((bm & ~pageMask) != 0) granule = 1UL << (63 - BitOperations.LeadingZeroCount(bm & ~pageMask));
        else if ((bm & pageMask) != 0) granule = 1UL << BitOperations.TrailingZeroCount(bm & pageMask);
        else granule = 0;
        int maxAddrBits = 48;
        ulong pageSizes;
        switch (granule)
        {
            case 0x1000: pageSizes = 0x1000UL | 0x200000UL | 0x40000000UL; break;
            case 0x4000: pageSizes = 0x4000UL | 0x2000000UL; break;
            case 0x10000:
                maxAddrBits = 52;
                pageSizes = 0x10000UL | 0x20000000UL;
                if (cfg.Oas > 48) pageSizes |= 1UL << 42; // 4TB
                break;
            default: pageSizes = 0; break;
        }
        return cfg with
        {
            PgsizeBitmap = bm & pageSizes,
            Ias = Math.Min(cfg.Ias, maxAddrBits),
            Oas = Math.Min(cfg.Oas, maxAddrBits),
        };
    }

    // ------------------------------------------------------------------ geometry

    private int LvlShift(int lvl) => (MaxLevels - lvl) * _bitsPerLevel + 3;

    /// <summary>ARM_LPAE_BLOCK_SIZE: bytes mapped by one entry at <paramref name="lvl"/>.</summary>
    public ulong BlockSize(int lvl) => 1UL << LvlShift(lvl);

    /// <summary>ARM_LPAE_LVL_IDX: index of <paramref name="iova"/> in a table at <paramref name="lvl"/>.</summary>
    public int LvlIdx(ulong iova, int lvl)
    {
        int bits = lvl == StartLevel ? PgdBits : _bitsPerLevel;
        return (int)((iova >> LvlShift(lvl)) & ((1UL << bits) - 1));
    }

    private int PtesPerTable => 1 << _bitsPerLevel;

    // arm_lpae_max_entries() from the 2024 fix for concatenated stage-2 pgds. Linux 6.1 computed
    // PTES_PER_TABLE - idx, which is <= 0 at a concatenated-pgd index >= PTES_PER_TABLE and makes iommu_map spin or
    // account garbage; HwEmu always applies the fix (a documented divergence).
    private int MaxEntries(int idx) => PtesPerTable - (idx & (PtesPerTable - 1));

    /// <summary>Physical address of the entry for <paramref name="iova"/> in the table at <paramref name="table"/>.</summary>
    private ulong PtepFor(ulong table, ulong iova, int lvl) => table + 8UL * (ulong)LvlIdx(iova, lvl);

    private bool IsLeaf(ulong pte, int lvl)
        => lvl == MaxLevels - 1 ? (pte & TypeMask) == TypePage : (pte & TypeMask) == TypeBlock;

    private ulong PaddrToPte(ulong pa)
    {
        // 52-bit output addresses (64K granule only) fold PA[51:48] into PTE[15:12].
        return (pa | (pa >> (48 - 12))) & AddrMask;
    }

    /// <summary>iopte_to_paddr: the output address of a table or leaf entry.</summary>
    public ulong PteToPaddr(ulong pte)
    {
        ulong pa = pte & AddrMask;
        if (Granule < 0x10000) return pa;
        return (pa | (pa << (48 - 12))) & (AddrMask << 4);
    }

    private ulong AllocTable(ulong size)
    {
        ulong pa = _alloc.Alloc(size);
        if (pa != 0) TablePages++;
        return pa;
    }

    private void FreeTable(ulong pa, ulong size)
    {
        _alloc.Free(pa, size);
        TablePages--;
    }

    private void Warn(string text)
    {
        Warnings++;
        LastWarning = text;
    }

    // ------------------------------------------------------------------ PTE attributes

    /// <summary>arm_lpae_prot_to_pte: the attribute bits io-pgtable sets for <paramref name="prot"/> (no type bits).</summary>
    public ulong ProtToPte(IommuProt prot)
    {
        ulong pte;
        if (Format == IoPgtableFormat.ArmLpaeS1)
        {
            pte = NG;
            if ((prot & IommuProt.Write) == 0 && (prot & IommuProt.Read) != 0) pte |= ApRdonly;
            if ((prot & IommuProt.Priv) == 0) pte |= ApUnpriv;
            if ((prot & IommuProt.Mmio) != 0) pte |= (ulong)MairIdxDev << AttrIndxShift;
            else if ((prot & IommuProt.Cache) != 0) pte |= (ulong)MairIdxCache << AttrIndxShift;
        }
        else
        {
            pte = 0; // ARM_LPAE_PTE_HAP_FAULT
            if ((prot & IommuProt.Read) != 0) pte |= HapRead;
            if ((prot & IommuProt.Write) != 0) pte |= HapWrite;
            if ((prot & IommuProt.Mmio) != 0) pte |= MemAttrDev;
            else if ((prot & IommuProt.Cache) != 0) pte |= MemAttrOiwb;
            else pte |= MemAttrNc;
        }
        pte |= (prot & IommuProt.Cache) != 0 ? ShIs : ShOs;
        if ((prot & IommuProt.NoExec) != 0) pte |= Xn;
        if ((Config.Quirks & IoPgtableQuirks.ArmNs) != 0) pte |= Ns;
        pte |= Af;
        return pte;
    }

    // ------------------------------------------------------------------ map

    /// <summary>
    /// ops->map_pages: maps <paramref name="pgcount"/> pages of <paramref name="pgsize"/> bytes (one of
    /// <see cref="PgsizeBitmap"/>) from <paramref name="iova"/> to <paramref name="paddr"/>. Maps at most up to the
    /// end of the leaf table (the caller loops, as iommu_map does); <paramref name="mapped"/> reports the bytes
    /// mapped even on error. Returns the kernel's errno.
    /// </summary>
    public Errno MapPages(ulong iova, ulong paddr, ulong pgsize, ulong pgcount, IommuProt prot, out ulong mapped)
    {
        mapped = 0;
        if (pgsize == 0 || (pgsize & Config.PgsizeBitmap) != pgsize)
        {
            Warn("map_pages: bad pgsize");
            return Errno.EINVAL;
        }
        long iaext = (long)iova >> Config.Ias;
        if ((Config.Quirks & IoPgtableQuirks.ArmTtbr1) != 0) iaext = ~iaext;
        if (iaext != 0 || (Config.Oas < 64 && paddr >> Config.Oas != 0))
        {
            Warn("map_pages: iova or paddr out of range");
            return Errno.ERANGE;
        }
        // If no access, then nothing to do (6.1; later kernels return -EINVAL).
        if ((prot & (IommuProt.Read | IommuProt.Write)) == 0) return Errno.None;
        ulong pteProt = ProtToPte(prot);
        return MapLevel(iova, paddr, pgsize, pgcount, pteProt, StartLevel, Pgd, ref mapped);
    }

    private Errno MapLevel(ulong iova, ulong paddr, ulong size, ulong pgcount, ulong prot, int lvl, ulong table, ref ulong mapped)
    {
        ulong blockSize = BlockSize(lvl);
        int idx = LvlIdx(iova, lvl);
        ulong ptep = table + 8UL * (ulong)idx;
        if (size == blockSize)
        {
            int maxEntries = MaxEntries(idx);
            int numEntries = (int)Math.Min(pgcount, (ulong)maxEntries);
            var err = InitPte(iova, paddr, prot, lvl, numEntries, ptep, table);
            if (err == Errno.None) mapped += (ulong)numEntries * size;
            return err;
        }
        if (lvl >= MaxLevels - 1)
        {
            Warn("map: cannot allocate tables at the final level");
            return Errno.EINVAL;
        }
        ulong pte = _mem.Read64(ptep);
        if (pte == 0)
        {
            ulong newTable = AllocTable(Granule);
            if (newTable == 0) return Errno.ENOMEM;
            pte = InstallTable(newTable, ptep);
        }
        if (IsLeaf(pte, lvl))
        {
            Warn("map: require an unmap first");
            return Errno.EEXIST;
        }
        return MapLevel(iova, paddr, size, pgcount, prot, lvl + 1, PteToPaddr(pte), ref mapped);
    }

    private ulong InstallTable(ulong tablePa, ulong ptep)
    {
        ulong pte = PaddrToPte(tablePa) | TypeTable;
        if ((Config.Quirks & IoPgtableQuirks.ArmNs) != 0) pte |= NsTable;
        _mem.Write64(ptep, pte);
        return pte;
    }

    private Errno InitPte(ulong iova, ulong paddr, ulong prot, int lvl, int numEntries, ulong ptep, ulong table)
    {
        for (int i = 0; i < numEntries; i++)
        {
            ulong old = _mem.Read64(ptep + 8UL * (ulong)i);
            if (IsLeaf(old, lvl))
            {
                Warn("map: require an unmap first");
                return Errno.EEXIST;
            }
            if ((old & TypeMask) == TypeTable)
            {
                // A block replaces a table: the kernel unmaps and frees the old table (with whatever it mapped).
                ulong sz = BlockSize(lvl);
                if (UnmapLevel(iova + (ulong)i * sz, sz, 1, lvl, table) != sz)
                {
                    Warn("map: failed to replace table");
                    return Errno.EINVAL;
                }
            }
        }
        WriteLeaves(paddr, prot, lvl, numEntries, ptep);
        return Errno.None;
    }

    private void WriteLeaves(ulong paddr, ulong prot, int lvl, int numEntries, ulong ptep)
    {
        ulong pte = prot | (lvl == MaxLevels - 1 ? TypePage : TypeBlock);
        ulong sz = BlockSize(lvl);
        for (int i = 0; i < numEntries; i++)
            _mem.Write64(ptep + 8UL * (ulong)i, pte | PaddrToPte(paddr + (ulong)i * sz));
    }

    private HwEmu.Devices.Host.Iommu.IoPgtableDomain? _domainView;

    /// <summary>
    /// iommu_map() over this table alone: -EINVAL unless iova, paddr and size are aligned to the smallest page,
    /// then the largest pages alignment allows (blocks where possible), unrolled on error.
    /// </summary>
    public Errno Map(ulong iova, ulong paddr, ulong size, IommuProt prot)
        => HwEmu.Devices.Host.Iommu.IommuCore.Map(_domainView ??= new HwEmu.Devices.Host.Iommu.IoPgtableDomain(this), iova, paddr, size, prot);

    /// <summary>iommu_unmap() over this table alone: bytes unmapped (0 if unaligned; stops at the first hole).</summary>
    public ulong Unmap(ulong iova, ulong size)
        => HwEmu.Devices.Host.Iommu.IommuCore.Unmap(_domainView ??= new HwEmu.Devices.Host.Iommu.IoPgtableDomain(this), iova, size);

    // ------------------------------------------------------------------ unmap

    /// <summary>
    /// ops->unmap_pages: unmaps <paramref name="pgcount"/> pages of <paramref name="pgsize"/> bytes at
    /// <paramref name="iova"/>; returns the bytes unmapped (0 on a hole, a bad size, or — from 6.13 — a partial
    /// block).
    /// </summary>
    public ulong UnmapPages(ulong iova, ulong pgsize, ulong pgcount)
    {
        if (pgsize == 0 || (pgsize & Config.PgsizeBitmap) != pgsize || pgcount == 0)
        {
            Warn("unmap_pages: bad pgsize");
            return 0;
        }
        long iaext = (long)iova >> Config.Ias;
        if ((Config.Quirks & IoPgtableQuirks.ArmTtbr1) != 0) iaext = ~iaext;
        if (iaext != 0)
        {
            Warn("unmap_pages: iova out of range");
            return 0;
        }
        return UnmapLevel(iova, pgsize, pgcount, StartLevel, Pgd);
    }

    private ulong UnmapLevel(ulong iova, ulong size, ulong pgcount, int lvl, ulong table)
    {
        if (lvl == MaxLevels)
        {
            Warn("unmap: ran out of page table");
            return 0;
        }
        int idx = LvlIdx(iova, lvl);
        ulong ptep = table + 8UL * (ulong)idx;
        ulong pte = _mem.Read64(ptep);
        if (pte == 0)
        {
            Warn("unmap: nothing mapped");
            return 0;
        }
        if (size == BlockSize(lvl))
        {
            int maxEntries = MaxEntries(idx);
            int numEntries = (int)Math.Min(pgcount, (ulong)maxEntries);
            int i = 0;
            while (i < numEntries)
            {
                pte = _mem.Read64(ptep);
                if (pte == 0)
                {
                    Warn("unmap: nothing mapped");
                    break;
                }
                _mem.Write64(ptep, 0);
                if (!IsLeaf(pte, lvl))
                    FreePgtable(lvl + 1, PteToPaddr(pte));
                ptep += 8;
                i++;
            }
            return (ulong)i * size;
        }
        if (IsLeaf(pte, lvl))
        {
            if (!_splitOnUnmap)
            {
                Warn("Unmap of a partial large IOPTE is not allowed");
                return 0;
            }
            return SplitBlkUnmap(iova, size, pte, lvl + 1, ptep, pgcount);
        }
        return UnmapLevel(iova, size, pgcount, lvl + 1, PteToPaddr(pte));
    }

    private ulong SplitBlkUnmap(ulong iova, ulong size, ulong blkPte, int lvl, ulong ptep, ulong pgcount)
    {
        if (lvl == MaxLevels)
        {
            Warn("split: ran out of levels");
            return 0;
        }
        ulong tablep = AllocTable(Granule);
        if (tablep == 0) return 0;
        ulong splitSz = BlockSize(lvl);
        int ptesPerTable = PtesPerTable;
        int unmapIdxStart = -1, numEntries = 0;
        if (size == splitSz)
        {
            unmapIdxStart = LvlIdx(iova, lvl);
            int maxEntries = ptesPerTable - unmapIdxStart;
            numEntries = (int)Math.Min(pgcount, (ulong)maxEntries);
        }
        ulong blkPaddr = PteToPaddr(blkPte);
        ulong prot = blkPte & AttrMask;
        for (int i = 0; i < ptesPerTable; i++, blkPaddr += splitSz)
        {
            if (i >= unmapIdxStart && i < unmapIdxStart + numEntries) continue;
            WriteLeaves(blkPaddr, prot, lvl, 1, tablep + 8UL * (ulong)i);
        }
        InstallTable(tablep, ptep);
        if (unmapIdxStart >= 0) return (ulong)numEntries * size;
        return UnmapLevel(iova, size, pgcount, lvl, tablep);
    }

    private void FreePgtable(int lvl, ulong table)
    {
        ulong tableSize = lvl == StartLevel ? PgdSize : Granule;
        if (lvl < MaxLevels - 1)
        {
            for (ulong p = table; p < table + tableSize; p += 8)
            {
                ulong pte = _mem.Read64(p);
                if (pte == 0 || IsLeaf(pte, lvl)) continue;
                FreePgtable(lvl + 1, PteToPaddr(pte));
            }
        }
        FreeTable(table, tableSize);
    }

    /// <summary>free_io_pgtable_ops: frees every table page including the pgd.</summary>
    public void Free()
    {
        if (Pgd == 0) return;
        FreePgtable(StartLevel, Pgd);
        Pgd = 0;
    }

    // ------------------------------------------------------------------ lookup

    /// <summary>ops->iova_to_phys: the physical address <paramref name="iova"/> maps to, or 0.</summary>
    public ulong IovaToPhys(ulong iova)
    {
        ulong table = Pgd;
        int lvl = StartLevel;
        do
        {
            if (table == 0) return 0;
            ulong pte = _mem.Read64(PtepFor(table, iova, lvl));
            if (pte == 0) return 0;
            if (IsLeaf(pte, lvl))
                return PteToPaddr(pte) | (iova & (BlockSize(lvl) - 1));
            table = PteToPaddr(pte);
        } while (++lvl < MaxLevels);
        return 0;
    }

    /// <summary>
    /// Walks to the entry that maps <paramref name="iova"/>: returns the level and the entry's physical address
    /// and value (the last non-table entry met; a zero value means unmapped). For tests and dumps.
    /// </summary>
    public (int Level, ulong PtePa, ulong Pte) Walk(ulong iova)
    {
        ulong table = Pgd;
        int lvl = StartLevel;
        while (true)
        {
            ulong ptep = PtepFor(table, iova, lvl);
            ulong pte = _mem.Read64(ptep);
            if (pte == 0 || IsLeaf(pte, lvl) || lvl == MaxLevels - 1) return (lvl, ptep, pte);
            table = PteToPaddr(pte);
            lvl++;
        }
    }
}
