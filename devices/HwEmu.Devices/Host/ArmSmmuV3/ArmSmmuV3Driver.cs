using System.Globalization;
using System.Numerics;
using HwEmu.Devices.Host.IoPgtable;
using HwEmu.Devices.Host.Iommu;
using HwEmu.Devices.Smmu;
using HwEmu.Emulator.Bus;

namespace HwEmu.Devices.Host.ArmSmmuV3;

/// <summary>
/// The Linux arm-smmu-v3 driver (drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c, v6.1) as a host model. It reaches
/// the SMMU only through its registers on the <see cref="SystemBus"/> and through structures it writes in memory
/// (stream table, CDs, io-pgtable tables, command and event queues), in the kernel's order: probe from
/// SMMU_IDR0-5, reset (CR1/CR2, STRTAB, CMDQ, CFGI_ALL, TLBI_NSNH_ALL, EVTQ, IRQ_CTRL, SMMUEN), STE/CD
/// installation with CFGI_STE/CFGI_CD + CMD_SYNC, invalidation with TLBI_NH_VA (range form with IDR3.RIL) or
/// TLBI_S2_IPA, and event-queue draining. Functional only (no time): the SMMU model consumes the command queue
/// synchronously when CMDQ_PROD is written.
/// </summary>
public sealed class ArmSmmuV3Driver
{
    // Register offsets (IHI 0070 §6.3); page 1 holds the queue consumer/producer of EVTQ.
    private const ulong Idr0 = 0x00, Idr1 = 0x04, Idr3 = 0x0c, Idr5 = 0x14, Cr0 = 0x20, Cr0Ack = 0x24, Cr1 = 0x28, Cr2 = 0x2c;
    private const ulong IrqCtrl = 0x50, IrqCtrlAck = 0x54, Gerror = 0x60, Gerrorn = 0x64, GerrorIrqCfg0 = 0x68;
    private const ulong StrtabBase = 0x80, StrtabBaseCfg = 0x88, CmdqBase = 0x90, CmdqProd = 0x98, CmdqCons = 0x9c;
    private const ulong EvtqBase = 0xa0, EvtqIrqCfg0 = 0xb0, EvtqProd = 0x100a8, EvtqCons = 0x100ac;

    private const uint Cr0SmmuEn = 1, Cr0EvtqEn = 1 << 2, Cr0CmdqEn = 1 << 3;
    private const uint IrqCtrlGerrorIrqEn = 1, IrqCtrlEvtqIrqEn = 1 << 2, IrqCtrlPriqIrqEn = 1 << 1;
    private const uint GerrorCmdqErr = 1;
    /// <summary>STRTAB_SPLIT: StreamID bits resolved by a level-2 table.</summary>
    public const int StrtabSplit = 8;
    private const int StrtabL1SzShift = 20;
    private const int QMaxSzShift = 12 + 11 - 1; // PAGE_SHIFT + MAX_ORDER - 1 (6.1, 4 KiB pages)
    private const int CmdqBatchEntries = 64;      // BITS_PER_LONG
    private const ulong QBaseRwa = 1UL << 62;
    private const ulong StrtabBaseRa = 1UL << 62;

    private readonly SystemBus _bus;
    private readonly ulong _base;
    private readonly PhysicalPageAllocator _pages;
    private readonly CmdqCommand[] _batch = new CmdqCommand[CmdqBatchEntries];
    private readonly List<CmdqCommand> _log = new();
    private readonly List<string> _kernelLog = new();
    private readonly Dictionary<uint, ArmSmmuDomain?> _streams = new();
    private readonly Dictionary<int, ulong> _l2Tables = new();
    private bool[] _asids = [];
    private bool[] _vmids = [];
    private int _batchCount;

    // Queues: base PA, log2 entries, the driver's shadow prod/cons (index with wrap bit).
    private ulong _cmdqPa, _evtqPa;
    private int _cmdqShift, _evtqShift;
    private uint _cmdqProd, _cmdqCons, _evtqCons, _evtqProd;
    private ulong _strtabPa;
    private uint _strtabCfg;
    private int _numL1Ents;
    private bool _probed, _reset;

    /// <summary>Creates the driver for the SMMU whose register window starts at <paramref name="smmuBase"/>.</summary>
    /// <param name="bus">System bus: MMIO to the SMMU and memory for its structures.</param>
    /// <param name="smmuBase">Physical base of the SMMU's 128 KiB register window.</param>
    /// <param name="pages">Page allocator for tables and queues (the kernel's DMA-coherent memory).</param>
    /// <param name="options">Driver options (defaults reproduce the capture).</param>
    public ArmSmmuV3Driver(SystemBus bus, ulong smmuBase, PhysicalPageAllocator pages, ArmSmmuV3DriverOptions? options = null)
    {
        _bus = bus;
        _base = smmuBase;
        _pages = pages;
        Options = options ?? new ArmSmmuV3DriverOptions();
    }

    /// <summary>Options.</summary>
    public ArmSmmuV3DriverOptions Options { get; }
    /// <summary>The page allocator the driver (and its io-pgtables) take memory from.</summary>
    public PhysicalPageAllocator Pages => _pages;
    /// <summary>The system bus.</summary>
    public SystemBus Bus => _bus;
    /// <summary>Features found by <see cref="Probe"/>.</summary>
    public ArmSmmuV3Features Features { get; private set; }
    /// <summary>smmu->ias: input address size of stage 2 (max of the S2 input size and OAS).</summary>
    public int Ias { get; private set; }
    /// <summary>smmu->oas (IDR5.OAS decoded).</summary>
    public int Oas { get; private set; }
    /// <summary>smmu->asid_bits (8 or 16).</summary>
    public int AsidBits { get; private set; }
    /// <summary>smmu->vmid_bits (8 or 16).</summary>
    public int VmidBits { get; private set; }
    /// <summary>smmu->sid_bits (IDR1.SIDSIZE).</summary>
    public int SidBits { get; private set; }
    /// <summary>smmu->ssid_bits (IDR1.SSIDSIZE).</summary>
    public int SsidBits { get; private set; }
    /// <summary>smmu->pgsize_bitmap from IDR5.GRAN*.</summary>
    public ulong PgsizeBitmap { get; private set; }
    /// <summary>log2 of the command queue entries chosen (max_n_shift after allocation).</summary>
    public int CmdqShift => _cmdqShift;
    /// <summary>log2 of the event queue entries chosen.</summary>
    public int EvtqShift => _evtqShift;
    /// <summary>True when the stream table is 2-level.</summary>
    public bool TwoLevelStreamTable => (_strtabCfg >> 16 & 3) == 1;
    /// <summary>ARM_SMMU_OPT_MSIPOLL: CMD_SYNC completion is signalled by an MSI write of 0 over the command.</summary>
    public bool MsiPoll { get; private set; }
    /// <summary>Physical address of the stream table (or of its level-1 table).</summary>
    public ulong StreamTableBase => _strtabPa;
    /// <summary>STRTAB_BASE_CFG as written.</summary>
    public uint StreamTableConfig => _strtabCfg;
    /// <summary>Physical base of the command queue.</summary>
    public ulong CommandQueueBase => _cmdqPa;
    /// <summary>Physical base of the event queue.</summary>
    public ulong EventQueueBase => _evtqPa;

    /// <summary>Every command issued, in order (only with <see cref="ArmSmmuV3DriverOptions.RecordCommands"/>).</summary>
    public IReadOnlyList<CmdqCommand> CommandLog => _log;
    /// <summary>Called for each command as it is written to the queue (before CMDQ_PROD is written).</summary>
    public event Action<CmdqCommand>? CommandIssued;
    /// <summary>Commands written to the queue.</summary>
    public long CommandsIssued { get; private set; }
    /// <summary>Kernel-style messages (dev_info/dev_err lines) the driver printed.</summary>
    public IReadOnlyList<string> KernelLog => _kernelLog;

    // ------------------------------------------------------------------ MMIO helpers

    private uint R32(ulong off)
    {
        _bus.Read(_base + off, 4, out ulong v, BusAttributes.Cpu);
        return (uint)v;
    }

    private void W32(ulong off, uint v) => _bus.Write(_base + off, 4, v, BusAttributes.Cpu);
    private void W64(ulong off, ulong v) => _bus.Write(_base + off, 8, v, BusAttributes.Cpu);

    private void Log(string level, string text) =>
        _kernelLog.Add(string.Create(CultureInfo.InvariantCulture, $"arm-smmu-v3 {Options.DeviceName}: {text}"));

    /// <summary>arm_smmu_write_reg_sync: write and wait for the ACK register to match (-ETIMEDOUT otherwise).</summary>
    private Errno WriteRegSync(ulong off, ulong ackOff, uint value)
    {
        W32(off, value);
        return R32(ackOff) == value ? Errno.None : Errno.ETIMEDOUT;
    }

    // ------------------------------------------------------------------ probe

    /// <summary>
    /// arm_smmu_device_hw_probe: reads SMMU_IDR0-5 into <see cref="Features"/>, sizes and masks. -ENXIO for an
    /// SMMU Linux refuses (no translation, no AArch64 tables, embedded implementation, tiny command queue).
    /// </summary>
    public Errno Probe()
    {
        uint reg = R32(Idr0);
        var f = ArmSmmuV3Features.None;
        // 2-level structures (IDR0.ST_LEVEL[28:27], CD2L[19])
        if ((reg >> 27 & 3) == 1) f |= ArmSmmuV3Features.TwoLevelStrtab;
        if ((reg & 1u << 19) != 0) f |= ArmSmmuV3Features.TwoLevelCdtab;
        switch (reg >> 21 & 3) // TTENDIAN
        {
            case 0: f |= ArmSmmuV3Features.TtLe | ArmSmmuV3Features.TtBe; break;
            case 2: f |= ArmSmmuV3Features.TtLe; break;
            case 3: f |= ArmSmmuV3Features.TtBe; break;
            default:
                Log("err", "unknown/unsupported TT endianness!");
                return Errno.ENXIO;
        }
        if ((reg & 1u << 16) != 0) f |= ArmSmmuV3Features.Pri;
        if ((reg & 1u << 10) != 0) f |= ArmSmmuV3Features.Ats;
        if ((reg & 1u << 14) != 0) f |= ArmSmmuV3Features.Sev;
        bool coherent = (reg & 1u << 4) != 0; // COHACC (the firmware's dma-coherent agrees on QEMU virt)
        if (coherent) f |= ArmSmmuV3Features.Coherency;
        MsiPoll = false;
        if ((reg & 1u << 13) != 0)
        {
            f |= ArmSmmuV3Features.Msi;
            if (coherent) MsiPoll = true;
        }
        if ((reg & 1u << 9) != 0) f |= ArmSmmuV3Features.Hyp; // E2H needs the kernel at EL2: not modelled
        switch (reg >> 24 & 3) // STALL_MODEL
        {
            case 0: f |= ArmSmmuV3Features.Stalls; break;
            case 2: f |= ArmSmmuV3Features.Stalls | ArmSmmuV3Features.StallForce; break;
        }
        if ((reg & 2) != 0) f |= ArmSmmuV3Features.TransS1;
        if ((reg & 1) != 0) f |= ArmSmmuV3Features.TransS2;
        if ((f & (ArmSmmuV3Features.TransS1 | ArmSmmuV3Features.TransS2)) == 0)
        {
            Log("err", "no translation support!");
            return Errno.ENXIO;
        }
        int ias = 0;
        switch (reg >> 2 & 3) // TTF
        {
            case 3: ias = 40; break; // AArch32 and AArch64
            case 2: break;
            default:
                Log("err", "AArch64 table format not supported!");
                return Errno.ENXIO;
        }
        AsidBits = (reg & 1u << 12) != 0 ? 16 : 8;
        VmidBits = (reg & 1u << 18) != 0 ? 16 : 8;

        reg = R32(Idr1);
        if ((reg & (7u << 29)) != 0) // TABLES_PRESET | QUEUES_PRESET | REL
        {
            Log("err", "embedded implementation not supported");
            return Errno.ENXIO;
        }
        int cmdqs = (int)(reg >> 21 & 0x1f), evtqs = (int)(reg >> 16 & 0x1f);
        _cmdqShift = Math.Min(QMaxSzShift - 4, cmdqs); // 16-byte commands
        if (_cmdqShift <= 6) // ilog2(BITS_PER_LONG): the batch must fit
        {
            Log("err", $"command queue size <= {CmdqBatchEntries} entries not supported");
            return Errno.ENXIO;
        }
        _evtqShift = Math.Min(QMaxSzShift - 5, evtqs); // 32-byte records
        SsidBits = (int)(reg >> 6 & 0x1f);
        SidBits = (int)(reg & 0x3f);
        if (SidBits <= StrtabSplit) f &= ~ArmSmmuV3Features.TwoLevelStrtab;

        reg = R32(Idr3);
        if ((reg & 1u << 10) != 0) f |= ArmSmmuV3Features.RangeInv;

        reg = R32(Idr5);
        ulong pg = 0;
        if ((reg & 1u << 6) != 0) pg |= 0x1_0000UL | 0x2000_0000UL;           // 64K, 512M
        if ((reg & 1u << 5) != 0) pg |= 0x4000UL | 0x200_0000UL;              // 16K, 32M
        if ((reg & 1u << 4) != 0) pg |= 0x1000UL | 0x20_0000UL | 0x4000_0000UL; // 4K, 2M, 1G
        if ((reg >> 10 & 3) == 1) f |= ArmSmmuV3Features.Vax;
        PgsizeBitmap = pg;
        Oas = (reg & 7) switch { 0 => 32, 1 => 36, 2 => 40, 3 => 42, 4 => 44, 5 => 48, 6 => 48, _ => 48 };
        if ((reg & 7) == 7) Log("info", $"unknown output address size. Truncating to 48-bit");
        Ias = Math.Max(ias, Oas);
        Features = f;
        _asids = new bool[1 << AsidBits];
        _vmids = new bool[1 << VmidBits];
        _probed = true;
        Log("info", string.Create(CultureInfo.InvariantCulture, $"ias {Ias}-bit, oas {Oas}-bit (features 0x{(uint)f:x8})"));
        return Errno.None;
    }

    // ------------------------------------------------------------------ structures and reset

    /// <summary>
    /// arm_smmu_init_structures + arm_smmu_device_reset: allocates the queues and the stream table (every STE
    /// abort, or bypass with disable_bypass = 0), programs CR1/CR2/STRTAB/CMDQ, issues CFGI_ALL, TLBI_EL2_ALL (with
    /// IDR0.HYP) and TLBI_NSNH_ALL, each + CMD_SYNC, programs EVTQ and the interrupt registers and sets SMMUEN.
    /// </summary>
    public Errno Reset()
    {
        if (!_probed) { var pe = Probe(); if (pe != Errno.None) return pe; }
        if (!_reset)
        {
            var e = InitQueue(16, ref _cmdqShift, out _cmdqPa);
            if (e != Errno.None) return e;
            e = InitQueue(32, ref _evtqShift, out _evtqPa);
            if (e != Errno.None) return e;
            e = InitStrtab();
            if (e != Errno.None) return e;
        }
        _cmdqProd = _cmdqCons = 0;
        _evtqProd = _evtqCons = 0;

        uint cr0 = R32(Cr0);
        if ((cr0 & Cr0SmmuEn) != 0) Log("warn", "SMMU currently enabled! Resetting...");
        if (WriteRegSync(Cr0, Cr0Ack, 0) != Errno.None) { Log("err", "failed to clear cr0"); return Errno.ETIMEDOUT; }
        // CR1: tables and queues inner-shareable, write-back (0xd75).
        W32(Cr1, 3u << 10 | 1u << 8 | 1u << 6 | 3u << 4 | 1u << 2 | 1u);
        W32(Cr2, 1u << 2 | 1u << 1); // PTM | RECINVSID
        W64(StrtabBase, _strtabPa | StrtabBaseRa);
        W32(StrtabBaseCfg, _strtabCfg);
        W64(CmdqBase, QBaseRwa | _cmdqPa | (uint)_cmdqShift);
        W32(CmdqProd, _cmdqProd);
        W32(CmdqCons, _cmdqCons);
        uint enables = Cr0CmdqEn;
        if (WriteRegSync(Cr0, Cr0Ack, enables) != Errno.None) { Log("err", "failed to enable command queue"); return Errno.ETIMEDOUT; }

        IssueWithSync(CmdqCommand.CfgiAll());
        if ((Features & ArmSmmuV3Features.Hyp) != 0) IssueWithSync(new CmdqCommand((byte)CmdqOpcode.TlbiEl2All, 0));
        IssueWithSync(CmdqCommand.TlbiNsnhAll());

        W64(EvtqBase, QBaseRwa | _evtqPa | (uint)_evtqShift);
        W32(EvtqProd, _evtqProd);
        W32(EvtqCons, _evtqCons);
        enables |= Cr0EvtqEn;
        if (WriteRegSync(Cr0, Cr0Ack, enables) != Errno.None) { Log("err", "failed to enable event queue"); return Errno.ETIMEDOUT; }

        // arm_smmu_setup_irqs: disable, clear the MSI address registers (wired interrupts), enable.
        if (WriteRegSync(IrqCtrl, IrqCtrlAck, 0) != Errno.None) { Log("err", "failed to disable irqs"); return Errno.ETIMEDOUT; }
        W64(GerrorIrqCfg0, 0);
        W64(EvtqIrqCfg0, 0);
        uint irqen = IrqCtrlEvtqIrqEn | IrqCtrlGerrorIrqEn;
        if ((Features & ArmSmmuV3Features.Pri) != 0) irqen |= IrqCtrlPriqIrqEn;
        if (WriteRegSync(IrqCtrl, IrqCtrlAck, irqen) != Errno.None) Log("warn", "failed to enable irqs");

        enables |= Cr0SmmuEn; // with disable_bypass = 0 Linux still enables: unattached STEs are bypass STEs
        if (WriteRegSync(Cr0, Cr0Ack, enables) != Errno.None) { Log("err", "failed to enable SMMU interface"); return Errno.ETIMEDOUT; }
        _reset = true;
        return Errno.None;
    }

    /// <summary>arm_smmu_init_one_queue: halve the queue until the allocation succeeds.</summary>
    private Errno InitQueue(int entryBytes, ref int shift, out ulong pa)
    {
        int entryLog2 = BitOperations.Log2((uint)entryBytes);
        while (true)
        {
            int bytesLog2 = shift + entryLog2;
            pa = bytesLog2 <= Options.QueueMaxBytesLog2 ? _pages.Alloc(Math.Max(1UL << bytesLog2, (ulong)_pages.PageSize)) : 0;
            if (pa != 0) return Errno.None;
            if ((1UL << bytesLog2) < (ulong)_pages.PageSize) return Errno.ENOMEM;
            shift--;
        }
    }

    private Errno InitStrtab()
    {
        bool twoLevel = Options.StreamTable switch
        {
            StreamTableFormat.Linear => false,
            _ => (Features & ArmSmmuV3Features.TwoLevelStrtab) != 0,
        };
        if (twoLevel)
        {
            // arm_smmu_init_strtab_2lvl: at most 2^17 L1 descriptors (1 MiB), SPLIT 8.
            int size = StrtabL1SzShift - 3;
            size = Math.Min(size, SidBits - StrtabSplit);
            _numL1Ents = 1 << size;
            size += StrtabSplit;
            if (size < SidBits)
                Log("warn", $"2-level strtab only covers {size}/{SidBits} bits of SID");
            ulong l1size = (ulong)_numL1Ents * 8;
            _strtabPa = _pages.Alloc(l1size);
            if (_strtabPa == 0) { Log("err", "failed to allocate l1 stream table"); return Errno.ENOMEM; }
            _strtabCfg = 1u << 16 | (uint)StrtabSplit << 6 | (uint)size;
        }
        else
        {
            // arm_smmu_init_strtab_linear: 2^SIDSIZE STEs, all abort/bypass.
            ulong size = (1UL << SidBits) * (ulong)Ste.Size;
            _strtabPa = _pages.Alloc(size);
            if (_strtabPa == 0) { Log("err", "failed to allocate linear stream table"); return Errno.ENOMEM; }
            _numL1Ents = 1 << SidBits;
            _strtabCfg = (uint)SidBits;
            InitBypassStes(_strtabPa, 1 << SidBits);
        }
        return Errno.None;
    }

    /// <summary>
    /// arm_smmu_init_bypass_stes: every STE abort (disable_bypass) or bypass; both carry SHCFG = incoming, as
    /// arm_smmu_write_strtab_ent's no-domain branch writes (the capture's unattached STEs read 0x1, 1 &lt;&lt; 44).
    /// </summary>
    private void InitBypassStes(ulong pa, int count)
    {
        ulong w0 = 1UL | (Options.DisableBypass ? 0UL : 4UL << 1);
        ulong w1 = 1UL << 44;
        for (int i = 0; i < count; i++)
        {
            ulong ste = pa + (ulong)i * Ste.Size;
            _pages.Memory.Write64(ste, w0);
            _pages.Memory.Write64(ste + 8, w1);
        }
    }

    /// <summary>Physical address of the STE of <paramref name="sid"/> (0 when its level-2 table is absent).</summary>
    public ulong SteAddress(uint sid)
    {
        if (!TwoLevelStreamTable) return (ulong)sid >> SidBits != 0 ? 0 : _strtabPa + (ulong)sid * Ste.Size;
        return _l2Tables.TryGetValue((int)(sid >> StrtabSplit), out ulong l2) ? l2 + (sid & ((1u << StrtabSplit) - 1)) * (ulong)Ste.Size : 0;
    }

    /// <summary>
    /// arm_smmu_probe_device: checks the StreamIDs (-ERANGE beyond SIDSIZE or the 2-level table) and, with a
    /// 2-level table, allocates each missing level-2 table (abort STEs) and writes its L1 descriptor (SPAN 9).
    /// </summary>
    public Errno ProbeDevice(IReadOnlyList<uint> streamIds)
    {
        if (!_reset) return Errno.ENODEV;
        foreach (uint sid in streamIds)
        {
            // arm_smmu_sid_in_range
            ulong limit = TwoLevelStreamTable ? (ulong)_numL1Ents << StrtabSplit : 1UL << SidBits;
            if (sid >= limit) return Errno.ERANGE;
            if (!TwoLevelStreamTable) continue;
            int l1 = (int)(sid >> StrtabSplit);
            if (_l2Tables.ContainsKey(l1)) continue;
            ulong size = (1UL << StrtabSplit) * (ulong)Ste.Size;
            ulong l2 = _pages.Alloc(size);
            if (l2 == 0)
            {
                Log("err", $"failed to allocate l2 stream table for SID {sid}");
                return Errno.ENOMEM;
            }
            InitBypassStes(l2, 1 << StrtabSplit);
            _l2Tables[l1] = l2;
            // arm_smmu_write_strtab_l1_desc: SPAN[4:0] = SPLIT + 1, L2Ptr[51:6].
            _pages.Memory.Write64(_strtabPa + (ulong)l1 * 8, (ulong)(StrtabSplit + 1) | (l2 & 0x000f_ffff_ffff_ffc0UL));
        }
        return Errno.None;
    }

    // ------------------------------------------------------------------ domains

    /// <summary>
    /// arm_smmu_domain_alloc: a domain of <paramref name="type"/> (DMA/DMA-FQ/UNMANAGED paging, IDENTITY bypass,
    /// BLOCKED is not offered by 6.1 arm-smmu-v3). Stage 1 by default (stage 2 when the SMMU has no stage 1 or
    /// <paramref name="stage"/> asks for it). Null when the configuration cannot be built.
    /// </summary>
    public IommuDomain? AllocDomain(IommuDomainType type, ArmSmmuStage stage = ArmSmmuStage.S1)
    {
        if (!_probed) return null;
        if (type == IommuDomainType.Blocked) return null;
        if (type == IommuDomainType.Dma && !Options.Strict) type = IommuDomainType.DmaFq;
        if (type == IommuDomainType.Identity) stage = ArmSmmuStage.Bypass;
        else
        {
            if (stage == ArmSmmuStage.S1 && (Features & ArmSmmuV3Features.TransS1) == 0) stage = ArmSmmuStage.S2;
            if (stage == ArmSmmuStage.S2 && (Features & ArmSmmuV3Features.TransS2) == 0) stage = ArmSmmuStage.S1;
        }
        var ops = ArmSmmuDomain.Create(this, type, stage);
        if (ops is null) return null;
        var domain = new IommuDomain(type, stage == ArmSmmuStage.Bypass ? null : ops);
        ops.Domain = domain;
        if (stage == ArmSmmuStage.Bypass) IdentityDomains[domain] = ops;
        return domain;
    }

    /// <summary>
    /// iommu_domain_free for a domain of this driver: detaches its remaining streams (abort STEs), frees its
    /// io-pgtable, CD table and ASID/VMID.
    /// </summary>
    public void FreeDomain(IommuDomain domain)
    {
        var d = DriverDomain(domain);
        if (d is null) return;
        d.Free();
        IdentityDomains.Remove(domain);
    }

    /// <summary>The driver half of identity domains (IommuDomain.Ops is null for them).</summary>
    internal Dictionary<IommuDomain, ArmSmmuDomain> IdentityDomains { get; } = new();

    /// <summary>The <see cref="ArmSmmuDomain"/> behind a domain this driver allocated (identity included), or null.</summary>
    public ArmSmmuDomain? DriverDomain(IommuDomain domain) =>
        domain.Ops as ArmSmmuDomain ?? (IdentityDomains.TryGetValue(domain, out var d) ? d : null);

    /// <summary>The domain a StreamID is attached to (null: none, the STE aborts or bypasses).</summary>
    public ArmSmmuDomain? StreamDomain(uint sid) => _streams.TryGetValue(sid, out var d) ? d : null;

    internal void SetStreamDomain(uint sid, ArmSmmuDomain? domain) => _streams[sid] = domain;

    internal int AllocAsid()
    {
        // xa_alloc with XA_LIMIT(1, (1 << asid_bits) - 1): lowest free.
        for (int i = 1; i < _asids.Length; i++) if (!_asids[i]) { _asids[i] = true; return i; }
        return -1;
    }

    internal void FreeAsid(int asid) { if (asid > 0 && asid < _asids.Length) _asids[asid] = false; }

    internal int AllocVmid()
    {
        for (int i = 1; i < _vmids.Length; i++) if (!_vmids[i]) { _vmids[i] = true; return i; }
        return -1;
    }

    internal void FreeVmid(int vmid) { if (vmid > 0 && vmid < _vmids.Length) _vmids[vmid] = false; }

    /// <summary>
    /// The STE for <paramref name="sid"/> with no domain: abort (disable_bypass) or bypass, then CFGI_STE +
    /// CMD_SYNC (6.1 arm_smmu_write_strtab_ent, "the SMMU can perform negative caching").
    /// </summary>
    internal void WriteAbortOrBypassSte(uint sid, bool bypass)
    {
        ulong ste = SteAddress(sid);
        if (ste == 0) return;
        var mem = _pages.Memory;
        ulong val = 1UL | (bypass ? 4UL << 1 : 0UL);
        mem.Write64(ste, val);
        mem.Write64(ste + 8, 1UL << 44); // SHCFG = incoming
        mem.Write64(ste + 16, 0);        // nuke the VMID
        SyncSte(sid);
    }

    internal void SyncSte(uint sid)
    {
        AddToBatch(CmdqCommand.CfgiSte(sid, leaf: true));
        SubmitBatch();
    }

    // ------------------------------------------------------------------ command queue

    /// <summary>arm_smmu_cmdq_issue_cmd: one command, no CMD_SYNC.</summary>
    public Errno Issue(in CmdqCommand cmd)
    {
        return IssueCmdList(new ReadOnlySpan<CmdqCommand>(in cmd), sync: false);
    }

    /// <summary>arm_smmu_cmdq_issue_cmd_with_sync: one command followed by CMD_SYNC, waited for.</summary>
    public Errno IssueWithSync(in CmdqCommand cmd)
    {
        return IssueCmdList(new ReadOnlySpan<CmdqCommand>(in cmd), sync: true);
    }

    /// <summary>arm_smmu_cmdq_batch_add: full batches of 64 are issued without a sync.</summary>
    internal void AddToBatch(in CmdqCommand cmd)
    {
        if (_batchCount == CmdqBatchEntries)
        {
            IssueCmdList(_batch.AsSpan(0, _batchCount), sync: false);
            _batchCount = 0;
        }
        _batch[_batchCount++] = cmd;
    }

    /// <summary>arm_smmu_cmdq_batch_submit: the batch (possibly empty) followed by CMD_SYNC.</summary>
    internal Errno SubmitBatch()
    {
        var e = IssueCmdList(_batch.AsSpan(0, _batchCount), sync: true);
        _batchCount = 0;
        return e;
    }

    private uint CmdqMask => (2u << _cmdqShift) - 1;

    /// <summary>
    /// arm_smmu_cmdq_issue_cmdlist (single CPU): waits for space, writes the commands (and a CMD_SYNC whose MSI
    /// targets its own first word when MSIPOLL), writes CMDQ_PROD once, then waits for the sync.
    /// </summary>
    private Errno IssueCmdList(ReadOnlySpan<CmdqCommand> cmds, bool sync)
    {
        if (!_reset && (R32(Cr0) & Cr0CmdqEn) == 0) return Errno.ENODEV;
        int n = cmds.Length + (sync ? 1 : 0);
        if (n == 0) return Errno.None;
        uint entries = 1u << _cmdqShift;
        if (!HasSpace(n))
        {
            _cmdqCons = R32(CmdqCons) & CmdqMask;
            if (!HasSpace(n))
            {
                HandleGlobalErrors();
                _cmdqCons = R32(CmdqCons) & CmdqMask;
                if (!HasSpace(n))
                {
                    Log("err", "CMDQ timeout");
                    return Errno.ETIMEDOUT;
                }
            }
        }
        uint prod = _cmdqProd;
        for (int i = 0; i < cmds.Length; i++)
        {
            WriteCmd(prod, cmds[i]);
            prod = (prod + 1) & CmdqMask;
        }
        uint syncSlot = prod;
        if (sync)
        {
            ulong msiaddr = MsiPoll ? _cmdqPa + (syncSlot & (entries - 1)) * (ulong)CmdqCommand.Size : 0;
            WriteCmd(prod, BuildSync(msiaddr));
            prod = (prod + 1) & CmdqMask;
        }
        _cmdqProd = prod;
        W32(CmdqProd, prod);
        if (!sync) return Errno.None;

        // arm_smmu_cmdq_poll_until_sync: MSI poll (the SMMU wrote 0 over the command's first word) or CONS.
        bool done;
        if (MsiPoll) done = _pages.Memory.Read32(_cmdqPa + (syncSlot & (entries - 1)) * (ulong)CmdqCommand.Size) == 0;
        else
        {
            done = (R32(CmdqCons) & CmdqMask) == prod; // single producer: everything up to the sync consumed
        }
        if (!done)
        {
            HandleGlobalErrors();
            if (MsiPoll) done = _pages.Memory.Read32(_cmdqPa + (syncSlot & (entries - 1)) * (ulong)CmdqCommand.Size) == 0;
            else done = (R32(CmdqCons) & CmdqMask) == prod;
        }
        _cmdqCons = R32(CmdqCons) & CmdqMask;
        if (!done)
        {
            Log("err", string.Create(CultureInfo.InvariantCulture,
                $"CMD_SYNC timeout at 0x{syncSlot:x8} [hwprod 0x{R32(CmdqProd):x8}, hwcons 0x{R32(CmdqCons):x8}]"));
            return Errno.ETIMEDOUT;
        }
        return Errno.None;
    }

    private bool HasSpace(int n)
    {
        uint entries = 1u << _cmdqShift;
        uint used = (_cmdqProd - _cmdqCons) & CmdqMask;
        if (used > entries) used = entries;
        return entries - used >= (uint)n;
    }

    private static CmdqCommand BuildSync(ulong msiaddr)
    {
        // CS = SIG_IRQ with an MSI address, else SIG_SEV; MSH = ISH; MSIATTR = OIWB (arm_smmu_cmdq_build_cmd).
        ulong d0 = (byte)CmdqOpcode.Sync | (msiaddr != 0 ? 1UL : 2UL) << 12 | 3UL << 22 | 0xfUL << 24;
        return new CmdqCommand(d0, msiaddr & 0x000f_ffff_ffff_fffcUL);
    }

    private void WriteCmd(uint prod, in CmdqCommand cmd)
    {
        ulong slot = _cmdqPa + (prod & ((1u << _cmdqShift) - 1)) * (ulong)CmdqCommand.Size;
        var mem = _pages.Memory;
        mem.Write64(slot, cmd.Dword0);
        mem.Write64(slot + 8, cmd.Dword1);
        CommandsIssued++;
        if (Options.RecordCommands) _log.Add(cmd);
        CommandIssued?.Invoke(cmd);
    }

    /// <summary>
    /// arm_smmu_gerror_handler: reports active global errors; a CMDQ error is skipped by rewriting the failing
    /// command as CMD_SYNC (arm_smmu_cmdq_skip_err) before acknowledging through GERRORN.
    /// </summary>
    public void HandleGlobalErrors()
    {
        uint gerror = R32(Gerror), gerrorn = R32(Gerrorn);
        uint active = gerror ^ gerrorn;
        if (active == 0) return;
        Log("warn", $"unexpected global error reported (0x{active:x8}), this could be serious");
        if ((active & GerrorCmdqErr) != 0)
        {
            uint cons = R32(CmdqCons);
            uint idx = cons >> 24 & 0x7f;
            string[] cerror = ["No error", "Illegal command", "Abort on command fetch", "ATC invalidate timeout"];
            Log("err", $"CMDQ error (cons 0x{cons:x8}): {(idx < cerror.Length ? cerror[idx] : "Unknown")}");
            if (idx != 2) // CERROR_ABT: nothing to skip
            {
                ulong slot = _cmdqPa + (cons & ((1u << _cmdqShift) - 1)) * (ulong)CmdqCommand.Size;
                Log("err", "skipping command in error state:");
                Log("err", $"\t0x{_pages.Memory.Read64(slot):x16}");
                Log("err", $"\t0x{_pages.Memory.Read64(slot + 8):x16}");
                var s = BuildSync(0);
                _pages.Memory.Write64(slot, s.Dword0);
                _pages.Memory.Write64(slot + 8, s.Dword1);
            }
        }
        W32(Gerrorn, gerror);
    }

    // ------------------------------------------------------------------ events

    /// <summary>
    /// arm_smmu_evtq_thread: consumes every record between EVTQ_CONS and EVTQ_PROD (CONS written back after each),
    /// prints "event 0xNN received:" with the four double-words, reports an overflow, and syncs the overflow flag.
    /// </summary>
    public IReadOnlyList<SmmuEventRecord> DrainEvents()
    {
        var list = new List<SmmuEventRecord>();
        if (!_reset) return list;
        uint entries = 1u << _evtqShift, mask = (2u << _evtqShift) - 1;
        Span<byte> rec = stackalloc byte[SmmuEventRecord.Size];
        for (int guard = 0; guard < 4; guard++)
        {
            while (((_evtqProd ^ _evtqCons) & mask) != 0)
            {
                ulong slot = _evtqPa + (_evtqCons & (entries - 1)) * (ulong)SmmuEventRecord.Size;
                _bus.Read(slot, rec);
                var e = SmmuEventRecord.Decode(rec);
                list.Add(e);
                Log("info", $"event 0x{(byte)e.Type:x2} received:");
                for (int i = 0; i < 4; i++)
                    Log("info", $"\t0x{System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(rec[(i * 8)..]):x16}");
                _evtqCons = (_evtqCons & 0x8000_0000u) | (((_evtqCons & mask) + 1) & mask);
                W32(EvtqCons, _evtqCons);
            }
            // queue_sync_prod_in
            uint prod = R32(EvtqProd);
            if (((prod ^ _evtqProd) & 0x8000_0000u) != 0) Log("err", "EVTQ overflow detected -- events lost");
            _evtqProd = prod;
            if (((_evtqProd ^ _evtqCons) & mask) == 0) break;
        }
        // Sync our overflow flag, as we believe we're up to speed.
        _evtqCons = (_evtqProd & 0x8000_0000u) | (_evtqCons & mask);
        W32(EvtqCons, _evtqCons);
        return list;
    }

    /// <summary>
    /// What iommu_probe_device does for a group on this SMMU (6.1): the default domain (DMA or DMA-FQ, with its
    /// dma-iommu cookie, see <see cref="HostSystem.CreateDefaultDmaDomain"/>), attached device by device, then
    /// iommu_create_device_direct_mappings' flush_iotlb_all (TLBI_NH_ASID + CMD_SYNC). Null on failure.
    /// </summary>
    public IommuDomain? AttachDefaultDomain(HostSystem host, IommuGroup group)
    {
        host.DomainFactory ??= t => AllocDomain(t);
        var domain = host.CreateDefaultDmaDomain(group, _pages);
        if (domain?.Ops is not ArmSmmuDomain d) return null;
        foreach (var dev in group.Devices)
            if (d.Attach(dev.StreamIds) != Errno.None) return null;
        d.FlushIotlbAll();
        return domain;
    }

    /// <summary>Makes <paramref name="host"/> build its paging domains with this driver (instead of bare io-pgtables).</summary>
    public void UseFor(HostSystem host) => host.DomainFactory = t => AllocDomain(t);
}
