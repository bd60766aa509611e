using HwEmu.Devices.Host;
using HwEmu.Devices.Host.ArmSmmuV3;
using HwEmu.Devices.Host.Irqchip;
using HwEmu.Devices.Host.IoPgtable;
using HwEmu.Devices.Host.Iommu;
using HwEmu.Devices.Host.Vfio;
using HwEmu.Devices.Pcie;
using HwEmu.Emulator.Bus;

namespace HwEmu.Devices.Platform.Machine;

/// <summary>Options of the host software model for a run.</summary>
public sealed record HostSetupOptions
{
    /// <summary>vfio_iommu_type1.allow_unsafe_interrupts (lets VFIO accept a GICv2m platform).</summary>
    public bool AllowUnsafeInterrupts { get; init; }
    /// <summary>Bytes at the top of DRAM given to the kernel's page allocator (page tables, queues, ITS tables).</summary>
    public ulong KernelPoolBytes { get; init; } = 64UL << 20;
}

/// <summary>The host software refused the scenario the way Linux would (e.g. VFIO's interrupt-isolation check).</summary>
public sealed class HostSetupException : Exception
{
    /// <summary>Creates the exception with the kernel's message and error number.</summary>
    public HostSetupException(string message, Errno errno) : base(message) => Errno = errno;
    /// <summary>The error number the failing call returned.</summary>
    public Errno Errno { get; }
}

/// <summary>
/// Does what Linux and the VFIO user do before the workload starts, through the host model: enumerate the scenario's
/// topology into IOMMU groups, give each device its domain (a VFIO type1 container, a DMA domain, or identity), map
/// the device's buffers and rings with the domain's page size into io-pgtable tables in emulated memory, compose the
/// MSI doorbell address through the domain (the MSI cookie maps it for VFIO) and program the device's MSI-X table
/// through its MMIO interface.
/// </summary>
/// <remarks>
/// DRAM layout: the top <see cref="HostSetupOptions.KernelPoolBytes"/> is the kernel's page pool; the rest is the
/// pool the buffers come from. A buffer larger than that pool is backed by the pool repeatedly (as a process mapping
/// one hugepage file several times): DMA data is timed, not stored, so aliasing pages changes no result.
/// </remarks>
public sealed class HostSetup
{
    private readonly MachineHardware _hw;
    private readonly HostSetupOptions _options;
    private readonly IRunObserver? _observer;
    private readonly ulong _bufferPoolBase, _bufferPoolSize;
    private VfioContainer? _container;
    private ulong _nextVaddr = 0x10_0000_0000;
    private readonly Dictionary<object, ulong> _iovaCursor = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<IommuGroup, IommuDomain> _groupDomains = [];
    private readonly List<(ulong Vaddr, ulong Size, ulong Granule)> _userRegions = [];

    private HostSetup(MachineHardware hw, HostSetupOptions options, IRunObserver? observer)
    {
        _hw = hw;
        _options = options;
        _observer = observer;
        MemorySpec m = hw.Scenario.Platform.Memory;
        ulong pool = Math.Min(options.KernelPoolBytes, m.Size / 2) & ~0xfffUL;
        Allocator = new PhysicalPageAllocator(hw.Memory, m.Base + m.Size - pool, pool);
        _bufferPoolBase = m.Base;
        _bufferPoolSize = m.Size - pool;
        Host = new HostSystem(ScenarioHostPlatform.Build(hw.Scenario));
        MsiControllerSpec msi = hw.Scenario.Platform.Msi;
        bool upstream = msi.Position == MsiPosition.Upstream;

        // Boot: the SMMUv3 driver probes and resets the SMMU (stream table, queues, SMMUEN), and becomes the
        // host's domain allocator; the irqchip driver initialises the ITS (tables, collections) or the v2m frame.
        // irq-gic-v3.c gic_dist_init: affinity routing and Group 1 (non-secure) interrupts enabled at the distributor
        // (GICD_CTLR.ARE_NS | EnableGrp1NS), without which no SPI (GICv2m MSIs) reaches a CPU interface.
        hw.Bus.Read(msi.GicdBase, 4, out ulong gicdCtlr, BusAttributes.Cpu);
        hw.Bus.Write(msi.GicdBase, 4, gicdCtlr | 0x10 | 0x2, BusAttributes.Cpu);

        SmmuDriver = new ArmSmmuV3Driver(hw.Bus, hw.Scenario.Platform.Smmu.Base, Allocator, new ArmSmmuV3DriverOptions());
        Check(SmmuDriver.Reset(), "arm-smmu-v3 probe/reset", SmmuDriver.KernelLog);
        SmmuDriver.UseFor(Host);
        if (hw.Its is not null)
        {
            ItsDriver = new ItsDriver(hw.Bus, hw.Its, hw.Gic, Allocator) { UpstreamOfIommu = upstream };
            Check(ItsDriver.Init(), "ITS init", ItsDriver.KernelLog);
        }
        else
        {
            V2mDriver = new GicV2mDriver(hw.Bus, msi.Base, msi.GicdBase) { UpstreamOfIommu = upstream };
            Check(V2mDriver.Init(), "GICv2m init", []);
        }
    }

    private static void Check(Errno e, string what, IReadOnlyList<string> log)
    {
        if (e != Errno.None)
            throw new HostSetupException($"{what} failed with -{e}" + (log.Count > 0 ? ": kernel says \"" + log[^1] + "\"" : ""), e);
    }

    /// <summary>The arm-smmu-v3 driver model that programmed the SMMU.</summary>
    public ArmSmmuV3Driver SmmuDriver { get; }
    /// <summary>The ITS driver (ITS platforms).</summary>
    public ItsDriver? ItsDriver { get; }
    /// <summary>The GICv2m driver (GICv2m platforms).</summary>
    public GicV2mDriver? V2mDriver { get; }

    /// <summary>The host model.</summary>
    public HostSystem Host { get; }
    /// <summary>The kernel's page allocator (tables and queues live in emulated DRAM).</summary>
    public PhysicalPageAllocator Allocator { get; }
    /// <summary>The VFIO container, when a device is assigned through VFIO.</summary>
    public VfioContainer? Container => _container;
    /// <summary>Kernel log lines (VFIO messages).</summary>
    public IReadOnlyList<string> KernelLog => _container?.KernelLog ?? [];

    /// <summary>
    /// Sets up every device of the scenario; returns the bindings in device order. Throws
    /// <see cref="HostSetupException"/> when the host refuses (with the kernel's message).
    /// </summary>
    public static IReadOnlyList<DeviceBinding> Run(MachineHardware hardware, IReadOnlyList<EndpointModelFactory> devices, HostSetupOptions? options,
        IRunObserver? observer, out HostSetup setup)
    {
        ArgumentNullException.ThrowIfNull(hardware);
        setup = new HostSetup(hardware, options ?? new HostSetupOptions(), observer);
        var list = new DeviceBinding[devices.Count];
        for (int i = 0; i < list.Length; i++) list[i] = setup.SetUp(devices[i]);
        return list;
    }

    private DeviceBinding SetUp(EndpointModelFactory d)
    {
        Scenario s = _hw.Scenario;
        DomainSpec domain = FindDomain(s, d.Spec.Name);
        ulong page = domain.PageSize;
        ulong dataSize = AlignUp(Math.Max(d.WorkingSet, page), page);
        ulong ringSize = AlignUp(EndpointModel.RingBytes(d.Spec), page);
        PciBdf bdf = Bdf(d.Endpoint.Bdf);
        HostDevice? dev = Host.FindDevice(bdf);

        ulong dataBase, ringBase;
        IommuDomain? iommuDomain = null;
        IStreamingDmaMapper? streaming = null;
        if (dev is null)
        {
            // Not behind the SMMU (no iommu-map entry): physical addresses.
            dataBase = AlignUp(_bufferPoolBase, page);
            ringBase = Allocator.Alloc(Math.Max(4096, ringSize));
        }
        else if (domain.Kind == DomainKind.Identity)
        {
            // iommu.passthrough: an identity domain, the STE bypasses; the device uses physical addresses.
            iommuDomain = GroupDomain(dev, IommuDomainType.Identity);
            dataBase = AlignUp(_bufferPoolBase, page);
            ringBase = Allocator.Alloc(Math.Max(4096, ringSize));
        }
        else if (domain.Kind == DomainKind.Vfio)
        {
            _container ??= new VfioContainer(Host, g => Host.CreatePagingDomain(IommuDomainType.Unmanaged, Allocator), new PoolUserMemory(this),
                new VfioOptions { AllowUnsafeInterrupts = _options.AllowUnsafeInterrupts });
            if (_container.DomainOf(dev.Group) is null)
            {
                Errno err = _container.AttachGroup(dev.Group);
                if (err != Errno.None)
                    throw new HostSetupException(
                        $"VFIO_SET_IOMMU for group {dev.Group.Id} ({d.Endpoint.Bdf}) failed with -{err} ({ErrnoText(err)})" +
                        (_container.KernelLog.Count > 0 ? ": kernel says \"" + _container.KernelLog[^1] + "\"" : ""), err);
            }
            // One container is one IOVA space: devices after the first get the next free IOVA.
            dataBase = NextIova(_container, domain.IovaBase, dataSize + ringSize, page);
            ringBase = AlignUp(dataBase + dataSize, page);
            VfioMap(dataBase, dataSize, page, d);
            if (ringSize > 0) VfioMap(ringBase, ringSize, 4096, d);
            iommuDomain = _container.DomainOf(dev.Group);
        }
        else
        {
            // Kernel DMA domain: rings are coherent allocations (dma_alloc_coherent: kernel pages, mapped once); data
            // buffers are mapped per I/O by the driver through the DMA API (see IStreamingDmaMapper).
            iommuDomain = GroupDomain(dev, domain.Kind == DomainKind.DmaLazy ? IommuDomainType.DmaFq : IommuDomainType.Dma);
            ArmSmmuDomain a = SmmuDriver.DriverDomain(iommuDomain) ?? throw new HostSetupException($"{d.Endpoint.Bdf}: not an arm-smmu-v3 domain", Errno.EINVAL);
            dataBase = 0;
            ringBase = 0;
            if (ringSize > 0)
            {
                ulong ringPa = Allocator.Alloc(ringSize);
                if (ringPa == 0) throw new HostSetupException($"dma_alloc_coherent of 0x{ringSize:x} bytes for {d.Endpoint.Bdf} failed", Errno.ENOMEM);
                Errno err = a.DmaMap(ringPa, ringSize, IommuProt.Read | IommuProt.Write, out ringBase, dev.Function.DmaMaskBits);
                if (err != Errno.None) throw new HostSetupException($"dma_map of the rings of {d.Endpoint.Bdf} failed with -{err}", err);
            }
            streaming = new DmaApiMapper(this, a, dev.Function.DmaMaskBits);
        }

        var vectors = new List<(ulong, uint)>();
        int nvec = Math.Max(d.Spec.MsixVectors, d.Spec.MsiVectors);
        if (nvec > 0 && dev is not null)
        {
            if (_container is not null && domain.Kind == DomainKind.Vfio)
            {
                // VFIO_DEVICE_SET_IRQS: the vfio-pci path refuses a device whose domain cannot reach the doorbell.
                Errno e = _container.EnableDeviceMsi(dev, out _);
                if (e != Errno.None) throw new HostSetupException($"VFIO_DEVICE_SET_IRQS for {d.Endpoint.Bdf} failed with -{e}", e);
            }
            IReadOnlyList<MsiVector> msis;
            Errno err;
            if (ItsDriver is not null)
            {
                ItsDevice itsDev = ItsDriver.Prepare(dev.MsiDeviceId, nvec)
                    ?? throw new HostSetupException($"its_msi_prepare for DeviceID 0x{dev.MsiDeviceId:x} ({d.Endpoint.Bdf}) failed", Errno.ENOMEM);
                err = ItsDriver.AllocateVectors(itsDev, nvec, out msis, iommuDomain, dev.Function.DmaMaskBits);
                if (err == Errno.None) foreach (MsiVector v in msis) ItsDriver.Unmask(itsDev, v.EventId);
            }
            else
            {
                err = V2mDriver!.AllocateVectors(nvec, out msis, iommuDomain, dev.Function.DmaMaskBits);
                if (err == Errno.None) foreach (MsiVector v in msis) V2mDriver.Unmask(v.IntId);
            }
            if (err != Errno.None) throw new HostSetupException($"allocating {nvec} MSI vectors for {d.Endpoint.Bdf} failed with -{err}", err);
            foreach (MsiVector v in msis) vectors.Add((v.Message.Address, v.Message.Data));
        }
        return new DeviceBinding
        {
            DataBase = dataBase,
            DataSize = dataSize,
            RingBase = ringBase,
            RingSize = ringSize,
            PageSize = page,
            Vectors = vectors,
            Streaming = streaming,
        };
    }

    // The group's kernel domain: created on its first device and attached through the driver (the STEs are
    // written); later devices of the group share it, as iommu_group_get_default_domain does.
    private IommuDomain GroupDomain(HostDevice dev, IommuDomainType type)
    {
        if (_groupDomains.TryGetValue(dev.Group, out IommuDomain? existing))
        {
            Attach(existing, dev);
            return existing;
        }
        IommuDomain domain = type == IommuDomainType.Identity
            ? SmmuDriver.AllocDomain(IommuDomainType.Identity) ?? throw new HostSetupException($"no identity domain for {dev.Bdf}", Errno.ENOMEM)
            : Host.CreatePagingDomain(type, Allocator) ?? throw new HostSetupException($"arm-smmu-v3 refused a {type} domain for {dev.Bdf}", Errno.ENOMEM);
        if (type != IommuDomainType.Identity)
        {
            Errno err = MsiCookie.InitDmaDomain(domain, Host.Platform.HostBridgeWindows, Host.Platform.DmaRanges, dev.Group.ReservedRegions, Host.Platform.KernelVersion);
            if (err != Errno.None) throw new HostSetupException($"iommu_dma_init_domain for {dev.Bdf} failed with -{err}", err);
        }
        Attach(domain, dev);
        _groupDomains[dev.Group] = domain;
        return domain;
    }

    private void Attach(IommuDomain domain, HostDevice dev)
    {
        IIommuAttachableDomain? a = domain.Ops as IIommuAttachableDomain ?? SmmuDriver.DriverDomain(domain);
        if (a is null) return;
        Errno err = a.AttachDevice(dev);
        if (err != Errno.None) throw new HostSetupException($"attaching {dev.Bdf} to its domain failed with -{err}", err);
    }

    private ulong NextIova(object space, ulong iovaBase, ulong size, ulong page)
    {
        ulong start = AlignUp(Math.Max(iovaBase, _iovaCursor.GetValueOrDefault(space)), page);
        _iovaCursor[space] = start + AlignUp(size, page);
        return start;
    }

    /// <summary>
    /// Reports what the host software left in the kernel's page pool (stream table, CDs, page tables, queues, ITS
    /// tables, ITTs, LPI tables) as one memory write per populated 4 KiB page, tagged with the structure it belongs
    /// to where the drivers expose it (page-table pages and the rest are Other), so a replay can rebuild the
    /// set-up from the trace alone: the register writes recorded during set-up plus these pages.
    /// </summary>
    internal void ReportMemory(IRunObserver observer)
    {
        var kinds = new Dictionary<ulong, HostStructure>();
        void Tag(ulong pa, ulong size, HostStructure s)
        {
            if (pa == 0) return;
            for (ulong p = pa & ~0xfffUL; p < pa + Math.Max(size, 1); p += 4096) kinds[p] = s;
        }
        Tag(SmmuDriver.StreamTableBase, 4096, HostStructure.StreamTable);
        Tag(SmmuDriver.CommandQueueBase, 16UL << SmmuDriver.CmdqShift, HostStructure.SmmuCommandQueue);
        Tag(SmmuDriver.EventQueueBase, 32UL << SmmuDriver.EvtqShift, HostStructure.SmmuEventQueue);
        if (ItsDriver is { } its)
        {
            Tag(its.PropTable, 1UL << its.LpiIdBits, HostStructure.LpiConfigurationTable);
            foreach (ulong pend in its.PendingTables) Tag(pend, 0x1_0000, HostStructure.LpiPendingTable);
            Tag(its.CommandQueue, 0x1_0000, HostStructure.ItsCommandQueue);
            foreach (ItsDevice d in its.Devices.Values) Tag(d.IttAddress, (ulong)d.NrItes * 8, HostStructure.Itt);
            if (_hw.Its is { } model)
            {
                Tag(model.DeviceTable.Base, (ulong)model.DeviceTable.PageSize, HostStructure.ItsDeviceTable);
                Tag(model.CollectionTable.Base, (ulong)model.CollectionTable.PageSize, HostStructure.ItsCollectionTable);
            }
        }
        foreach (HostDevice dev in Host.Devices)
            foreach (uint sid in dev.StreamIds) Tag(SmmuDriver.SteAddress(sid), 64, HostStructure.StreamTable);
        foreach (IommuDomain d in _groupDomains.Values) TagDomain(d);
        if (_container is not null) foreach (var (d, _) in _container.Domains) TagDomain(d);

        void TagDomain(IommuDomain d)
        {
            if (d.Ops is ArmSmmuDomain a && a.CdTable != 0) Tag(a.CdTable, 64, HostStructure.ContextDescriptor);
        }

        ulong poolStart = _hw.Scenario.Platform.Memory.Base + _bufferPoolSize;
        ulong poolEnd = _hw.Scenario.Platform.Memory.Base + _hw.Scenario.Platform.Memory.Size;
        foreach (ulong page in _hw.Memory.PopulatedPages())
        {
            ulong pa = page << 12;
            if (pa < poolStart || pa >= poolEnd) continue;
            ReadOnlySpan<byte> bytes = _hw.Memory.PageSpan(pa);
            observer.OnHostMemoryWrite(0, pa, bytes, kinds.GetValueOrDefault(pa, HostStructure.Other));
        }
    }

    /// <summary>Writes the MSI-X table of <paramref name="model"/> through its MMIO interface and enables it.</summary>
    internal void ProgramMsix(EndpointModel model)
    {
        if (model.Msix is not { } msix) return;
        ulong bar = 0;
        foreach (BarSpec b in model.Endpoint.Bars) if (b.Index == model.Spec.MsixBar) bar = b.Address;
        ushort component = (ushort)(RunComponents.FirstEndpoint + _hw.EndpointIndex(model.Endpoint.Name));
        for (int v = 0; v < msix.Vectors && v < model.Binding.Vectors.Count; v++)
        {
            (ulong address, uint data) = model.Binding.Vectors[v];
            ulong entry = msix.TableOffset + (ulong)v * 16;
            MmioWrite(msix, component, bar, entry, (uint)address);
            MmioWrite(msix, component, bar, entry + 4, (uint)(address >> 32));
            MmioWrite(msix, component, bar, entry + 8, data);
            MmioWrite(msix, component, bar, entry + 12, 0); // Vector Control: unmask
        }
        msix.Enabled = true;
    }

    private void MmioWrite(MsixTable msix, ushort component, ulong bar, ulong offset, uint value)
    {
        _observer?.OnRegisterWrite(0, component, bar + offset, 4, value);
        msix.Write(offset, 4, value, BusAttributes.Cpu);
    }

    private void VfioMap(ulong iova, ulong size, ulong granule, EndpointModelFactory d)
    {
        ulong vaddr = _nextVaddr;
        _nextVaddr = AlignUp(_nextVaddr + size, 1UL << 30);
        _userRegions.Add((vaddr, size, granule));
        Errno err = _container!.MapDma(VfioDmaMap.ReadWrite(vaddr, iova, size));
        if (err != Errno.None) throw new HostSetupException($"VFIO_IOMMU_MAP_DMA of 0x{size:x} bytes at IOVA 0x{iova:x} for {d.Endpoint.Bdf} failed with -{err}", err);
    }

    private void DomainMap(IommuDomain domain, ulong iova, ulong size, ulong page, EndpointModelFactory d)
    {
        IIommuDomainOps ops = domain.Ops!;
        ulong pg = (ops.PgsizeBitmap & page) != 0 ? page : 4096;
        for (ulong off = 0; off < size; off += pg)
        {
            ulong pa = BufferPa(off, pg);
            Errno err = ops.MapPages(iova + off, pa, pg, 1, IommuProt.Read | IommuProt.Write, out _);
            if (err != Errno.None) throw new HostSetupException($"iommu_map at IOVA 0x{iova + off:x} for {d.Endpoint.Bdf} failed with -{err}", err);
        }
    }

    // Physical page backing byte `offset` of a buffer: the buffer pool, repeated.
    private ulong BufferPa(ulong offset, ulong page)
    {
        ulong poolBase = AlignUp(_bufferPoolBase, page);
        ulong poolSize = (_bufferPoolBase + _bufferPoolSize - poolBase) / page * page;
        if (poolSize == 0) poolSize = page;
        return poolBase + offset % poolSize;
    }

    private static DomainSpec FindDomain(Scenario s, string device)
    {
        foreach (DomainSpec d in s.Domains) if (d.Device == device) return d;
        return new DomainSpec(device, DomainKind.DmaStrict);
    }

    private static PciBdf Bdf(string text)
    {
        if (!PciBdf.TryParse(text, out PciBdf bdf)) throw new ArgumentException($"bad BDF {text}", nameof(text));
        return bdf;
    }

    private static string ErrnoText(Errno e) => e switch
    {
        Errno.EPERM => "Operation not permitted",
        Errno.EINVAL => "Invalid argument",
        Errno.EIO => "I/O error",
        Errno.ENOMEM => "Out of memory",
        _ => e.ToString(),
    };

    private static ulong AlignUp(ulong v, ulong a) => (v + a - 1) / a * a;

    /// <summary>TLB invalidation commands the SMMU driver issued since set-up ended.</summary>
    public long TlbInvalidations { get; private set; }

    /// <summary>Starts counting the driver's TLBI commands (the run's invalidations).</summary>
    internal void CountInvalidations() => SmmuDriver.CommandIssued += c =>
    {
        if ((byte)c.Opcode is >= 0x10 and <= 0x2f) TlbInvalidations++;
    };

    /// <summary>dma_map_page / dma_unmap_page on the device's DMA domain; buffer pages come from the buffer pool.</summary>
    private sealed class DmaApiMapper(HostSetup owner, ArmSmmuDomain domain, int dmaMaskBits) : IStreamingDmaMapper
    {
        public bool TryMap(ulong bufferOffset, int size, bool deviceWrites, out ulong deviceAddress) =>
            domain.DmaMap(owner.BufferPa(bufferOffset, 4096), (ulong)size, deviceWrites ? IommuProt.Write : IommuProt.Read,
                out deviceAddress, dmaMaskBits) == Errno.None;

        public void Unmap(ulong deviceAddress, int size) => domain.DmaUnmap(deviceAddress, (ulong)size);
    }

    /// <summary>
    /// The VFIO user's memory: each mapped buffer is backed by the buffer pool in physically contiguous chunks of the
    /// domain's page size (4 KiB: ordinary pages; 2 MiB: hugepages...), consecutive chunks never adjacent, so VFIO's
    /// contiguity scan maps exactly that page size, as for a process with that backing.
    /// </summary>
    private sealed class PoolUserMemory(HostSetup owner) : IVfioUserMemory
    {
        public bool TryTranslate(ulong vaddr, out ulong pa)
        {
            foreach ((ulong start, ulong size, ulong granule) in owner._userRegions)
            {
                if (vaddr < start || vaddr - start >= size) continue;
                ulong off = vaddr - start;
                ulong chunk = off / granule;
                // Stride 3: chunk k sits 3 chunks after chunk k-1 in the pool (mod the pool size).
                pa = owner.BufferPa(chunk * 3 * granule + off % granule, granule);
                return true;
            }
            pa = 0;
            return false;
        }
    }
}

/// <summary>What host set-up needs to know about a device before its model exists.</summary>
/// <param name="Spec">The device.</param>
/// <param name="Endpoint">Its endpoint.</param>
/// <param name="WorkingSet">Largest working set of the workloads that drive it through its domain.</param>
public sealed record EndpointModelFactory(DeviceSpec Spec, EndpointSpec Endpoint, ulong WorkingSet);
