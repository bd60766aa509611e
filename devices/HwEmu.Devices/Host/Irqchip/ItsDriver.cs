using System.Globalization;
using System.Numerics;
using HwEmu.Devices.Gic;
using HwEmu.Devices.Host.IoPgtable;
using HwEmu.Devices.Host.Iommu;
using HwEmu.Emulator.Bus;

namespace HwEmu.Devices.Host.Irqchip;

/// <summary>
/// The Linux GICv3 ITS driver (drivers/irqchip/irq-gic-v3-its.c, v6.1) as a host model: its_alloc_tables
/// (GITS_BASER page-size probe, indirect device table), the command queue (GITS_CBASER/CWRITER, GITS_CTLR),
/// the LPI configuration and pending tables with GICR_PROPBASER/PENDBASER + EnableLPIs, MAPC + INVALL per CPU,
/// and per device MAPD (Size = ilog2(nr_ites) - 1), MAPTI per vector, config byte + INV on (un)mask, MOVI on an
/// affinity change, DISCARD on free and MAPD V=0 when the last vector goes; every command that names a
/// collection is followed by SYNC to it. Only registers and memory are used.
/// </summary>
public sealed class ItsDriver
{
    private const ulong GitsCtlr = 0x0, GitsTyper = 0x8, GitsCbaser = 0x80, GitsCwriter = 0x88, GitsCreadr = 0x90, GitsBaser = 0x100;
    private const ulong GicrCtlr = 0x0, GicrTyper = 0x8, GicrPropbaser = 0x70, GicrPendbaser = 0x78;
    private const ulong CmdQueueSize = 0x1_0000; // ITS_CMD_QUEUE_SZ
    private const ulong BaserValid = 1UL << 63, BaserIndirect = 1UL << 62;
    private const ulong RaWaWb = 7UL << 59, InnerShareable = 1UL << 10;
    private const ulong ShareabilityMask = 3UL << 10;
    private const byte LpiPropDefault = 0xa0 | 0x2; // LPI_PROP_DEFAULT_PRIO | LPI_PROP_GROUP1
    private const byte LpiPropEnabled = 0x1;

    private readonly SystemBus _bus;
    private readonly ulong _base;
    private readonly Gicv3 _gic;
    private readonly PhysicalPageAllocator _pages;
    private readonly List<ItsCommand> _log = new();
    private readonly List<string> _kernelLog = new();
    private readonly Dictionary<uint, ItsDevice> _devices = new();
    private readonly List<(uint Base, uint Span)> _lpiRanges = new();
    private ulong[] _collectionTarget = [];
    private int[] _cpuLoad = [];
    private ulong _cmdPa;
    private uint _cmdWrite; // byte offset
    private ulong _typer;
    private ulong _propPa;
    private bool _ready;

    /// <summary>Creates the driver for <paramref name="its"/>.</summary>
    public ItsDriver(SystemBus bus, GicV3Its its, Gicv3 gic, PhysicalPageAllocator pages)
        : this(bus, its.Config.BaseAddress, gic, pages) { }

    /// <summary>Creates the driver for the ITS whose frame starts at <paramref name="itsBase"/>.</summary>
    /// <param name="bus">System bus (ITS, redistributors, memory).</param>
    /// <param name="itsBase">Physical base of the 128 KiB ITS frame.</param>
    /// <param name="gic">The GIC (for the redistributor and distributor addresses).</param>
    /// <param name="pages">Page allocator for the tables, the command queue and ITTs.</param>
    public ItsDriver(SystemBus bus, ulong itsBase, Gicv3 gic, PhysicalPageAllocator pages)
    {
        _bus = bus;
        _base = itsBase;
        _gic = gic;
        _pages = pages;
    }

    /// <summary>Physical address of GITS_TRANSLATER, the doorbell (its->phys_base + GITS_TRANSLATER).</summary>
    public ulong TranslaterAddress => _base + GicV3Its.TranslaterOffset;
    /// <summary>The ITS is upstream of the IOMMU (its doorbell writes are not translated).</summary>
    public bool UpstreamOfIommu { get; init; }
    /// <summary>LPI INTID bits (min(GICD_TYPER.IDbits + 1, 16)).</summary>
    public int LpiIdBits { get; private set; }
    /// <summary>Physical address of the LPI configuration (property) table.</summary>
    public ulong PropTable => _propPa;
    /// <summary>Physical address of each CPU's LPI pending table.</summary>
    public IReadOnlyList<ulong> PendingTables => _pendPa;
    private readonly List<ulong> _pendPa = new();
    /// <summary>Physical address of the command queue.</summary>
    public ulong CommandQueue => _cmdPa;
    /// <summary>The devices mapped (DeviceID -&gt; device).</summary>
    public IReadOnlyDictionary<uint, ItsDevice> Devices => _devices;
    /// <summary>Every command issued, in order.</summary>
    public IReadOnlyList<ItsCommand> CommandLog => _log;
    /// <summary>Called for each command as it is written to the queue.</summary>
    public event Action<ItsCommand>? CommandIssued;
    /// <summary>Kernel-style messages.</summary>
    public IReadOnlyList<string> KernelLog => _kernelLog;

    private ulong R64(ulong pa) { _bus.Read(pa, 8, out ulong v, BusAttributes.Cpu); return v; }
    private uint R32(ulong pa) { _bus.Read(pa, 4, out ulong v, BusAttributes.Cpu); return (uint)v; }
    private void W64(ulong pa, ulong v) => _bus.Write(pa, 8, v, BusAttributes.Cpu);
    private void W32(ulong pa, uint v) => _bus.Write(pa, 4, v, BusAttributes.Cpu);
    private void Log(string text) => _kernelLog.Add(text);
    private ulong RdBase(int cpu) => _gic.Config.RedistributorBase + (ulong)cpu * GicConfig.RedistributorStride;

    // ------------------------------------------------------------------ init

    /// <summary>
    /// its_probe_one + its_cpu_init_lpis + its_cpu_init_collection for every CPU. -ENXIO when a table setting
    /// does not stick, -ENOMEM when memory runs out.
    /// </summary>
    public Errno Init()
    {
        _typer = R64(_base + GitsTyper);
        // LPI property table: lpi_id_bits = min(GICD_TYPER.IDbits + 1, ITS_MAX_LPI_NRBITS).
        uint gicdTyper = R32(_gic.Config.DistributorBase + 0x4);
        LpiIdBits = Math.Min((int)(gicdTyper >> 19 & 0x1f) + 1, 16);
        _lpiRanges.Clear();
        _lpiRanges.Add((8192, 1u << LpiIdBits)); // its_lpi_init: free_lpi_range(8192, lpis)
        ulong propSize = Align64K(1UL << LpiIdBits);
        _propPa = _pages.Alloc(propSize);
        if (_propPa == 0) return Errno.ENOMEM;
        _pages.Memory.Fill(_propPa, propSize, LpiPropDefault);

        // its_reset_one (6.1.y): every GITS_BASER marked invalid before anything is reprogrammed.
        for (int i = 0; i < 8; i++) W64(_base + GitsBaser + (ulong)i * 8, 0);
        var e = AllocTables();
        if (e != Errno.None) return e;

        _cmdPa = _pages.Alloc(CmdQueueSize);
        if (_cmdPa == 0) return Errno.ENOMEM;
        ulong cbaser = _cmdPa | RaWaWb | InnerShareable | (CmdQueueSize / 0x1000 - 1) | BaserValid;
        W64(_base + GitsCbaser, cbaser);
        ulong tmp = R64(_base + GitsCbaser);
        if (((tmp ^ cbaser) & ShareabilityMask) != 0)
        {
            // Shareability did not stick: use non-cacheable, as the kernel does.
            cbaser = (cbaser & ~(ShareabilityMask | 7UL << 59)) | (tmp & ShareabilityMask) | 1UL << 59;
            W64(_base + GitsCbaser, cbaser);
        }
        _cmdWrite = 0;
        W64(_base + GitsCwriter, 0);
        uint ctlr = R32(_base + GitsCtlr);
        W32(_base + GitsCtlr, ctlr | 1);

        int cpus = _gic.Config.Cpus;
        _collectionTarget = new ulong[cpus];
        _cpuLoad = new int[cpus];
        _pendPa.Clear();
        bool pta = (_typer >> 19 & 1) != 0;
        for (int cpu = 0; cpu < cpus; cpu++)
        {
            e = CpuInitLpis(cpu);
            if (e != Errno.None) return e;
            // its_cpu_init_collection: target = RD address (PTA) or processor number << 16.
            ulong rd = RdBase(cpu);
            ulong target = pta ? rd : (R64(rd + GicrTyper) >> 8 & 0xffff) << 16;
            _collectionTarget[cpu] = target;
            e = Send(ItsCommand.Mapc((ushort)cpu, target >> 16, true), syncTarget: target);
            if (e == Errno.None) e = Send(ItsCommand.Invall((ushort)cpu), syncTarget: target);
            if (e != Errno.None) return e;
        }
        _ready = true;
        return Errno.None;
    }

    private static ulong Align64K(ulong v) => (v + 0xffff) & ~0xffffUL;

    private Errno CpuInitLpis(int cpu)
    {
        ulong rd = RdBase(cpu);
        ulong pendSize = Align64K((1UL << LpiIdBits) / 8);
        ulong pend = _pages.Alloc(Math.Max(pendSize, 0x1_0000));
        if (pend == 0) return Errno.ENOMEM;
        _pendPa.Add(pend);
        ulong prop = _propPa | InnerShareable | 7UL << 7 /* RaWaWb */ | (ulong)(uint)(LpiIdBits - 1);
        W64(rd + GicrPropbaser, prop);
        ulong pendbaser = pend | InnerShareable | 7UL << 7;
        W64(rd + GicrPendbaser, pendbaser);
        uint ctlr = R32(rd + GicrCtlr);
        W32(rd + GicrCtlr, ctlr | 1); // EnableLPIs
        return Errno.None;
    }

    /// <summary>its_alloc_tables: every implemented GITS_BASER gets memory (device table indirect when useful).</summary>
    private Errno AllocTables()
    {
        ulong cache = RaWaWb, shr = InnerShareable;
        for (int i = 0; i < 8; i++)
        {
            ulong reg = _base + GitsBaser + (ulong)i * 8;
            ulong val = R64(reg);
            int type = (int)(val >> 56 & 7);
            if (type == 0) continue;
            // its_probe_baser_psz: 64K, then 16K, then 4K.
            int psz = 0;
            foreach (var (size, field) in new[] { (0x1_0000, 2UL), (0x4000, 1UL), (0x1000, 0UL) })
            {
                val = R64(reg);
                val = (val & ~(3UL << 8)) | field << 8;
                W64(reg, val);
                if ((R64(reg) >> 8 & 3) == field) { psz = size; break; }
            }
            if (psz == 0) return Errno.ENXIO;
            int order = _pages.GetOrder((ulong)psz);
            bool indirect = false;
            if (type == 1) // GITS_BASER_TYPE_DEVICE
                indirect = ParseIndirect(reg, psz, ref order, (int)(_typer >> 13 & 0x1f) + 1);
            var e = SetupBaser(reg, psz, order, indirect, ref cache, ref shr);
            if (e != Errno.None) return e;
            if (type == 1)
            {
                ulong v = R64(reg);
                _devTable = (v & 0x0000_ffff_ffff_f000UL, psz, (int)(v >> 48 & 0x1f) + 1, indirect, (ulong)_pages.PageSize << order);
            }
        }
        return Errno.None;
    }

    private (ulong Pa, int Psz, int Esz, bool Indirect, ulong Bytes) _devTable;

    /// <summary>
    /// its_alloc_table_entry for the device table: the ID must fit; with an indirect table the level-2 page of
    /// the ID is allocated and its level-1 entry written (Valid | PA) when absent.
    /// </summary>
    private bool AllocDeviceTableEntry(uint id)
    {
        var t = _devTable;
        if (t.Pa == 0) return false;
        if (!t.Indirect) return (ulong)id < t.Bytes / (ulong)t.Esz;
        ulong perPage = (ulong)(t.Psz / t.Esz);
        ulong idx = id / perPage;
        if (idx >= t.Bytes / 8) return false;
        ulong l1 = t.Pa + idx * 8;
        if (_pages.Memory.Read64(l1) != 0) return true;
        ulong page = _pages.Alloc((ulong)t.Psz);
        if (page == 0) return false;
        _pages.Memory.Write64(l1, page | BaserValid);
        return true;
    }

    private bool ParseIndirect(ulong reg, int psz, ref int order, int ids)
    {
        ulong tmp = R64(reg);
        ulong esz = (tmp >> 48 & 0x1f) + 1;
        bool indirect = false;
        // No need to enable indirection if the flat table needs no more than two ITS pages.
        if ((esz << ids) > (ulong)psz * 2)
        {
            W64(reg, InnerShareable | RaWaWb | BaserIndirect);
            indirect = (R64(reg) & BaserIndirect) != 0;
            if (indirect)
            {
                ids -= BitOperations.Log2((ulong)psz / esz);
                esz = 8; // GITS_LVL1_ENTRY_SIZE
            }
        }
        order = Math.Max(_pages.GetOrder(esz << ids), order);
        const int maxOrder = 10; // MAX_ORDER - 1 (6.1, 4 KiB pages)
        if (order > maxOrder) order = maxOrder;
        return indirect;
    }

    private Errno SetupBaser(ulong reg, int psz, int order, bool indirect, ref ulong cache, ref ulong shr)
    {
        ulong val = R64(reg);
        ulong esz = (val >> 48 & 0x1f) + 1;
        ulong type = val >> 56 & 7;
        ulong bytes = (ulong)_pages.PageSize << order;
        ulong allocPages = bytes / (ulong)psz;
        if (allocPages > 256) { allocPages = 256; bytes = 256UL * (ulong)psz; }
        if (allocPages == 0) allocPages = 1;
        ulong pa = _pages.Alloc(Math.Max(bytes, (ulong)psz));
        if (pa == 0) return Errno.ENOMEM;
        for (int retry = 0; retry < 2; retry++)
        {
            val = pa | type << 56 | (esz - 1) << 48 | (allocPages - 1) | cache | shr | BaserValid;
            if (indirect) val |= BaserIndirect;
            val |= psz switch { 0x1000 => 0UL, 0x4000 => 1UL << 8, _ => 2UL << 8 };
            W64(reg, val);
            ulong tmp = R64(reg);
            if (((val ^ tmp) & ShareabilityMask) != 0 && retry == 0)
            {
                shr = tmp & ShareabilityMask;
                if (shr == 0) cache = 1UL << 59; // nC
                continue;
            }
            if (val != tmp)
            {
                Log(string.Create(CultureInfo.InvariantCulture, $"ITS@0x{_base:x16}: table {type} doesn't stick: {val:x} {tmp:x}"));
                _pages.Free(pa, Math.Max(bytes, (ulong)psz));
                return Errno.ENXIO;
            }
            break;
        }
        cache = val & (7UL << 59 | 7UL << 53);
        shr = val & ShareabilityMask;
        return Errno.None;
    }

    // ------------------------------------------------------------------ command queue

    /// <summary>
    /// its_send_single_command: the command, plus SYNC to <paramref name="syncTarget"/> when the command names a
    /// collection, one GITS_CWRITER write, then wait for GITS_CREADR to pass them. -ETIMEDOUT when the queue is
    /// stalled or full.
    /// </summary>
    private Errno Send(in ItsCommand cmd, ulong? syncTarget)
    {
        uint entries = (uint)(CmdQueueSize / ItsCommand.Size);
        int n = syncTarget is null ? 1 : 2;
        uint widx = _cmdWrite / ItsCommand.Size;
        uint ridx = (uint)(R64(_base + GitsCreadr) >> 5) & 0x7fff;
        for (int i = 1; i <= n; i++)
            if ((widx + (uint)i) % entries == ridx)
            {
                Log("ITS queue not draining");
                return Errno.ETIMEDOUT;
            }
        WriteCmd(cmd);
        if (syncTarget is ulong t) WriteCmd(ItsCommand.Sync(t >> 16));
        W32(_base + GitsCwriter, _cmdWrite);
        ulong creadr = R64(_base + GitsCreadr);
        if ((creadr & 1) != 0 || (uint)(creadr & 0xfffe0) != _cmdWrite)
        {
            Log(string.Create(CultureInfo.InvariantCulture, $"ITS queue timeout ({_cmdWrite} {creadr & 0xfffe0})"));
            return Errno.ETIMEDOUT;
        }
        return Errno.None;
    }

    private void WriteCmd(in ItsCommand cmd)
    {
        Span<byte> b = stackalloc byte[ItsCommand.Size];
        cmd.Write(b);
        _bus.Write(_cmdPa + _cmdWrite, b);
        _cmdWrite = (uint)((_cmdWrite + ItsCommand.Size) % CmdQueueSize);
        _log.Add(cmd);
        CommandIssued?.Invoke(cmd);
    }

    // ------------------------------------------------------------------ LPI ranges

    private uint AllocLpiRange(int nr)
    {
        for (int i = 0; i < _lpiRanges.Count; i++)
        {
            var (b, s) = _lpiRanges[i];
            if (s < (uint)nr) continue;
            if (s == (uint)nr) _lpiRanges.RemoveAt(i);
            else _lpiRanges[i] = (b + (uint)nr, s - (uint)nr);
            return b;
        }
        return 0;
    }

    private void FreeLpiRange(uint baseId, int nr)
    {
        int i = 0;
        while (i < _lpiRanges.Count && _lpiRanges[i].Base < baseId) i++;
        _lpiRanges.Insert(i, (baseId, (uint)nr));
        // merge with neighbours
        if (i + 1 < _lpiRanges.Count && _lpiRanges[i].Base + _lpiRanges[i].Span == _lpiRanges[i + 1].Base)
        {
            _lpiRanges[i] = (_lpiRanges[i].Base, _lpiRanges[i].Span + _lpiRanges[i + 1].Span);
            _lpiRanges.RemoveAt(i + 1);
        }
        if (i > 0 && _lpiRanges[i - 1].Base + _lpiRanges[i - 1].Span == _lpiRanges[i].Base)
        {
            _lpiRanges[i - 1] = (_lpiRanges[i - 1].Base, _lpiRanges[i - 1].Span + _lpiRanges[i].Span);
            _lpiRanges.RemoveAt(i);
        }
    }

    // ------------------------------------------------------------------ devices and vectors

    /// <summary>
    /// its_msi_prepare / its_create_device: an existing device is reused; otherwise an ITT for max(2, nvec
    /// rounded up to a power of two) events and an LPI range are allocated and MAPD (V=1) is sent. Null when the
    /// ITS is not initialised, the DeviceID is beyond GITS_TYPER.Devbits, or memory/LPIs run out.
    /// </summary>
    public ItsDevice? Prepare(uint deviceId, int nvec)
    {
        if (!_ready || nvec <= 0) return null;
        int devBits = (int)(_typer >> 13 & 0x1f) + 1;
        if (devBits < 32 && deviceId >> devBits != 0)
        {
            Log($"ITS: DeviceID 0x{deviceId:x} out of range");
            return null;
        }
        if (_devices.TryGetValue(deviceId, out var existing))
        {
            Log($"ITS: Reusing ITT for devID {deviceId:x}");
            return existing;
        }
        if (!AllocDeviceTableEntry(deviceId)) return null;
        nvec = (int)BitOperations.RoundUpToPowerOf2((uint)nvec);
        int nrItes = Math.Max(2, nvec);
        int iteSize = (int)(_typer >> 4 & 0xf) + 1;
        ulong sz = (ulong)Math.Max(nrItes * iteSize, 256) + 255;
        ulong itt = _pages.Alloc(sz);
        if (itt == 0) return null;
        // its_lpi_alloc: halve the request until a range is found.
        int nrLpis = nvec;
        uint lpiBase = 0;
        while (nrLpis > 0 && (lpiBase = AllocLpiRange(nrLpis)) == 0) nrLpis /= 2;
        if (lpiBase == 0)
        {
            _pages.Free(itt, sz);
            return null;
        }
        var dev = new ItsDevice(deviceId, nrItes, (itt + 255) & ~255UL, sz, lpiBase, nrLpis);
        // its_send_mapd: no SYNC (MAPD names no collection).
        if (Send(ItsCommand.Mapd(deviceId, dev.MapdSize, dev.IttAddress, true), syncTarget: null) != Errno.None)
        {
            FreeLpiRange(lpiBase, nrLpis);
            _pages.Free(itt, sz);
            return null;
        }
        _devices[deviceId] = dev;
        return dev;
    }

    /// <summary>its_pci_msi_prepare for a host device: its msi-map DeviceID (see <see cref="Prepare(uint, int)"/>).</summary>
    public ItsDevice? Prepare(HostDevice device, int nvec) => Prepare(device.MsiDeviceId, nvec);

    /// <summary>
    /// its_irq_domain_alloc + activate for <paramref name="count"/> vectors: an EventID each, LPI = base +
    /// EventID, routed to the least-loaded CPU, MAPTI + SYNC; the message is GITS_TRANSLATER (through the
    /// device's IOMMU domain, see <see cref="MsiComposer"/>) with data = EventID. -ENOSPC when the device's
    /// events are exhausted, -ENOMEM when the doorbell cannot be mapped.
    /// </summary>
    public Errno AllocateVectors(ItsDevice device, int count, out IReadOnlyList<MsiVector> vectors,
        IommuDomain? domain = null, int dmaMaskBits = 64)
    {
        var list = new List<MsiVector>(count);
        vectors = list;
        if (!device.Mapped) return Errno.EINVAL;
        for (int i = 0; i < count; i++)
        {
            int ev = device.AllocEvent();
            if (ev < 0) return Errno.ENOSPC;
            var err = MsiComposer.Compose(domain, TranslaterAddress, (uint)ev, UpstreamOfIommu, out var msg, dmaMaskBits);
            if (err != Errno.None) { device.FreeEvent((uint)ev); return err; }
            int cpu = 0;
            for (int c = 1; c < _cpuLoad.Length; c++) if (_cpuLoad[c] < _cpuLoad[cpu]) cpu = c;
            _cpuLoad[cpu]++;
            device.SetCpu((uint)ev, cpu);
            uint lpi = device.LpiBase + (uint)ev;
            list.Add(new MsiVector((uint)ev, lpi, msg));
            err = Send(ItsCommand.Mapti(device.DeviceId, (uint)ev, lpi, (ushort)cpu), _collectionTarget[cpu]);
            if (err != Errno.None) return err; // the vector stays allocated, as an activation failure leaves it
        }
        return Errno.None;
    }

    private Errno UpdateConfig(ItsDevice device, uint eventId, byte clr, byte set)
    {
        if (!device.IsAllocated(eventId)) return Errno.EINVAL;
        uint lpi = device.LpiBase + eventId;
        ulong cfg = _propPa + (lpi - 8192);
        byte v = _pages.Memory.Read8(cfg);
        v = (byte)((v & ~clr) | set | 0x2); // | LPI_PROP_GROUP1
        _pages.Memory.Write8(cfg, v);
        // No GICR_TYPER.DirectLPI: invalidate through the ITS (its_send_inv).
        return Send(ItsCommand.Inv(device.DeviceId, eventId), _collectionTarget[device.TargetCpu(eventId)]);
    }

    /// <summary>its_unmask_irq: set the enable bit of the LPI's configuration byte, then INV + SYNC.</summary>
    public Errno Unmask(ItsDevice device, uint eventId) => UpdateConfig(device, eventId, 0, LpiPropEnabled);

    /// <summary>its_mask_irq: clear the enable bit, then INV + SYNC.</summary>
    public Errno Mask(ItsDevice device, uint eventId) => UpdateConfig(device, eventId, LpiPropEnabled, 0);

    /// <summary>its_set_affinity: MOVI to the new CPU's collection + SYNC to it (nothing when unchanged).</summary>
    public Errno SetAffinity(ItsDevice device, uint eventId, int cpu)
    {
        if (!device.IsAllocated(eventId) || cpu < 0 || cpu >= _collectionTarget.Length) return Errno.EINVAL;
        int from = device.TargetCpu(eventId);
        if (from == cpu) return Errno.None;
        _cpuLoad[from]--;
        _cpuLoad[cpu]++;
        device.SetCpu(eventId, cpu);
        return Send(ItsCommand.Movi(device.DeviceId, eventId, (ushort)cpu), _collectionTarget[cpu]);
    }

    /// <summary>
    /// its_irq_domain_deactivate + free: DISCARD + SYNC; when the device's last vector goes, its LPIs are
    /// returned and MAPD V=0 is sent (no SYNC). A caller shutting an interrupt down masks it first.
    /// </summary>
    public Errno Free(ItsDevice device, uint eventId)
    {
        if (!device.IsAllocated(eventId)) return Errno.EINVAL;
        int cpu = device.TargetCpu(eventId);
        var e = Send(ItsCommand.Discard(device.DeviceId, eventId), _collectionTarget[cpu]);
        _cpuLoad[cpu]--;
        device.FreeEvent(eventId);
        if (device.Empty)
        {
            FreeLpiRange(device.LpiBase, device.NrLpis);
            var e2 = Send(ItsCommand.Mapd(device.DeviceId, device.MapdSize, device.IttAddress, false), syncTarget: null);
            device.Mapped = false;
            _devices.Remove(device.DeviceId);
            _pages.Free(device.IttAddress & ~((ulong)_pages.PageSize - 1), device.IttBytes);
            if (e == Errno.None) e = e2;
        }
        return e;
    }
}
