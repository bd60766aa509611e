using HwEmu.Devices.Host.IoPgtable;
using HwEmu.Devices.Pcie;

namespace HwEmu.Devices.Host.Iommu;

/// <summary>
/// The IOMMU-side view Linux builds of a <see cref="HostPlatform"/>: which devices are IOMMU-probed and with
/// which StreamIDs (of_iommu_configure / pci_for_each_dma_alias / iommu-map), their groups (pci_device_group),
/// reserved regions (the IOMMU driver's get_resv_regions) and MSI routing (msi-map, isolation).
/// </summary>
public sealed class HostSystem
{
    private readonly Dictionary<PciFunction, IommuGroup> _groupOf = new();
    private readonly List<IommuGroup> _groups = new();
    private readonly List<HostDevice> _devices = new();

    /// <summary>Builds the view of <paramref name="platform"/>.</summary>
    public HostSystem(HostPlatform platform)
    {
        Platform = platform;
        var topo = platform.Topology;
        foreach (var f in topo.AddOrder())
        {
            if (platform.ProbePolicy == IommuProbePolicy.DriverBoundOnly && !f.BindsDriver) continue;
            var sids = new List<uint>();
            bool behindIommu = true;
            foreach (var (_, alias) in topo.DmaAliases(f))
            {
                if (platform.IommuMap.Map(alias, out var target, out uint sid) != Errno.None || target != platform.IommuName)
                {
                    behindIommu = false; // of_map_id: no translation -> not behind this IOMMU
                    break;
                }
                sids.Add(sid);
            }
            if (!behindIommu) continue;
            var dev = new HostDevice(f, sids);
            ResolveMsi(dev);
            dev.ReservedRegions = DeviceReservedRegions(dev);
            var g = PciDeviceGroup(f);
            g.DeviceList.Add(dev);
            dev.Group = g;
            _groupOf[f] = g;
            _devices.Add(dev);
        }
    }

    /// <summary>The platform.</summary>
    public HostPlatform Platform { get; }

    /// <summary>Groups in id order.</summary>
    public IReadOnlyList<IommuGroup> Groups => _groups;

    /// <summary>IOMMU-probed devices in probe order.</summary>
    public IReadOnlyList<HostDevice> Devices => _devices;

    /// <summary>The probed device at <paramref name="bdf"/>, or null.</summary>
    public HostDevice? FindDevice(PciBdf bdf) => _devices.FirstOrDefault(d => d.Bdf.Rid == bdf.Rid && d.Bdf.Segment == bdf.Segment);

    /// <summary>
    /// irq_domain_check_msi_remap() (4.11-6.2): true unless some MSI irq domain of the system lacks MSI_REMAP
    /// (also true when there is none).
    /// </summary>
    public bool SystemMsiRemap => Platform.MsiControllers.All(c => c.IsolatedMsi);

    // ------------------------------------------------------------------ grouping (pci_device_group)

    private IommuGroup? GroupGet(PciFunction f) => _groupOf.GetValueOrDefault(f);

    private IommuGroup PciDeviceGroup(PciFunction dev)
    {
        var topo = Platform.Topology;
        PciFunction pdev = dev;
        foreach (var (func, _) in topo.DmaAliases(dev))
        {
            pdev = func;
            var g0 = GroupGet(func);
            if (g0 is not null) return g0;
        }
        for (int bus = pdev.Bdf.Bus, hops = 0; bus != topo.RootBus && hops <= PciTopology.MaxDepth; hops++)
        {
            var self = topo.BusSelf(bus);
            if (self is null) break;
            if (topo.AcsPathEnabled(self, PciAcs.Required)) break;
            pdev = self;
            var g1 = GroupGet(pdev);
            if (g1 is not null) return g1;
            bus = self.Bdf.Bus;
        }
        var devfns = new HashSet<int>();
        var g = GetPciAliasGroup(pdev, devfns) ?? GetPciFunctionAliasGroup(pdev, devfns);
        if (g is not null) return g;
        g = new IommuGroup(_groups.Count, Platform.DefaultDomainType);
        _groups.Add(g);
        return g;
    }

    private IommuGroup? GetPciAliasGroup(PciFunction pdev, HashSet<int> devfns)
    {
        if (!devfns.Add(pdev.Bdf.DevFn)) return null;
        var g = GroupGet(pdev);
        if (g is not null) return g;
        foreach (var tmp in Platform.Topology.AddOrder())
        {
            if (tmp == pdev || tmp.Bdf.Bus != pdev.Bdf.Bus) continue;
            if (PciTopology.DevsAreDmaAliases(pdev, tmp))
            {
                g = GetPciAliasGroup(tmp, devfns) ?? GetPciFunctionAliasGroup(tmp, devfns);
                if (g is not null) return g;
            }
        }
        return null;
    }

    private IommuGroup? GetPciFunctionAliasGroup(PciFunction pdev, HashSet<int> devfns)
    {
        var topo = Platform.Topology;
        if (!pdev.Multifunction || topo.AcsEnabled(pdev, PciAcs.Required)) return null;
        foreach (var tmp in topo.AddOrder())
        {
            if (tmp == pdev || tmp.Bdf.Bus != pdev.Bdf.Bus || tmp.Bdf.Device != pdev.Bdf.Device ||
                topo.AcsEnabled(tmp, PciAcs.Required)) continue;
            var g = GetPciAliasGroup(tmp, devfns);
            if (g is not null) return g;
        }
        return null;
    }

    // ------------------------------------------------------------------ MSI routing

    private void ResolveMsi(HostDevice dev)
    {
        // pci_msi_domain_get_msi_rid: the last alias seen on another bus wins.
        ushort rid = dev.Bdf.Rid;
        foreach (var (func, alias) in Platform.Topology.DmaAliases(dev.Function))
        {
            int bus = rid >> 8;
            if (func.Bdf.Bus != bus || (alias >> 8) != bus) rid = alias;
        }
        dev.MsiRid = rid;
        string? target = null;
        uint id = rid;
        if (Platform.MsiMap is { } map && map.Map(rid, out var t, out uint mapped) == Errno.None)
        {
            target = t;
            id = mapped;
        }
        dev.MsiDeviceId = id;
        dev.MsiController = Platform.FindMsiController(target ?? Platform.MsiParent);
    }

    // ------------------------------------------------------------------ reserved regions

    /// <summary>MSI_IOVA_BASE of the Arm SMMU drivers.</summary>
    public const ulong MsiIovaBase = 0x800_0000;

    /// <summary>MSI_IOVA_LENGTH of the Arm SMMU drivers.</summary>
    public const ulong MsiIovaLength = 0x10_0000;

    /// <summary>IOAPIC_RANGE_START of VT-d.</summary>
    public const ulong IoapicRangeStart = 0xfee0_0000;

    /// <summary>IOAPIC_RANGE_END of VT-d (inclusive).</summary>
    public const ulong IoapicRangeEnd = 0xfeef_ffff;

    private bool InScope(PlatformReservedRegion r, PciFunction f)
    {
        foreach (var bdf in r.Devices)
        {
            if (bdf.Rid == f.Bdf.Rid) return true;
            // is_downstream_to_pci_bridge: the scope names a bridge above the device.
            var br = Platform.Topology.Find(bdf);
            if (br?.SecondaryBus is int sec)
            {
                for (int bus = f.Bdf.Bus, hops = 0; bus != Platform.Topology.RootBus && hops <= PciTopology.MaxDepth; hops++)
                {
                    if (bus == sec) return true;
                    var self = Platform.Topology.BusSelf(bus);
                    if (self is null) break;
                    bus = self.Bdf.Bus;
                }
            }
        }
        return false;
    }

    private List<IommuResvRegion> DeviceReservedRegions(HostDevice dev)
    {
        var list = new List<IommuResvRegion>();
        var kv = Platform.KernelVersion;
        if (Platform.Iommu == IommuKind.ArmSmmuV3)
        {
            // arm_smmu_get_resv_regions: the SW_MSI window, then iommu_dma_get_resv_regions().
            list.Add(new IommuResvRegion(MsiIovaBase, MsiIovaLength, IommuProt.Write | IommuProt.NoExec | IommuProt.Mmio, IommuResvType.SwMsi));
            if (Platform.Firmware == FirmwareKind.Acpi)
            {
                if (Platform.Hi161xMsiErratum && dev.MsiController is { Kind: MsiControllerKind.GicV3Its } its)
                    list.Add(new IommuResvRegion(its.BasePa + 0x1_0000, 0x1_0000, IommuProt.Write | IommuProt.NoExec | IommuProt.Mmio, IommuResvType.Msi));
                if (kv.IsAtLeast(6, 0)) AddPlatformRegions(dev, list); // IORT RMRs
            }
            else if (kv.IsAtLeast(6, 3)) AddPlatformRegions(dev, list); // DT reserved-memory iommu-addresses
        }
        else
        {
            foreach (var r in Platform.ReservedRegions)
            {
                if (!InScope(r, dev.Function)) continue;
                uint cls = dev.Function.ClassCode;
                bool relaxable = (cls >> 8) == 0x0c03 || (cls >> 16) == 0x03; // USB or graphics
                list.Add(new IommuResvRegion(r.Start, r.Length, IommuProt.Read | IommuProt.Write,
                    relaxable ? IommuResvType.DirectRelaxable : IommuResvType.Direct));
            }
            if ((dev.Function.ClassCode >> 8) == 0x0601) // ISA bridge floppy workaround
                list.Add(new IommuResvRegion(0, 1UL << 24, IommuProt.Read | IommuProt.Write, IommuResvType.DirectRelaxable));
            list.Add(new IommuResvRegion(IoapicRangeStart, IoapicRangeEnd - IoapicRangeStart + 1, IommuProt.None, IommuResvType.Msi));
        }
        return list;
    }

    private void AddPlatformRegions(HostDevice dev, List<IommuResvRegion> list)
    {
        foreach (var r in Platform.ReservedRegions)
            if (InScope(r, dev.Function)) list.Add(new IommuResvRegion(r.Start, r.Length, r.Prot, r.Type));
    }

    // ------------------------------------------------------------------ domains

    /// <summary>
    /// iommu_domain_alloc() of the IOMMU driver, when one is bound (e.g. <c>ArmSmmuV3Driver.UseFor</c>): paging
    /// domains then come from the driver and program the SMMU. Null: bare io-pgtable domains (host-side only).
    /// </summary>
    public Func<IommuDomainType, IommuDomain?>? DomainFactory { get; set; }

    /// <summary>
    /// A paging domain for this platform's IOMMU backed by io-pgtable tables from <paramref name="allocator"/>
    /// (stage 1, the platform's IAS/OAS and page sizes), with the given type. Null when io-pgtable refuses the
    /// configuration.
    /// </summary>
    public IommuDomain? CreatePagingDomain(IommuDomainType type, PhysicalPageAllocator allocator)
    {
        if (DomainFactory is { } factory) return factory(type);
        var cfg = new IoPgtableConfig(Platform.PgsizeBitmap, Platform.IommuAddressBits, Platform.IommuOutputBits);
        var table = IoPgtableArm.Alloc(IoPgtableFormat.ArmLpaeS1, cfg, allocator, Platform.KernelVersion);
        if (table is null) return null;
        return new IommuDomain(type, new IoPgtableDomain(table, Platform.Iommu == IommuKind.ArmSmmuV3 ? "arm-smmu-v3" : "intel-iommu"));
    }

    /// <summary>
    /// The default DMA domain of <paramref name="group"/> with its dma-iommu cookie initialised as
    /// iommu_dma_init_domain does for the group's first device.
    /// </summary>
    public IommuDomain? CreateDefaultDmaDomain(IommuGroup group, PhysicalPageAllocator allocator)
    {
        var d = CreatePagingDomain(group.DefaultDomainType is IommuDomainType.Dma or IommuDomainType.DmaFq ? group.DefaultDomainType : IommuDomainType.Dma, allocator);
        if (d is null) return null;
        var err = MsiCookie.InitDmaDomain(d, Platform.HostBridgeWindows, Platform.DmaRanges, group.ReservedRegions, Platform.KernelVersion);
        return err == Errno.None ? d : null;
    }

    /// <summary>
    /// Composes the MSI address <paramref name="device"/> is programmed with while attached to
    /// <paramref name="domain"/> (see <see cref="MsiCookie.PrepareMsi"/>). -ENODEV when the device has no MSI
    /// controller.
    /// </summary>
    public Errno ComposeMsiAddress(HostDevice device, IommuDomain? domain, out ulong address)
    {
        address = 0;
        var mc = device.MsiController;
        if (mc is null) return Errno.ENODEV;
        if (mc.UpstreamOfIommu)
        {
            address = mc.DoorbellPa;
            return Errno.None;
        }
        return MsiCookie.PrepareMsi(domain, mc.DoorbellPa, device.Function.DmaMaskBits, isPci: true, out address);
    }
}
