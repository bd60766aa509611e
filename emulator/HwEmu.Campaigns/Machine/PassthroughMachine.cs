using System.Buffers.Binary;
using HwEmu.Devices.Gic;
using HwEmu.Devices.Smmu;
using HwEmu.Emulator.Bus;
using HwEmu.Emulator.Kernel;
using HwEmu.Emulator.Memory;

namespace HwEmu.Campaigns;

/// <summary>
/// The campaign target: RAM, an SMMUv3 (linear stream table, stage-1 CDs, 4 KiB tables), a GICv3 with an ITS or a
/// GICv2m frame, and <see cref="MachineSpec.Devices"/> assigned PCIe functions behind one switch. A Linux-like host
/// programs everything through registers and memory (arm-smmu-v3, its-gic, dma-iommu with the MSI page at IOVA
/// 0x8000000), then each step k: the host maps a buffer for device k mod N and writes a descriptor in it; the
/// device reads the descriptor, writes a result, and sends an MSI; the host drains the event queue and unmaps
/// (strict or lazy invalidation). One instance is one run: single-threaded, deterministic, never shared.
/// Faults from a <see cref="FaultPlan"/> are applied through the models' own state: memory bytes, the command
/// queue, the TLB, the doorbell mapping and the device's transactions.
/// </summary>
public sealed class PassthroughMachine : IEventHandler, ISmmuObserver, IGicObserver
{
    /// <summary>Base of RAM.</summary>
    public const ulong RamBase = 0x4000_0000;
    /// <summary>Size of RAM.</summary>
    public const ulong RamSize = 0x1000_0000;
    /// <summary>IOVA of the MSI page (VFIO's MSI_IOVA_BASE; dma-iommu's iommu_dma_get_msi_page maps it).</summary>
    public const ulong MsiIova = 0x0800_0000;
    /// <summary>Offset of the doorbell register in its 4 KiB page: GITS_TRANSLATER (0x10040) and MSI_SETSPI_NS (0x40).</summary>
    public const ulong DoorbellOffset = 0x40;
    /// <summary>Base of the devices' 64 KiB BARs (bus addresses, identity-mapped on the host).</summary>
    public const ulong BarBase = 0x10_0000_0000;
    /// <summary>Size of one BAR.</summary>
    public const ulong BarSize = 0x1_0000;
    /// <summary>IOVA region no device ever has mapped.</summary>
    public const ulong UnmappedIova = 0x7000_0000;
    /// <summary>First IOVA of every device's buffers.</summary>
    public const ulong IovaBase = 0x1000_0000;
    /// <summary>First LPI INTID used (device d vector v gets LPI 8192 + 32 d + v).</summary>
    public const uint FirstLpi = 8192;
    /// <summary>First SPI of the GICv2m frame (QEMU virt: 80..143).</summary>
    public const uint FirstSpi = 80;
    /// <summary>ARM_SMMU_POLL_TIMEOUT_US: how long Linux polls a CMD_SYNC before "CMD_SYNC timeout".</summary>
    public const ulong SyncTimeoutPs = 1_000_000UL * 1_000_000;
    /// <summary>Bytes of a descriptor / result.</summary>
    public const int DmaBytes = 64;

    private const ulong StrtabBase = RamBase;                 // 512 STEs × 64 B
    private const int StrtabLog2 = 9;
    private const ulong CmdqBase = RamBase + 0x1_0000;        // 256 × 16 B
    private const int CmdqLog2 = 8;
    private const ulong EvtqBase = RamBase + 0x2_0000;        // up to 1024 × 32 B
    private const ulong CdBase = RamBase + 0x3_0000;
    private const ulong ItsDeviceTable = RamBase + 0x10_0000;
    private const ulong ItsCollectionTable = RamBase + 0x11_0000;
    private const ulong ItsCommandQueue = RamBase + 0x12_0000;
    private const ulong LpiPropTable = RamBase + 0x13_0000;
    private const ulong LpiPendBase = RamBase + 0x20_0000;     // 64 KiB per CPU
    private const ulong IttBase = RamBase + 0x30_0000;         // 4 KiB per device
    private const ulong TablePool = RamBase + 0x100_0000;
    private const ulong BufferPool = RamBase + 0x800_0000;
    private const ulong StolenPage = RamBase + 0xF00_0000;     // where a misdirected doorbell mapping points
    private const ulong ItsBase = 0x0808_0000;
    private const ulong V2mBase = 0x0802_0000;
    private const ulong GicdBase = 0x0800_0000;
    private const int EventBits = 5;                           // ITT of 32 EventIDs (MAPD Size = 4)
    private const int PoolPages = 64;

    private enum Ev : ulong { HostMap = 1, DeviceWork = 2, HostUnmap = 3, Arm = 4, DelayedCommand = 5 }

    private readonly MachineSpec _spec;
    private readonly FaultPlan? _fault;
    private readonly Simulator _sim = new();
    private readonly PhysicalMemory _mem;
    private readonly SystemBus _bus;
    private readonly SmmuV3 _smmu;
    private readonly Gicv3 _gic;
    private readonly GicV3Its? _its;
    private readonly GicV2mFrame? _v2m;
    private readonly RunObservation _obs;
    private readonly StageOnePageTable[] _tables;
    private readonly ushort[] _asid;
    private readonly ulong[] _lastIova;
    private readonly Stack<ulong>[] _freeIova;
    private readonly ulong[] _nextIova;
    private readonly List<(int Device, ulong Iova)> _flushQueue = new();
    private readonly List<CmdqCommand> _heldCommands = new();
    private readonly ulong[] _stepIova;
    private ulong _tableNext = TablePool;
    private int _poolNext;
    private ulong _nowPs, _lastTranslatePs;
    private int _curStep = -1, _curWriter = -1;

    // Fault state.
    private bool _armed, _fired, _stopDrain;
    private long _dmaCount, _msiCount, _mapCount, _unmapCount;
    private long _cmdCount, _tlbiCount, _cfgiCount, _syncCount;
    private ulong _stuckAddress;
    private int _stuckBit = -1;
    private bool _stuckValue;
    private ulong _spikeStartPs, _spikeEndPs, _spikeExtraPs;

    /// <summary>
    /// Builds the machine and programs it as the host does at boot and VFIO attach (time 0). A
    /// <paramref name="memory"/> from an earlier run of the same thread may be passed in: it is zeroed first, which
    /// saves re-allocating its radix tables (large-object-heap arrays) on every run.
    /// </summary>
    public PassthroughMachine(MachineSpec spec, FaultPlan? fault, RunObservation observation, PhysicalMemory? memory = null)
    {
        _spec = spec;
        _fault = fault;
        _obs = observation;
        _mem = memory ?? new PhysicalMemory();
        if (memory != null)
            foreach (ulong pfn in memory.PopulatedPages()) memory.Fill(pfn << PhysicalMemory.PageShift, PhysicalMemory.PageSize, 0);
        _bus = new SystemBus(_mem);
        _bus.AddRam(RamBase, RamSize);
        _bus.AddRam(BarBase, BarSize * (ulong)spec.Devices, "bars");
        _smmu = new SmmuV3(_bus, new SmmuConfig { Tlb = new CacheGeometry(spec.TlbEntries, 4), EvtqMaxLog2 = 10 }) { Observer = this };
        // LPIs 8192..16383 are enough (8 devices × 32 EventIDs); small tables keep a run's allocation low.
        _gic = new Gicv3(_bus, new GicConfig { Cpus = spec.Cpus, LpiIdBits = 14, DeliveryLogCapacity = 16 }) { Observer = this };
        _gic.Attach();
        if (spec.Msi == MsiKind.Its)
        {
            _its = new GicV3Its(_gic);
            _its.Attach();
        }
        else
        {
            _v2m = new GicV2mFrame("gicv2m", _gic.Distributor, FirstSpi, 64);
            _bus.AddDevice(V2mBase, GicV2mFrame.FrameSize, _v2m);
        }
        int n = spec.Devices;
        _tables = new StageOnePageTable[n];
        _asid = new ushort[n];
        _lastIova = new ulong[n];
        _freeIova = new Stack<ulong>[n];
        _nextIova = new ulong[n];
        _stepIova = new ulong[spec.Steps];
        for (int d = 0; d < n; d++)
        {
            _freeIova[d] = new Stack<ulong>();
            _nextIova[d] = IovaBase;
            _lastIova[d] = IovaBase;
        }
        if (fault is { } f && f.Trigger == TriggerKind.Time) _sim.ScheduleAt((ulong)f.At * 1000, this, (ulong)Ev.Arm << 56);
        Boot();
        for (int k = 0; k < spec.Steps; k++)
        {
            ulong t = StepStartPs(k);
            _sim.ScheduleAt(t, this, Payload(Ev.HostMap, k));
            _sim.ScheduleAt(t + 100_000, this, Payload(Ev.DeviceWork, k));
            _sim.ScheduleAt(t + spec.StepNs * 500, this, Payload(Ev.HostUnmap, k));
        }
    }

    /// <summary>The SMMU (tests inspect it).</summary>
    public SmmuV3 Smmu => _smmu;

    /// <summary>Emulated memory.</summary>
    public PhysicalMemory Memory => _mem;

    /// <summary>StreamID (= requester ID = DeviceID) of device <paramref name="d"/>: bus 1, device d.</summary>
    public static uint StreamId(int d) => 0x100u | ((uint)d << 3);

    /// <summary>Bus address of device <paramref name="d"/>'s BAR.</summary>
    public static ulong Bar(int d) => BarBase + (ulong)d * BarSize;

    /// <summary>INTID of device <paramref name="d"/>'s vector <paramref name="v"/>.</summary>
    public uint IntId(int d, int v) => _spec.Msi == MsiKind.Its ? FirstLpi + 32u * (uint)d + (uint)v : FirstSpi + (uint)(d * _spec.Vectors + v);

    /// <summary>The MSI data device <paramref name="d"/> writes for vector <paramref name="v"/> (EventID or SPI).</summary>
    public uint MsiData(int d, int v) => _spec.Msi == MsiKind.Its ? (uint)v : IntId(d, v);

    private ulong StepStartPs(int k) => (ulong)(k + 1) * _spec.StepNs * 1000;

    private static ulong Payload(Ev ev, int arg) => ((ulong)ev << 56) | (uint)arg;

    /// <summary>Runs all steps (or until a hang); exceptions escape to the caller, which records them.</summary>
    public void Run()
    {
        _sim.RunUntilIdle();
    }

    // ------------------------------------------------------------------ boot: what the drivers do

    private void Boot()
    {
        // arm-smmu-v3: queues and the linear stream table, then SMMUEN (IHI 0070 §6.3).
        SmmuReg(SmmuRegister.StrtabBase, StrtabBase);
        SmmuReg(SmmuRegister.StrtabBaseCfg, StrtabLog2);
        SmmuReg(SmmuRegister.CmdqBase, CmdqBase | CmdqLog2);
        SmmuReg(SmmuRegister.EventqBase, EvtqBase | (uint)_spec.EventQueueLog2);
        SmmuReg(SmmuRegister.Cr0, 0b1100);
        SmmuReg(SmmuRegister.Cr0, 0b1101);

        if (_its != null) BootIts();
        else BootV2m();

        for (int d = 0; d < _spec.Devices; d++)
        {
            _asid[d] = (ushort)(d + 1);
            _tables[d] = new StageOnePageTable(_mem, AllocTable);
            MapDoorbell(d);
            WriteCd(d);
            // STE: V, Config = S1 translate (0b101), S1ContextPtr, S1CDMax 0 (IHI 0070 §5.2).
            ulong ste = StrtabBase + StreamId(d) * 64UL;
            _mem.Write64(ste + 8, 0);
            _mem.Write64(ste, 1UL | (0b101UL << 1) | CdAddress(d));
            Submit(CmdqCommand.CfgiSte(StreamId(d)), CommandKind.Cfgi);
        }
        Submit(CmdqCommand.Sync(), CommandKind.Sync);
    }

    private void BootIts()
    {
        ulong baser0 = ItsReg(0x100), baser1 = ItsReg(0x108);
        ItsWrite(0x100, (baser0 & 0x0700_0000_0000_0300UL) | ItsDeviceTable | (1UL << 63));
        ItsWrite(0x108, (baser1 & 0x0700_0000_0000_0300UL) | ItsCollectionTable | (1UL << 63));
        ItsWrite(0x80, ItsCommandQueue | 15 | (1UL << 63));
        ItsWrite(0x88, 0);
        for (int c = 0; c < _spec.Cpus; c++)
        {
            ulong rd = _gic.Config.RedistributorBase + (ulong)c * GicConfig.RedistributorStride;
            BusOk(_bus.Write(rd + 0x70, 8, LpiPropTable | 13, BusAttributes.Cpu)); // IDbits 13: 14-bit INTIDs
            BusOk(_bus.Write(rd + 0x78, 8, LpiPendBase + (ulong)c * 0x1_0000, BusAttributes.Cpu));
            BusOk(_bus.Write(rd, 4, 1, BusAttributes.Cpu));
        }
        ItsWrite(0x0, 1, 4);
        var cmds = new List<ItsCommand>();
        for (int c = 0; c < Math.Min(_spec.Cpus, _spec.Devices); c++) cmds.Add(ItsCommand.Mapc((ushort)c, (ulong)c, true));
        for (int d = 0; d < _spec.Devices; d++)
        {
            cmds.Add(ItsCommand.Mapd(StreamId(d), EventBits - 1, Itt(d), true));
            for (int v = 0; v < _spec.Vectors; v++)
            {
                _mem.Write8(LpiPropTable + IntId(d, v) - FirstLpi, 0xA3); // priority 0xA0, group 1, enabled
                cmds.Add(ItsCommand.Mapti(StreamId(d), (uint)v, IntId(d, v), Collection(d)));
            }
        }
        for (int c = 0; c < Math.Min(_spec.Cpus, _spec.Devices); c++) cmds.Add(ItsCommand.Invall((ushort)c));
        Span<byte> b = stackalloc byte[32];
        for (int i = 0; i < cmds.Count; i++)
        {
            cmds[i].Write(b);
            _mem.Write(ItsCommandQueue + (ulong)i * 32, b);
        }
        ItsWrite(0x88, (ulong)cmds.Count << 5);
    }

    private void BootV2m()
    {
        BusOk(_bus.Write(GicdBase, 4, 2, BusAttributes.Cpu)); // GICD_CTLR.EnableGrp1NS
        for (int d = 0; d < _spec.Devices; d++)
            for (int v = 0; v < _spec.Vectors; v++)
            {
                uint intId = IntId(d, v);
                BusOk(_bus.Write(GicdBase + 0x100 + intId / 32 * 4, 4, 1UL << (int)(intId % 32), BusAttributes.Cpu));
                BusOk(_bus.Write(GicdBase + 0x6100 + (intId - 32) * 8, 8, (ulong)Collection(d), BusAttributes.Cpu));
            }
    }

    private ushort Collection(int d) => (ushort)(d % Math.Min(_spec.Cpus, _spec.Devices));

    private static ulong Itt(int d) => IttBase + (ulong)d * 0x1000;

    private static ulong CdAddress(int d) => CdBase + (ulong)d * 64;

    private ulong DoorbellPage => _its != null ? ItsBase + 0x1_0000 : V2mBase;

    private void MapDoorbell(int d) => _tables[d].Map(MsiIova, DoorbellPage);

    private void WriteCd(int d)
    {
        // CD: T0SZ 16, TG0 4 KiB, EPD1, V, IPS 48-bit, AA64, R, A, ASID; TTB0 (IHI 0070 §5.4).
        ulong w0 = 16UL | (1UL << 30) | (1UL << 31) | (5UL << 32) | (1UL << 41) | (1UL << 45) | (1UL << 46) | ((ulong)_asid[d] << 48);
        _mem.Write64(CdAddress(d) + 8, _tables[d].Root);
        _mem.Write64(CdAddress(d), w0);
    }

    private ulong AllocTable()
    {
        ulong a = _tableNext;
        _tableNext += 0x1000;
        _mem.Fill(a, 0x1000, 0);
        return a;
    }

    private void SmmuReg(SmmuRegister id, ulong value)
    {
        var def = _smmu.Registers.Definitions[(int)id];
        _smmu.Write(def.Offset, def.Width, value, BusAttributes.Cpu);
    }

    private ulong SmmuRead(SmmuRegister id)
    {
        var def = _smmu.Registers.Definitions[(int)id];
        _smmu.Read(def.Offset, def.Width, out ulong v, BusAttributes.Cpu);
        return v;
    }

    private ulong ItsReg(ulong offset)
    {
        _bus.Read(ItsBase + offset, 8, out ulong v, BusAttributes.Cpu);
        return v;
    }

    private void ItsWrite(ulong offset, ulong value, int size = 8) => BusOk(_bus.Write(ItsBase + offset, size, value, BusAttributes.Cpu));

    private static void BusOk(BusStatus status)
    {
        if (status != BusStatus.Ok) throw new InvalidOperationException($"host register write failed: {status}");
    }

    // ------------------------------------------------------------------ the run

    /// <inheritdoc/>
    public void OnEvent(ulong payload)
    {
        _nowPs = _sim.Now;
        int arg = (int)(uint)payload;
        switch ((Ev)(payload >> 56))
        {
            case Ev.HostMap: HostMap(arg); break;
            case Ev.DeviceWork: DeviceWork(arg); break;
            case Ev.HostUnmap: HostUnmap(arg); break;
            case Ev.Arm: Arm(); break;
            case Ev.DelayedCommand: SubmitRaw(_heldCommands[arg]); break;
        }
    }

    private int DeviceOf(int step) => step % _spec.Devices;

    private void HostMap(int k)
    {
        _curStep = k;
        if (k == _spec.EffectiveDomainSwitchStep) SwitchDomain(0);
        int d = DeviceOf(k);
        ulong iova = _freeIova[d].Count > 0 ? _freeIova[d].Pop() : Bump(d);
        // Buffers rotate through a pool (FIFO) so a reused IOVA gets a different page, as a driver's buffers do.
        ulong pa = BufferPool + (ulong)(_poolNext++ % PoolPages) * 0x1000;
        Span<byte> desc = stackalloc byte[DmaBytes];
        for (int i = 0; i < DmaBytes; i++) desc[i] = (byte)(k * 31 + i * 7 + 1);
        _mem.Write(pa, desc);
        _tables[d].Map(iova, pa);
        _stepIova[k] = iova;
        _lastIova[d] = iova;
        Count(ref _mapCount, TriggerEvent.Map);
        if (_fault is { Trigger: TriggerKind.Step } f && f.At == k) Arm();
        if (_armed && !_fired && _fault is { } g && FaultModels.IsMemoryFault(g.Model) && g.Structure == StructureKind.Pte && g.Device == d)
            ApplyMemoryFault(g);
        ReapplyStuck();
    }

    private ulong Bump(int d)
    {
        ulong a = _nextIova[d];
        _nextIova[d] += 0x1000;
        return a;
    }

    private void SwitchDomain(int d)
    {
        if (_spec.Invalidation == InvalidationMode.Lazy) FlushLazy();
        ushort old = _asid[d];
        _asid[d] = (ushort)(old + 16);
        _tables[d] = new StageOnePageTable(_mem, AllocTable);
        MapDoorbell(d);
        if (_fault is { Model: FaultModel.DoorbellMissing or FaultModel.DoorbellElsewhere } f && _fired && f.Device == d) MisMapDoorbell(d);
        WriteCd(d);
        Submit(CmdqCommand.CfgiCd(StreamId(d), 0), CommandKind.Cfgi);
        Submit(CmdqCommand.Sync(), CommandKind.Sync);
        Submit(CmdqCommand.TlbiNhAsid(0, old), CommandKind.Tlbi);
        Submit(CmdqCommand.Sync(), CommandKind.Sync);
    }

    private void DeviceWork(int k)
    {
        if (_obs.Hang) return;
        _curStep = k;
        int d = DeviceOf(k);
        ReapplyStuck();
        ulong start = _nowPs;
        ulong iova = _stepIova[k];
        bool target = _armed && !_fired && _fault is { } f0 && f0.Device == d;
        var model = _fault?.Model;

        // 1. Descriptor read.
        Span<byte> buf = stackalloc byte[DmaBytes];
        var status = Dma(d, k, 0, write: false, iova, buf, _nowPs, out ulong t);
        if (target && model == FaultModel.CompletionError && status == DmaStatus.Ok)
        {
            Fire();
            status = _fault!.Value.Status switch { CompletionStatus.Ur or CompletionStatus.Ca => DmaStatus.CompletionError, _ => DmaStatus.Poisoned };
            bool reported = status == DmaStatus.CompletionError || _spec.DeviceChecksPoison;
            if (reported) _obs.Detections.Add(new Detection(DetectionKind.PcieAer, (uint)_fault.Value.Status, t));
            if (status == DmaStatus.Poisoned && !_spec.DeviceChecksPoison)
            {
                buf.Fill(0xFF); // the device consumes the poisoned payload
                status = DmaStatus.Ok;
            }
            var last = _obs.Dma[^1];
            _obs.Dma[^1] = last with { Status = status, DataHash = Hash(buf) };
        }
        if (target && model == FaultModel.TlbCorrupt && status == DmaStatus.Ok) CorruptTlb(d, iova);

        // 2. Result write (skipped when the device saw an error completion: it reports instead).
        Span<byte> result = stackalloc byte[DmaBytes];
        for (int i = 0; i < DmaBytes; i++) result[i] = (byte)(buf[i] ^ (byte)(k + 0x5A));
        if (status == DmaStatus.Ok) Dma(d, k, 1, write: true, iova + 0x800, result, t, out t);
        else _obs.Dma.Add(new DmaObservation(k, d, 1, true, iova + 0x800, 0, 0, DmaStatus.NotIssued, t));

        // 3. Faulty extra accesses of this device.
        int seq = 2;
        if (target && model == FaultModel.DmaOutside) { Fire(); OutsideDma(d, k, ref seq, ref t); }
        if (target && model == FaultModel.EventqOverflow)
        {
            Fire();
            _stopDrain = true;
            long burst = _fault!.Value.Value >= 0 ? _fault.Value.Value : (1L << _spec.EventQueueLog2) + 4;
            Span<byte> tiny = stackalloc byte[4];
            for (long i = 0; i < burst; i++) Dma(d, k, seq++, write: false, UnmappedIova + (ulong)i * 0x1000, tiny, t, out t);
        }

        // 4. Completion MSI.
        if (status == DmaStatus.Ok)
        {
            int v = k % _spec.Vectors;
            if (target && model == FaultModel.DropMsi) { Fire(); Count(ref _msiCount, TriggerEvent.Msi); }
            else
            {
                Msi(d, k, MsiData(d, v), ref t);
                if (target && model == FaultModel.DuplicateMsi) { Fire(); Msi(d, k, MsiData(d, v), ref t); }
            }
            if (target && model == FaultModel.RogueMsi) { Fire(); RogueMsi(d, k, ref t); }
        }

        if (t - start > _spec.HangBoundNs * 1000)
        {
            _obs.Hang = true;
            _obs.HangTimePs = start + _spec.HangBoundNs * 1000;
            _sim.RequestStop();
            return;
        }
        _obs.StepsCompleted = k + 1;
    }

    private void HostUnmap(int k)
    {
        if (_obs.Hang) return;
        _curStep = k;
        DrainEvents();
        int d = DeviceOf(k);
        ulong iova = _stepIova[k];
        _tables[d].Unmap(iova);
        Count(ref _unmapCount, TriggerEvent.Unmap);
        if (_spec.Invalidation == InvalidationMode.Strict)
        {
            // arm_smmu_tlb_inv_range_asid: TLBI_NH_VA (leaf) then CMD_SYNC, before the IOVA goes back to the allocator.
            Submit(CmdqCommand.TlbiAddress(CmdqOpcode.TlbiNhVa, 0, _asid[d], iova, leaf: true), CommandKind.Tlbi);
            Submit(CmdqCommand.Sync(), CommandKind.Sync);
            _freeIova[d].Push(iova);
        }
        else
        {
            _flushQueue.Add((d, iova));
            if (_flushQueue.Count >= _spec.LazyBatch) FlushLazy();
        }
        ReapplyStuck();
    }

    private void FlushLazy()
    {
        if (_flushQueue.Count == 0) return;
        // Flush queue: one ASID-wide invalidation per domain with queued IOVAs, then the IOVAs are freed.
        for (int d = 0; d < _spec.Devices; d++)
        {
            bool any = false;
            foreach (var e in _flushQueue) any |= e.Device == d;
            if (any) Submit(CmdqCommand.TlbiNhAsid(0, _asid[d]), CommandKind.Tlbi);
        }
        Submit(CmdqCommand.Sync(), CommandKind.Sync);
        foreach (var e in _flushQueue) _freeIova[e.Device].Push(e.Iova);
        _flushQueue.Clear();
    }

    private void DrainEvents()
    {
        if (_stopDrain) return;
        uint prod = (uint)SmmuRead(SmmuRegister.EventqProd);
        // CONS = PROD, acknowledging an overflow (OVACKFLG = OVFLG), as arm_smmu_evtq_thread does.
        SmmuReg(SmmuRegister.EventqCons, prod);
    }

    // ------------------------------------------------------------------ device transactions

    private DmaStatus Dma(int d, int k, int seq, bool write, ulong iova, Span<byte> data, ulong at, out ulong doneAt)
    {
        Count(ref _dmaCount, TriggerEvent.Dma);
        ulong issue = Math.Max(at, _lastTranslatePs);
        _nowPs = issue;
        uint sid = StreamId(d);
        var attrs = new BusAttributes(RequesterId: (ushort)sid, DeviceId: sid);
        ulong pa;
        ulong done;
        if (!_spec.Acs && IsPeerBar(d, iova, (ulong)data.Length))
        {
            // No ACS P2P Request Redirect: the switch routes the request to the peer's BAR; the SMMU never sees it.
            pa = iova;
            done = issue + 50_000;
        }
        else
        {
            var tx = new SmmuTransaction { StreamId = sid, Address = iova, Size = (uint)data.Length, Write = write };
            _smmu.Translate(tx, issue, out var r);
            _lastTranslatePs = issue;
            if (!r.Succeeded)
            {
                doneAt = Math.Max(r.CompletionTimePs, issue);
                _obs.Dma.Add(new DmaObservation(k, d, seq, write, iova, 0, 0, DmaStatus.SmmuAbort, doneAt));
                return DmaStatus.SmmuAbort;
            }
            pa = r.OutputAddress;
            done = Math.Max(r.CompletionTimePs, issue) + MemoryLatencyPs(issue);
        }
        var st = write ? _bus.Write(pa, data, attrs) : _bus.Read(pa, data, attrs);
        doneAt = done;
        if (st != BusStatus.Ok)
        {
            // A read gets UR and the device reports it (AER); a posted write to nothing is dropped silently.
            if (!write) _obs.Detections.Add(new Detection(DetectionKind.PcieAer, (uint)CompletionStatus.Ur, done));
            _obs.Dma.Add(new DmaObservation(k, d, seq, write, iova, pa, 0, DmaStatus.CompletionError, done));
            return DmaStatus.CompletionError;
        }
        _obs.Dma.Add(new DmaObservation(k, d, seq, write, iova, pa, Hash(data), DmaStatus.Ok, done));
        return DmaStatus.Ok;
    }

    private bool IsPeerBar(int d, ulong address, ulong size) =>
        address >= BarBase && address + size <= BarBase + BarSize * (ulong)_spec.Devices && (int)((address - BarBase) / BarSize) != d;

    private ulong MemoryLatencyPs(ulong issue) =>
        _spec.MemoryLatencyNs * 1000 + (issue >= _spikeStartPs && issue < _spikeEndPs ? _spikeExtraPs : 0);

    private void Msi(int d, int k, uint data, ref ulong t)
    {
        Count(ref _msiCount, TriggerEvent.Msi);
        ulong issue = Math.Max(t, _lastTranslatePs);
        _nowPs = issue;
        uint sid = StreamId(d);
        var tx = new SmmuTransaction { StreamId = sid, Address = MsiIova + DoorbellOffset, Size = 4, Write = true };
        _smmu.Translate(tx, issue, out var r);
        _lastTranslatePs = issue;
        if (!r.Succeeded)
        {
            _obs.Dma.Add(new DmaObservation(k, d, 100, true, MsiIova + DoorbellOffset, 0, data, DmaStatus.SmmuAbort, issue));
            return;
        }
        ulong at = Math.Max(r.CompletionTimePs, issue);
        t = at;
        if (_its != null) _its.CurrentTimePs = at;
        if (_v2m != null) _v2m.CurrentTimePs = at;
        _curWriter = d;
        _nowPs = at;
        var st = _bus.Write(r.OutputAddress, 4, data, new BusAttributes(RequesterId: (ushort)sid, DeviceId: sid));
        _curWriter = -1;
        if (!_bus.IsRam(r.OutputAddress, 4) && st == BusStatus.Ok) return; // reached a doorbell: seen as an interrupt (or an ITS drop)
        // The doorbell mapping led elsewhere: the MSI is an ordinary write that landed in memory (or nowhere).
        _obs.Dma.Add(new DmaObservation(k, d, 100, true, MsiIova + DoorbellOffset, r.OutputAddress, data,
            st == BusStatus.Ok ? DmaStatus.Ok : DmaStatus.CompletionError, at));
    }

    private void RogueMsi(int d, int k, ref ulong t)
    {
        var f = _fault!.Value;
        int victim = f.Other % _spec.Devices;
        int v = f.Index % _spec.Vectors;
        uint data = f.Value >= 0 ? (uint)f.Value : MsiData(victim, v);
        Msi(d, k, data, ref t);
    }

    private void OutsideDma(int d, int k, ref int seq, ref ulong t)
    {
        var f = _fault!.Value;
        ulong data = f.Value >= 0 ? (ulong)f.Value : f.Salt & 0xFFFF_FFFF;
        ulong address = f.Region switch
        {
            OutsideRegion.Unmapped => UnmappedIova + (f.Salt >> 32) % 0x100 * 0x1000 + (ulong)(f.Offset >= 0 ? f.Offset & 0xFFC : 0),
            OutsideRegion.MsiWindow => MsiIova + (ulong)(f.Offset >= 0 ? f.Offset & 0xFFC : (long)DoorbellOffset),
            _ => Bar(f.Other % _spec.Devices) + (ulong)(f.Offset >= 0 ? f.Offset & 0xFFFC : 0),
        };
        if (f.Region == OutsideRegion.MsiWindow)
        {
            // A DMA write into the MSI window is, to the doorbell, indistinguishable from an MSI.
            var tx = new SmmuTransaction { StreamId = StreamId(d), Address = address, Size = 4, Write = true };
            ulong issue = Math.Max(t, _lastTranslatePs);
            _smmu.Translate(tx, issue, out var r);
            _lastTranslatePs = issue;
            if (!r.Succeeded) { _obs.Dma.Add(new DmaObservation(k, d, seq++, true, address, 0, 0, DmaStatus.SmmuAbort, issue)); return; }
            ulong at = Math.Max(r.CompletionTimePs, issue);
            if (_its != null) _its.CurrentTimePs = at;
            if (_v2m != null) _v2m.CurrentTimePs = at;
            _curWriter = d;
            _nowPs = at;
            var st = _bus.Write(r.OutputAddress, 4, data, new BusAttributes(RequesterId: (ushort)StreamId(d), DeviceId: StreamId(d)));
            _curWriter = -1;
            if (st != BusStatus.Ok) _obs.Detections.Add(new Detection(DetectionKind.PcieAer, (uint)CompletionStatus.Ca, at));
            t = at;
            return;
        }
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)data);
        Dma(d, k, seq++, write: true, address, b, t, out ulong done);
        t = Math.Max(t, done);
    }

    private static ulong Hash(ReadOnlySpan<byte> data)
    {
        ulong h = 14695981039346656037UL;
        foreach (byte b in data) { h ^= b; h *= 1099511628211UL; }
        return h;
    }

    // ------------------------------------------------------------------ SMMU command submission

    private void Submit(CmdqCommand cmd, CommandKind kind)
    {
        _cmdCount++;
        long nth = kind switch
        {
            CommandKind.Tlbi => _tlbiCount++,
            CommandKind.Cfgi => _cfgiCount++,
            _ => _syncCount++,
        };
        if (_fault is { } f && !_fired)
        {
            bool commandFault = f.Model is FaultModel.DropCommand or FaultModel.DelayCommand or FaultModel.CmdqCorrupt;
            bool kindMatches = f.Command == CommandKind.Any || f.Command == kind;
            if (f.Trigger == TriggerKind.Nth && f.Of == TriggerEvent.Command)
            {
                long occurrence = commandFault && f.Command != CommandKind.Any ? nth : _cmdCount - 1;
                if ((!commandFault || kindMatches) && occurrence == f.At) Arm();
            }
            if (_armed && commandFault && kindMatches)
            {
                Fire();
                switch (f.Model)
                {
                    case FaultModel.DropCommand:
                        if (kind == CommandKind.Sync)
                            _obs.Detections.Add(new Detection(DetectionKind.SyncTimeout, 0, _nowPs + SyncTimeoutPs));
                        return;
                    case FaultModel.DelayCommand:
                        _heldCommands.Add(cmd);
                        _sim.Schedule(f.Ns * 1000, this, Payload(Ev.DelayedCommand, _heldCommands.Count - 1));
                        return;
                    case FaultModel.CmdqCorrupt:
                        int bit = (int)((f.Bit >= 0 ? (ulong)f.Bit : f.Salt) % 128);
                        SubmitRaw(cmd, bit);
                        return;
                }
            }
        }
        SubmitRaw(cmd);
    }

    private void SubmitRaw(CmdqCommand cmd) => SubmitRaw(cmd, -1);

    private void SubmitRaw(CmdqCommand cmd, int flipBit)
    {
        uint entries = 1u << CmdqLog2, wrap = (entries << 1) - 1;
        uint prod = (uint)SmmuRead(SmmuRegister.CmdqProd) & wrap;
        ulong a = CmdqBase + (prod & (entries - 1)) * 16UL;
        _mem.Write64(a, cmd.Dword0);
        _mem.Write64(a + 8, cmd.Dword1);
        if (flipBit >= 0)
        {
            ulong wa = a + (ulong)(flipBit / 64) * 8;
            _mem.Write64(wa, _mem.Read64(wa) ^ (1UL << (flipBit % 64)));
        }
        SmmuReg(SmmuRegister.CmdqProd, (prod + 1) & wrap);
        if (_smmu.CommandQueue.ErrorPending)
        {
            // arm_smmu_cmdq_skip_err: "CMDQ error (cons ...)", replace the bad command with CMD_SYNC, ack GERROR.
            _obs.Detections.Add(new Detection(DetectionKind.SmmuGerror, (uint)(SmmuRead(SmmuRegister.CmdqCons) >> 24) & 0x7f, _nowPs));
            uint cons = (uint)SmmuRead(SmmuRegister.CmdqCons) & wrap;
            ulong ca = CmdqBase + (cons & (entries - 1)) * 16UL;
            var sync = CmdqCommand.Sync();
            _mem.Write64(ca, sync.Dword0);
            _mem.Write64(ca + 8, sync.Dword1);
            SmmuReg(SmmuRegister.Gerrorn, SmmuRead(SmmuRegister.Gerror));
        }
    }

    // ------------------------------------------------------------------ fault application

    private void Count(ref long counter, TriggerEvent kind)
    {
        long n = counter++;
        if (_fault is { Trigger: TriggerKind.Nth } f && f.Of == kind && f.At == n && !_armed) Arm();
    }

    private void Arm()
    {
        if (_armed || _fault is not { } f) return;
        _armed = true;
        switch (f.Model)
        {
            case FaultModel.BitFlip or FaultModel.StuckAt0 or FaultModel.StuckAt1 when f.Structure != StructureKind.Pte:
                ApplyMemoryFault(f);
                break;
            case FaultModel.DoorbellMissing or FaultModel.DoorbellElsewhere:
                Fire();
                MisMapDoorbell(f.Device % _spec.Devices);
                Submit(CmdqCommand.TlbiAddress(CmdqOpcode.TlbiNhVa, 0, _asid[f.Device % _spec.Devices], MsiIova, leaf: true), CommandKind.Tlbi);
                Submit(CmdqCommand.Sync(), CommandKind.Sync);
                break;
            case FaultModel.LatencySpike:
                Fire();
                _spikeStartPs = _nowPs;
                _spikeEndPs = _nowPs + f.DurationNs * 1000;
                _spikeExtraPs = f.Ns * 1000;
                break;
        }
    }

    private void Fire()
    {
        if (_fired) return;
        _fired = true;
        _obs.InjectedPs = _nowPs;
    }

    private void MisMapDoorbell(int d)
    {
        if (_fault!.Value.Model == FaultModel.DoorbellMissing) _tables[d].Unmap(MsiIova);
        else _tables[d].Map(MsiIova, StolenPage);
    }

    private void ApplyMemoryFault(FaultPlan f)
    {
        int d = f.Device % _spec.Devices;
        var (address, width) = f.Structure switch
        {
            StructureKind.Pte => (_tables[d].DescriptorAddress(_lastIova[d], Math.Clamp(f.Index, 0, 3)), 64),
            StructureKind.Ste => (StrtabBase + StreamId(d) * 64UL, 512),
            StructureKind.Cd => (CdAddress(d), 512),
            StructureKind.Dte => (ItsDeviceTable + StreamId(d) * (ulong)QemuItsTableFormat.Instance.DteSize, QemuItsTableFormat.Instance.DteSize * 8),
            StructureKind.Ite => (Itt(d) + (ulong)(f.Index % _spec.Vectors) * (ulong)QemuItsTableFormat.Instance.IteSize, QemuItsTableFormat.Instance.IteSize * 8),
            _ => (ItsCollectionTable + Collection(d) * (ulong)QemuItsTableFormat.Instance.CteSize, QemuItsTableFormat.Instance.CteSize * 8),
        };
        int bit = (int)((f.Bit >= 0 ? (ulong)f.Bit : f.Salt) % (ulong)width);
        Fire();
        ulong byteAddress = address + (ulong)(bit / 8);
        byte mask = (byte)(1 << (bit % 8));
        byte old = _mem.Read8(byteAddress);
        if (f.Model == FaultModel.BitFlip) _mem.Write8(byteAddress, (byte)(old ^ mask));
        else
        {
            _stuckAddress = byteAddress;
            _stuckBit = bit % 8;
            _stuckValue = f.Model == FaultModel.StuckAt1;
            ReapplyStuck();
        }
    }

    private void ReapplyStuck()
    {
        if (_stuckBit < 0) return;
        byte old = _mem.Read8(_stuckAddress), mask = (byte)(1 << _stuckBit);
        byte v = _stuckValue ? (byte)(old | mask) : (byte)(old & ~mask);
        if (v != old) _mem.Write8(_stuckAddress, v);
    }

    private void CorruptTlb(int d, ulong iova)
    {
        var tlb = _smmu.Tlb;
        for (int i = 0; i < tlb.Capacity; i++)
        {
            ref readonly var e = ref tlb[i];
            if (!e.Valid || e.Asid != _asid[d] || ((iova ^ e.VaBase) & ~e.Mask) != 0) continue;
            var f = _fault!.Value;
            int bit = 12 + (int)((f.Bit >= 0 ? (ulong)f.Bit : f.Salt) % 28); // output-address bits 12..39
            var copy = e;
            copy.PaBase ^= 1UL << bit;
            tlb.Overwrite(i, copy);
            Fire();
            return;
        }
    }

    // ------------------------------------------------------------------ observers

    void ISmmuObserver.OnTranslation(in SmmuTransaction transaction, in TranslationResult result) { }

    void ISmmuObserver.OnCommand(in CmdqCommand command, CmdqError error, int cycles) { }

    void ISmmuObserver.OnEvent(in SmmuEventRecord record, bool written)
    {
        if (written) _obs.Detections.Add(new Detection(DetectionKind.SmmuEvent, (uint)record.Type, _nowPs));
        else
        {
            _obs.EventsLost++;
            _obs.Detections.Add(new Detection(DetectionKind.SmmuEventLost, (uint)record.Type, _nowPs));
        }
    }

    void IGicObserver.OnItsCommand(GicV3Its its, in ItsCommandRecord record) { }

    void IGicObserver.OnMsiTranslated(GicV3Its its, in MsiTranslation translation)
    {
        if (translation.Dropped) _obs.Detections.Add(new Detection(DetectionKind.ItsDrop, (uint)translation.Result, translation.DoorbellPs));
    }

    void IGicObserver.OnInterruptDelivered(in GicDelivery delivery)
    {
        if (_curStep < 0) return;
        _obs.Interrupts.Add(new InterruptObservation(_curStep, _curWriter, delivery.IntId, delivery.Cpu, Owner(delivery.IntId), delivery.SignalledPs));
    }

    private int Owner(uint intId)
    {
        int d, v;
        if (_spec.Msi == MsiKind.Its)
        {
            if (intId < FirstLpi) return -1;
            d = (int)((intId - FirstLpi) / 32);
            v = (int)((intId - FirstLpi) % 32);
        }
        else
        {
            if (intId < FirstSpi) return -1;
            d = (int)(intId - FirstSpi) / _spec.Vectors;
            v = (int)(intId - FirstSpi) % _spec.Vectors;
        }
        return d < _spec.Devices && v < _spec.Vectors ? d : -1;
    }
}
