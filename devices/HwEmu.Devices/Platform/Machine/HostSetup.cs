using HwEmu.Devices.Host;
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
    private uint _nextSpi;

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
        _nextSpi = hw.Scenario.Platform.Msi.SpiBase;
    }

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
        if (domain.Kind == DomainKind.Identity || dev is null)
        {
            // Identity (or not behind the SMMU): the device uses physical addresses.
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
            dataBase = domain.IovaBase;
            ringBase = AlignUp(dataBase + dataSize, page);
            VfioMap(dataBase, dataSize, d);
            if (ringSize > 0) VfioMap(ringBase, ringSize, d);
            iommuDomain = _container.DomainOf(dev.Group);
        }
        else
        {
            iommuDomain = Host.CreatePagingDomain(domain.Kind == DomainKind.DmaLazy ? IommuDomainType.DmaFq : IommuDomainType.Dma, Allocator)
                ?? throw new HostSetupException($"io-pgtable refused a domain for {d.Endpoint.Bdf}", Errno.ENOMEM);
            Errno err = MsiCookie.InitDmaDomain(iommuDomain, Host.Platform.HostBridgeWindows, Host.Platform.DmaRanges, dev.Group.ReservedRegions, Host.Platform.KernelVersion);
            if (err != Errno.None) throw new HostSetupException($"iommu_dma_init_domain for {d.Endpoint.Bdf} failed with -{err}", err);
            dataBase = domain.IovaBase;
            ringBase = AlignUp(dataBase + dataSize, page);
            DomainMap(iommuDomain, dataBase, dataSize, page, d);
            if (ringSize > 0) DomainMap(iommuDomain, ringBase, ringSize, 4096, d);
        }

        var vectors = new List<(ulong, uint)>();
        int nvec = Math.Max(d.Spec.MsixVectors, d.Spec.MsiVectors);
        if (nvec > 0 && dev is not null)
        {
            Errno err = _container is not null && domain.Kind == DomainKind.Vfio
                ? _container.EnableDeviceMsi(dev, out ulong msiAddress)
                : Host.ComposeMsiAddress(dev, iommuDomain, out msiAddress);
            if (err != Errno.None) throw new HostSetupException($"enabling MSIs of {d.Endpoint.Bdf} failed with -{err}", err);
            for (int v = 0; v < nvec; v++)
            {
                // ITS: the data is the EventID (the ITS driver numbers a device's vectors from 0). GICv2m: the SPI.
                uint data = s.Platform.Msi.Kind == MsiControllerKind.Its ? (uint)v : _nextSpi++;
                vectors.Add((msiAddress, data));
            }
        }
        return new DeviceBinding
        {
            DataBase = dataBase,
            DataSize = dataSize,
            RingBase = ringBase,
            RingSize = ringSize,
            PageSize = page,
            Vectors = vectors,
        };
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

    private void VfioMap(ulong iova, ulong size, EndpointModelFactory d)
    {
        ulong vaddr = _nextVaddr;
        _nextVaddr = AlignUp(_nextVaddr + size, 1UL << 30);
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

    /// <summary>The VFIO user's memory: virtual addresses backed by the buffer pool, repeated.</summary>
    private sealed class PoolUserMemory(HostSetup owner) : IVfioUserMemory
    {
        public bool TryTranslate(ulong vaddr, out ulong pa)
        {
            ulong page = 1UL << 30;
            ulong off = vaddr & (page - 1);
            // Large mappings stay physically contiguous within each 1 GiB of the user range.
            pa = owner.BufferPa(off, 4096);
            return true;
        }
    }
}

/// <summary>What host set-up needs to know about a device before its model exists.</summary>
/// <param name="Spec">The device.</param>
/// <param name="Endpoint">Its endpoint.</param>
/// <param name="WorkingSet">Largest working set of the workloads that drive it through its domain.</param>
public sealed record EndpointModelFactory(DeviceSpec Spec, EndpointSpec Endpoint, ulong WorkingSet);
