using System.Numerics;
using HwEmu.Devices.Host.IoPgtable;
using HwEmu.Devices.Host.Iommu;
using HwEmu.Devices.Smmu;

namespace HwEmu.Devices.Host.ArmSmmuV3;

/// <summary>
/// struct arm_smmu_domain (v6.1): an io-pgtable in guest memory plus the STE/CD configuration that points the
/// SMMU at it. Attaching writes STEs (and, the first time, the CD) with Linux's CFGI_* + CMD_SYNC ordering;
/// unmapping invalidates with TLBI_NH_VA / TLBI_S2_IPA (range form with IDR3.RIL) + CMD_SYNC in strict mode,
/// or defers to a flush queue (TLBI_NH_ASID / TLBI_S12_VMALL + CMD_SYNC, IOVAs freed afterwards) for DMA-FQ
/// domains used through <see cref="DmaMap"/>/<see cref="DmaUnmap"/>.
/// </summary>
public sealed class ArmSmmuDomain : IIommuDomainOps, IIommuAttachableDomain
{
    private readonly ArmSmmuV3Driver _smmu;
    private readonly List<uint> _streams = new();
    private readonly ulong[] _fqPfn;
    private readonly ulong[] _fqPages;
    private int _fqCount;
    private bool _queued;
    private bool _finalised;
    private readonly int _tgShift;

    private ArmSmmuDomain(ArmSmmuV3Driver smmu, IommuDomainType type, ArmSmmuStage stage, IoPgtableArm? table)
    {
        _smmu = smmu;
        Type = type;
        Stage = stage;
        Table = table;
        int fq = type == IommuDomainType.DmaFq ? Math.Max(2, smmu.Options.FlushQueueSize) : 0;
        _fqPfn = new ulong[fq];
        _fqPages = new ulong[fq];
        _tgShift = table is null ? 12 : BitOperations.TrailingZeroCount(table.PgsizeBitmap);
    }

    internal static ArmSmmuDomain? Create(ArmSmmuV3Driver smmu, IommuDomainType type, ArmSmmuStage stage)
    {
        if (stage == ArmSmmuStage.Bypass) return new ArmSmmuDomain(smmu, type, stage, null);
        // arm_smmu_domain_finalise: S1 IAS 48 (52 with VAX, capped to the kernel's VA_BITS = 48), OAS = smmu->ias;
        // S2 IAS = smmu->ias, OAS = smmu->oas.
        bool s1 = stage == ArmSmmuStage.S1;
        var cfg = new IoPgtableConfig(smmu.PgsizeBitmap, s1 ? 48 : smmu.Ias, s1 ? smmu.Ias : smmu.Oas,
            CoherentWalk: (smmu.Features & ArmSmmuV3Features.Coherency) != 0);
        var table = IoPgtableArm.Alloc(s1 ? IoPgtableFormat.ArmLpaeS1 : IoPgtableFormat.ArmLpaeS2, cfg, smmu.Pages);
        return table is null ? null : new ArmSmmuDomain(smmu, type, stage, table);
    }

    /// <summary>The driver that owns the domain.</summary>
    public ArmSmmuV3Driver Driver => _smmu;
    /// <summary>Domain type (DMA, DMA-FQ, UNMANAGED, IDENTITY).</summary>
    public IommuDomainType Type { get; }
    /// <summary>Translation stage.</summary>
    public ArmSmmuStage Stage { get; }
    /// <summary>The generic domain wrapping this one (its cookie holds the DMA IOVA allocator).</summary>
    public IommuDomain? Domain { get; internal set; }
    /// <summary>The io-pgtable (null for identity domains).</summary>
    public IoPgtableArm? Table { get; }
    /// <summary>ASID of a stage-1 domain (0 until the first attach).</summary>
    public int Asid { get; private set; }
    /// <summary>VMID of a stage-2 domain (0 until the first attach).</summary>
    public int Vmid { get; private set; }
    /// <summary>Physical address of the CD table (stage 1, after the first attach).</summary>
    public ulong CdTable { get; private set; }
    /// <summary>StreamIDs currently attached.</summary>
    public IReadOnlyList<uint> StreamIds => _streams;
    /// <summary>True when unmaps through the DMA API are deferred to the flush queue.</summary>
    public bool Lazy => Type == IommuDomainType.DmaFq;
    /// <summary>IOVA ranges waiting in the flush queue.</summary>
    public int QueuedIovas => _fqCount;
    /// <summary>Flush-queue flushes performed (fq_flush_iotlb).</summary>
    public long FlushQueueFlushes { get; private set; }

    /// <inheritdoc/>
    public ulong PgsizeBitmap => Table?.PgsizeBitmap ?? 0;
    /// <inheritdoc/>
    public ulong ApertureStart => 0;
    /// <inheritdoc/>
    public ulong ApertureEnd => Table is null ? ulong.MaxValue : Table.Config.Ias >= 64 ? ulong.MaxValue : (1UL << Table.Config.Ias) - 1;
    /// <inheritdoc/>
    public string DriverName => _smmu.Options.DriverName;

    // ------------------------------------------------------------------ attach / detach

    /// <summary>
    /// arm_smmu_attach_dev for a master with <paramref name="streamIds"/>: detaches it from its previous domain
    /// (abort STE + CFGI_STE + CMD_SYNC), finalises this domain on first use (ASID/VMID, CD table, CD write with
    /// its two syncs), then installs each STE: words 1-3, CFGI_STE + CMD_SYNC, word 0 (V = 1), CFGI_STE + CMD_SYNC,
    /// PREFETCH_CONFIG.
    /// </summary>
    public Errno Attach(IReadOnlyList<uint> streamIds)
    {
        if (streamIds.Count == 0) return Errno.ENOENT;
        var e = _smmu.ProbeDevice(streamIds);
        if (e != Errno.None) return e;
        var prev = _smmu.StreamDomain(streamIds[0]);
        if (prev is not null) prev.DetachStreams(streamIds);
        if (!_finalised)
        {
            e = Finalise();
            if (e != Errno.None) return e;
        }
        for (int i = 0; i < streamIds.Count; i++)
        {
            uint sid = streamIds[i];
            bool dup = false;
            for (int j = 0; j < i; j++) dup |= streamIds[j] == sid; // bridged PCI devices may repeat an ID
            if (dup) continue;
            _streams.Add(sid);
            _smmu.SetStreamDomain(sid, this);
            WriteSte(sid);
        }
        return Errno.None;
    }

    /// <inheritdoc/>
    public Errno AttachDevice(HostDevice device) => Attach(device.StreamIds);

    /// <inheritdoc/>
    public void DetachDevice(HostDevice device) => Detach(device.StreamIds);

    /// <summary>arm_smmu_detach_dev: the master's STEs go back to abort (bypass with disable_bypass = 0).</summary>
    public void Detach(IReadOnlyList<uint> streamIds) => DetachStreams(streamIds);

    private void DetachStreams(IReadOnlyList<uint> streamIds)
    {
        for (int i = 0; i < streamIds.Count; i++)
        {
            uint sid = streamIds[i];
            if (!_streams.Remove(sid)) continue;
            _smmu.SetStreamDomain(sid, null);
            _smmu.WriteAbortOrBypassSte(sid, bypass: !_smmu.Options.DisableBypass);
        }
    }

    private Errno Finalise()
    {
        if (Stage == ArmSmmuStage.Bypass) { _finalised = true; return Errno.None; }
        var t = Table!;
        var mem = _smmu.Pages.Memory;
        if (Stage == ArmSmmuStage.S1)
        {
            int asid = _smmu.AllocAsid();
            if (asid < 0) return Errno.ENOSPC;
            // arm_smmu_alloc_cd_tables: no PASIDs (s1cdmax 0) -> linear table of one CD.
            ulong cd = _smmu.Pages.Alloc(ContextDescriptor.Size);
            if (cd == 0) { _smmu.FreeAsid(asid); return Errno.ENOMEM; }
            Asid = asid;
            CdTable = cd;
            // arm_smmu_write_ctx_desc, (re)install: TTB0, TTB1 = 0, MAIR, sync, then word 0 with V, sync.
            mem.Write64(cd + 8, t.Pgd & 0x000f_ffff_ffff_fff0UL);
            mem.Write64(cd + 16, 0);
            // io-pgtable-arm builds MAIR from int constants: 0xf4 << 24 overflows and the value is sign-extended
            // into the u64 (the capture's CDs hold 0xfffffffff404ff44).
            mem.Write64(cd + 24, (ulong)(long)(int)(uint)t.Mair);
            SyncCd();
            var tcr = t.Tcr;
            ulong w0 = (ulong)(uint)(tcr.Tsz & 0x3f) | (ulong)(uint)(tcr.Tg & 3) << 6 | (ulong)(uint)(tcr.Irgn & 3) << 8 |
                (ulong)(uint)(tcr.Orgn & 3) << 10 | (ulong)(uint)(tcr.Sh & 3) << 12 | (ulong)(uint)(tcr.Ps & 7) << 32 |
                1UL << 30 /* EPD1 */ | 1UL << 41 /* AA64 */ | 1UL << 45 /* R */ | 1UL << 46 /* A */ |
                1UL << 47 /* ASET */ | 1UL << 31 /* V */ | (ulong)(ushort)asid << 48;
            mem.Write64(cd, w0);
            SyncCd();
        }
        else
        {
            int vmid = _smmu.AllocVmid();
            if (vmid < 0) return Errno.ENOSPC;
            Vmid = vmid;
        }
        _finalised = true;
        return Errno.None;
    }

    /// <summary>arm_smmu_sync_cd: CFGI_CD (leaf) for every attached StreamID, then CMD_SYNC (even when none).</summary>
    private void SyncCd()
    {
        foreach (uint sid in _streams) _smmu.AddToBatch(CmdqCommand.CfgiCd(sid, 0, leaf: true));
        _smmu.SubmitBatch();
    }

    /// <summary>The STE words this domain installs for a stream (6.1 arm_smmu_write_strtab_ent).</summary>
    public (ulong W0, ulong W1, ulong W2, ulong W3) SteWords()
    {
        ulong v = 1; // V
        if (Stage == ArmSmmuStage.Bypass) return (v | 4UL << 1, 1UL << 44, 0, 0);
        if (Stage == ArmSmmuStage.S1)
        {
            // S1DSS = SSID0, S1CIR/S1COR = WBRA, S1CSH = ISH, STRW = NSEL1.
            ulong w1 = 2UL | 1UL << 2 | 1UL << 4 | 3UL << 6;
            if ((_smmu.Features & ArmSmmuV3Features.Stalls) != 0) w1 |= 1UL << 27; // S1STALLD (no stall-capable masters)
            ulong w0 = v | (CdTable & 0x000f_ffff_ffff_ffc0UL) | 5UL << 1; // S1FMT linear, S1CDMAX 0
            return (w0, w1, 0, 0);
        }
        var tcr = Table!.Tcr;
        ulong vtcr = (ulong)(uint)(tcr.Tsz & 0x3f) | (ulong)(uint)(tcr.Sl & 3) << 6 | (ulong)(uint)(tcr.Irgn & 3) << 8 | (ulong)(uint)(tcr.Orgn & 3) << 10 |
            (ulong)(uint)(tcr.Sh & 3) << 12 | (ulong)(uint)(tcr.Tg & 3) << 14 | (ulong)(uint)(tcr.Ps & 7) << 16;
        ulong w2 = (ulong)(ushort)Vmid | vtcr << 32 | 1UL << 54 /* S2PTW */ | 1UL << 51 /* S2AA64 */ | 1UL << 58 /* S2R */;
        return (v | 6UL << 1, 0, w2, Table.Pgd & 0x000f_ffff_ffff_fff0UL);
    }

    private void WriteSte(uint sid)
    {
        ulong ste = _smmu.SteAddress(sid);
        var mem = _smmu.Pages.Memory;
        var (w0, w1, w2, w3) = SteWords();
        if (Stage == ArmSmmuStage.Bypass)
        {
            mem.Write64(ste, w0);
            mem.Write64(ste + 8, w1);
            mem.Write64(ste + 16, 0);
            _smmu.SyncSte(sid);
            return;
        }
        mem.Write64(ste + 8, w1);
        if (Stage == ArmSmmuStage.S2)
        {
            mem.Write64(ste + 16, w2);
            mem.Write64(ste + 24, w3);
        }
        _smmu.SyncSte(sid);
        mem.Write64(ste, w0); // WRITE_ONCE(dst[0]): the SMMU now sees a complete STE
        _smmu.SyncSte(sid);
        _smmu.Issue(new CmdqCommand((byte)CmdqOpcode.PrefetchConfig | (ulong)sid << 32, 0));
    }

    // ------------------------------------------------------------------ page tables

    /// <inheritdoc/>
    public Errno MapPages(ulong iova, ulong paddr, ulong pgsize, ulong pgcount, IommuProt prot, out ulong mapped)
    {
        mapped = 0;
        if (Table is null) return Errno.ENODEV;
        return Table.MapPages(iova, paddr, pgsize, pgcount, prot, out mapped);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// A leaf unmap is invalidated at the end of the call (iommu_unmap's gather + iommu_iotlb_sync), except for a
    /// queued DMA-FQ unmap; unmapping a whole table level flushes the walk at once (io_pgtable_tlb_flush_walk,
    /// leaf = 0) in both modes.
    /// </remarks>
    public ulong UnmapPages(ulong iova, ulong pgsize, ulong pgcount)
    {
        var t = Table;
        if (t is null || pgsize == 0) return 0;
        ulong granule = t.Granule;
        if (pgsize > granule)
        {
            int g = BitOperations.TrailingZeroCount(granule);
            int lvl = 3 - (BitOperations.TrailingZeroCount(pgsize) - g) / (g - 3);
            ulong total = 0;
            for (ulong i = 0; i < pgcount; i++)
            {
                ulong a = iova + i * pgsize;
                bool table = t.Walk(a).Level > lvl;
                ulong n = t.UnmapPages(a, pgsize, 1);
                if (n == 0) break;
                total += n;
                if (table) TlbInvRange(a, n, granule, leaf: false);
                else if (!_queued) TlbInvRange(a, n, pgsize, leaf: true);
            }
            return total;
        }
        ulong unmapped = t.UnmapPages(iova, pgsize, pgcount);
        if (unmapped != 0 && !_queued) TlbInvRange(iova, unmapped, pgsize, leaf: true);
        return unmapped;
    }

    /// <inheritdoc/>
    public ulong IovaToPhys(ulong iova) => Table is null ? iova : Table.IovaToPhys(iova);

    // ------------------------------------------------------------------ invalidation

    /// <summary>
    /// arm_smmu_tlb_inv_range_domain: TLBI_NH_VA (ASID) for stage 1 or TLBI_S2_IPA (VMID) for stage 2 over
    /// [iova, iova + size), range-encoded (TG, TTL, NUM, SCALE; up to 32 * 2^SCALE pages a command) when the SMMU
    /// has IDR3.RIL, else one command per <paramref name="granule"/>; batched, then CMD_SYNC. No ATS: no ATC_INV.
    /// </summary>
    public void TlbInvRange(ulong iova, ulong size, ulong granule, bool leaf)
    {
        if (size == 0 || !_finalised || Stage == ArmSmmuStage.Bypass) return;
        var op = Stage == ArmSmmuStage.S1
            ? ((_smmu.Features & ArmSmmuV3Features.E2H) != 0 ? CmdqOpcode.TlbiEl2Va : CmdqOpcode.TlbiNhVa)
            : CmdqOpcode.TlbiS2Ipa;
        ushort asid = Stage == ArmSmmuStage.S1 ? (ushort)Asid : (ushort)0;
        ushort vmid = Stage == ArmSmmuStage.S2 ? (ushort)Vmid : (ushort)0;
        ulong end = iova + size;
        bool range = (_smmu.Features & ArmSmmuV3Features.RangeInv) != 0;
        int tg = 0, tgField = 0, ttl = 0;
        ulong numPages = 0, invRange = granule;
        if (range)
        {
            tg = _tgShift;                       // leaf page size of the domain
            tgField = (tg - 10) / 2;             // 12, 14, 16 -> 1, 2, 3
            ttl = 4 - ((BitOperations.TrailingZeroCount(granule) - 3) / (tg - 3)); // level of the granule
            numPages = size >> tg;
        }
        while (iova < end)
        {
            int num = 0, scale = 0;
            if (range)
            {
                if (numPages == 0) break;
                scale = BitOperations.TrailingZeroCount(numPages);
                num = (int)((numPages >> scale) & 31);
                invRange = (ulong)num << (scale + tg);
                numPages -= (ulong)num << scale;
                num -= 1;
            }
            _smmu.AddToBatch(CmdqCommand.TlbiAddress(op, vmid, asid, iova, leaf, tgField, num, scale, ttl));
            iova += invRange;
        }
        _smmu.SubmitBatch();
    }

    /// <summary>
    /// arm_smmu_flush_iotlb_all / arm_smmu_tlb_inv_context: TLBI_NH_ASID (stage 1) or TLBI_S12_VMALL (stage 2)
    /// followed by CMD_SYNC.
    /// </summary>
    public void FlushIotlbAll()
    {
        if (!_finalised || Stage == ArmSmmuStage.Bypass) return;
        if (Stage == ArmSmmuStage.S1)
        {
            var cmd = (_smmu.Features & ArmSmmuV3Features.E2H) != 0
                ? new CmdqCommand((byte)CmdqOpcode.TlbiEl2Asid | (ulong)(ushort)Asid << 48, 0)
                : CmdqCommand.TlbiNhAsid(0, (ushort)Asid);
            _smmu.IssueWithSync(cmd);
        }
        else _smmu.IssueWithSync(CmdqCommand.TlbiS12Vmall((ushort)Vmid));
    }

    // ------------------------------------------------------------------ DMA API (dma-iommu.c)

    /// <summary>
    /// iommu_dma_map_page: allocates an IOVA from the domain's cookie (a 32-bit SAC address first for PCI
    /// devices), maps [paddr, paddr + size) there and returns the device address (IOVA + offset in granule).
    /// -ENOMEM when no IOVA is left or the mapping fails; -EINVAL without a DMA cookie.
    /// </summary>
    public Errno DmaMap(ulong paddr, ulong size, IommuProt prot, out ulong dmaAddr, int dmaMaskBits = 64, bool isPci = true)
    {
        dmaAddr = 0;
        var iovad = Domain?.Cookie?.Iovad;
        if (iovad is null || Table is null) return Errno.EINVAL;
        ulong g = iovad.Granule;
        ulong off = paddr & (g - 1);
        size = (size + off + g - 1) & ~(g - 1);
        int shift = iovad.Shift;
        ulong len = size >> shift;
        ulong limit = dmaMaskBits >= 64 ? ulong.MaxValue : (1UL << dmaMaskBits) - 1;
        limit = Math.Min(limit, ApertureEnd);
        ulong pfn = 0;
        if (limit > 0xffff_ffffUL && isPci) pfn = iovad.AllocIovaFast(len, 0xffff_ffffUL >> shift);
        if (pfn == 0) pfn = iovad.AllocIovaFast(len, limit >> shift);
        if (pfn == 0) return Errno.ENOMEM;
        ulong iova = pfn << shift;
        if (IommuCore.Map(this, iova, paddr - off, size, prot) != Errno.None)
        {
            iovad.FreeIova(pfn);
            return Errno.ENOMEM;
        }
        dmaAddr = iova + off;
        return Errno.None;
    }

    /// <summary>
    /// iommu_dma_unmap_page: unmaps and, in strict mode, invalidates (TLBI + CMD_SYNC) and frees the IOVA; in a
    /// DMA-FQ domain the TLB is left stale and the IOVA is queued until the next flush (when the queue is full,
    /// or <see cref="FlushQueue"/> on the timeout). Returns the bytes unmapped.
    /// </summary>
    public ulong DmaUnmap(ulong dmaAddr, ulong size)
    {
        var iovad = Domain?.Cookie?.Iovad;
        if (iovad is null || Table is null) return 0;
        ulong g = iovad.Granule;
        ulong off = dmaAddr & (g - 1);
        dmaAddr -= off;
        size = (size + off + g - 1) & ~(g - 1);
        _queued = Lazy;
        ulong unmapped;
        try { unmapped = IommuCore.Unmap(this, dmaAddr, size); }
        finally { _queued = false; }
        ulong pfn = dmaAddr >> iovad.Shift;
        if (Lazy) QueueIova(pfn, size >> iovad.Shift);
        else iovad.FreeIova(pfn);
        return unmapped;
    }

    /// <summary>queue_iova: a full ring (Size - 1 entries) is flushed and emptied before the new entry goes in.</summary>
    private void QueueIova(ulong pfn, ulong pages)
    {
        if (_fqCount == _fqPfn.Length - 1) FlushQueue();
        _fqPfn[_fqCount] = pfn;
        _fqPages[_fqCount] = pages;
        _fqCount++;
    }

    /// <summary>
    /// fq_flush_timeout / fq_flush_iotlb + fq_ring_free: invalidates the whole context (TLBI_NH_ASID + CMD_SYNC)
    /// and only then returns the queued IOVAs to the allocator. Nothing happens when the queue is empty.
    /// </summary>
    public void FlushQueue()
    {
        if (_fqCount == 0) return;
        FlushIotlbAll();
        FlushQueueFlushes++;
        var iovad = Domain?.Cookie?.Iovad;
        for (int i = 0; i < _fqCount; i++) iovad?.FreeIova(_fqPfn[i]);
        _fqCount = 0;
    }

    /// <summary>
    /// arm_smmu_domain_free: detaches any remaining streams, frees the io-pgtable, the CD table and the ASID/VMID.
    /// </summary>
    public void Free()
    {
        if (_streams.Count > 0) DetachStreams(_streams.ToArray());
        FlushQueue();
        Table?.Free();
        if (CdTable != 0) { _smmu.Pages.Free(CdTable, ContextDescriptor.Size); CdTable = 0; }
        if (Asid != 0) { _smmu.FreeAsid(Asid); Asid = 0; }
        if (Vmid != 0) { _smmu.FreeVmid(Vmid); Vmid = 0; }
        _finalised = false;
    }
}
