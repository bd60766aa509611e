using HwEmu.Devices.Host.Iommu;
using HwEmu.Devices.Pcie;

namespace HwEmu.Devices.Host;

/// <summary>Kind of MSI controller a device's MSIs go to.</summary>
public enum MsiControllerKind
{
    /// <summary>GICv3 ITS: DeviceID side-band, isolates (IRQ_DOMAIN_FLAG_ISOLATED_MSI / MSI_REMAP).</summary>
    GicV3Its,
    /// <summary>GICv2m MSI frame: SPIs picked by the data payload, no isolation.</summary>
    GicV2m,
    /// <summary>x86 interrupt remapping at 0xfee00000: upstream of the IOMMU translation, isolates.</summary>
    X86InterruptRemapping,
}

/// <summary>An MSI controller of the platform.</summary>
/// <param name="Name">Node name (the msi-map / msi-parent target).</param>
/// <param name="Kind">Controller kind.</param>
/// <param name="BasePa">Base of its register frame.</param>
/// <param name="DoorbellPa">Physical MSI address the irqchip composes (ITS: base + GITS_TRANSLATER 0x10040;
/// GICv2m: frame + MSI_SETSPI_NS 0x40).</param>
/// <param name="IsolatedMsi">The irq domain has ISOLATED_MSI (MSI_REMAP before 6.3).</param>
/// <param name="UpstreamOfIommu">MSI writes are not translated by the IOMMU (x86, Hi161x): no doorbell mapping.</param>
public sealed record MsiControllerDescription(string Name, MsiControllerKind Kind, ulong BasePa, ulong DoorbellPa,
    bool IsolatedMsi, bool UpstreamOfIommu = false)
{
    /// <summary>GITS_TRANSLATER offset from the ITS base (second 64 KiB frame + 0x40).</summary>
    public const ulong GitsTranslater = 0x10040;

    /// <summary>MSI_SETSPI_NS offset in a GICv2m frame.</summary>
    public const ulong V2mMsiSetSpiNs = 0x40;

    /// <summary>A GICv3 ITS at <paramref name="basePa"/>.</summary>
    public static MsiControllerDescription Its(string name, ulong basePa) =>
        new(name, MsiControllerKind.GicV3Its, basePa, basePa + GitsTranslater, IsolatedMsi: true);

    /// <summary>A GICv2m frame at <paramref name="basePa"/>.</summary>
    public static MsiControllerDescription GicV2m(string name, ulong basePa) =>
        new(name, MsiControllerKind.GicV2m, basePa, basePa + V2mMsiSetSpiNs, IsolatedMsi: false);
}

/// <summary>The IOMMU model whose reserved regions and grouping rules apply.</summary>
public enum IommuKind
{
    /// <summary>Arm SMMUv3 (arm-smmu-v3.c): SW_MSI window, pci_device_group.</summary>
    ArmSmmuV3,
    /// <summary>Intel VT-d (intel/iommu.c): IOAPIC msi range, RMRRs.</summary>
    IntelVtd,
}

/// <summary>Firmware description the kernel got the IOMMU topology from.</summary>
public enum FirmwareKind
{
    /// <summary>Device tree (iommu-map / msi-map).</summary>
    DeviceTree,
    /// <summary>ACPI (IORT on Arm, DMAR on x86).</summary>
    Acpi,
}

/// <summary>When a device gets IOMMU-probed (and therefore an IOMMU group).</summary>
public enum IommuProbePolicy
{
    /// <summary>Only devices a driver binds to: the firmware IOMMU link (fwspec) is set up in
    /// really_probe -&gt; dma_configure, so e.g. QEMU's 00:00.0 host bridge gets no group (Arm, v6.1).</summary>
    DriverBoundOnly,
    /// <summary>Every PCI device as it is added (x86 DMAR, and Arm kernels that probe at device add).</summary>
    AllDevices,
}

/// <summary>A firmware reserved region (IORT RMR, DMAR RMRR, DT reserved-memory iommu-addresses) with its scope.</summary>
/// <param name="Start">First address.</param>
/// <param name="Length">Bytes.</param>
/// <param name="Type">Direct, direct-relaxable or reserved (RMRRs are typed by the VT-d provider).</param>
/// <param name="Devices">Devices (or bridges above them) the region applies to.</param>
/// <param name="Prot">Protection.</param>
public sealed record PlatformReservedRegion(ulong Start, ulong Length, IommuResvType Type, IReadOnlyList<PciBdf> Devices,
    IommuProt Prot = IommuProt.Read | IommuProt.Write);

/// <summary>
/// Everything the host software model needs to know about a platform: PCIe topology, IOMMU and MSI controllers,
/// ID maps, firmware regions, host-bridge windows and the kernel version. Built-in descriptions:
/// <see cref="QemuVirtItsNvme"/> (the capture) and <see cref="QemuVirtGicV2mNvme"/>.
/// </summary>
public sealed class HostPlatform
{
    /// <summary>Platform name.</summary>
    public required string Name { get; init; }

    /// <summary>Kernel version modelled.</summary>
    public KernelVersion KernelVersion { get; init; } = KernelVersion.Default;

    /// <summary>Host PAGE_SIZE.</summary>
    public int PageSize { get; init; } = 4096;

    /// <summary>Firmware kind.</summary>
    public FirmwareKind Firmware { get; init; } = FirmwareKind.DeviceTree;

    /// <summary>IOMMU model.</summary>
    public IommuKind Iommu { get; init; } = IommuKind.ArmSmmuV3;

    /// <summary>IOMMU node name (iommu-map target).</summary>
    public string IommuName { get; init; } = "smmuv3";

    /// <summary>IOMMU register base (informational).</summary>
    public ulong IommuBase { get; init; }

    /// <summary>Input address bits of IOMMU domains (aperture [0, 2^bits - 1]); 48 for SMMUv3 with VA_BITS 48.</summary>
    public int IommuAddressBits { get; init; } = 48;

    /// <summary>Output address bits (SMMU IDR5.OAS).</summary>
    public int IommuOutputBits { get; init; } = 44;

    /// <summary>Domain pgsize_bitmap after io-pgtable restriction (4K|2M|1G for a 4K kernel).</summary>
    public ulong PgsizeBitmap { get; init; } = 0x4020_1000;

    /// <summary>The PCIe hierarchy.</summary>
    public required PciTopology Topology { get; init; }

    /// <summary>RID -&gt; StreamID (iommu-map).</summary>
    public required RidMap IommuMap { get; init; }

    /// <summary>RID -&gt; DeviceID (msi-map); null when the platform uses msi-parent (GICv2m).</summary>
    public RidMap? MsiMap { get; init; }

    /// <summary>MSI controllers.</summary>
    public IReadOnlyList<MsiControllerDescription> MsiControllers { get; init; } = [];

    /// <summary>MSI controller used when <see cref="MsiMap"/> does not name one (msi-parent).</summary>
    public string? MsiParent { get; init; }

    /// <summary>Host bridge MEM windows (reserved in DMA domains' IOVA space only).</summary>
    public IReadOnlyList<HostBridgeWindow> HostBridgeWindows { get; init; } = [];

    /// <summary>Host bridge dma-ranges (holes reserved in DMA domains).</summary>
    public IReadOnlyList<HostBridgeWindow> DmaRanges { get; init; } = [];

    /// <summary>Firmware reserved regions.</summary>
    public IReadOnlyList<PlatformReservedRegion> ReservedRegions { get; init; } = [];

    /// <summary>IORT SMMUv3 model is HiSilicon Hi161x: ITS translation frames reported as HW MSI regions (ACPI only).</summary>
    public bool Hi161xMsiErratum { get; init; }

    /// <summary>Default domain type of groups (the capture: strict "DMA").</summary>
    public IommuDomainType DefaultDomainType { get; init; } = IommuDomainType.Dma;

    /// <summary>When devices get IOMMU groups.</summary>
    public IommuProbePolicy ProbePolicy { get; init; } = IommuProbePolicy.DriverBoundOnly;

    /// <summary>The MSI controller named <paramref name="name"/>.</summary>
    public MsiControllerDescription? FindMsiController(string? name)
    {
        if (name is null) return null;
        foreach (var c in MsiControllers) if (c.Name == name) return c;
        return null;
    }

    /// <summary>QEMU virt topology of the capture: host bridge 00:00.0, NVMe 00:01.0, virtio-blk 00:02.0 on pcie.0.</summary>
    private static PciTopology CaptureTopology() => new PciTopology()
        .Add(new PciFunction(new PciBdf(0, 0, 0), PciFunctionKind.ConventionalDevice, "QEMU PCIe Host bridge")
            { ClassCode = 0x060000, BindsDriver = false })
        .Add(new PciFunction(new PciBdf(0, 1, 0), PciFunctionKind.RcIntegratedEndpoint, "QEMU NVM Express Controller")
            { ClassCode = 0x010802 })
        .Add(new PciFunction(new PciBdf(0, 2, 0), PciFunctionKind.RcIntegratedEndpoint, "Virtio block device")
            { ClassCode = 0x010000 });

    private static readonly HostBridgeWindow[] QemuVirtWindows =
    [
        new(0x1000_0000, 0x3efe_ffff),          // VIRT_PCIE_MMIO
        new(0x80_0000_0000, 0xff_ffff_ffff),    // VIRT_HIGH_PCIE_MMIO
    ];

    /// <summary>
    /// The capture's platform: QEMU 7.2 virt, gic-version=3, iommu=smmuv3 (SMMU at 0x9050000, identity iommu-map,
    /// so NVMe 00:01.0 is StreamID 0x8 and virtio-blk 00:02.0 StreamID 0x10), ITS at 0x8080000 (GITS_TRANSLATER
    /// 0x8090040, identity msi-map), Linux 6.1, device tree, strict DMA domains.
    /// </summary>
    public static HostPlatform QemuVirtItsNvme() => new()
    {
        Name = "qemu-virt-its-nvme",
        IommuName = "smmuv3@9050000",
        IommuBase = 0x905_0000,
        Topology = CaptureTopology(),
        IommuMap = RidMap.Identity("smmuv3@9050000"),
        MsiMap = RidMap.Identity("its@8080000"),
        MsiControllers = [MsiControllerDescription.Its("its@8080000", 0x808_0000)],
        HostBridgeWindows = QemuVirtWindows,
    };

    /// <summary>
    /// The same machine with gic-version=2: PCI MSIs go to the GICv2m frame at 0x8020000 (MSI_SETSPI_NS
    /// 0x8020040), which cannot isolate interrupts, so VFIO refuses it without allow_unsafe_interrupts.
    /// </summary>
    public static HostPlatform QemuVirtGicV2mNvme() => new()
    {
        Name = "qemu-virt-gicv2m-nvme",
        IommuName = "smmuv3@9050000",
        IommuBase = 0x905_0000,
        Topology = CaptureTopology(),
        IommuMap = RidMap.Identity("smmuv3@9050000"),
        MsiControllers = [MsiControllerDescription.GicV2m("v2m@8020000", 0x802_0000)],
        MsiParent = "v2m@8020000",
        HostBridgeWindows = QemuVirtWindows,
    };

    /// <summary>Names accepted by <see cref="BuiltIn"/>.</summary>
    public static IReadOnlyList<string> BuiltInNames { get; } = ["qemu-virt-its-nvme", "qemu-virt-gicv2m-nvme"];

    /// <summary>A built-in platform by name (for a CLI --platform option), or null when unknown.</summary>
    public static HostPlatform? BuiltIn(string name) => name switch
    {
        "qemu-virt-its-nvme" => QemuVirtItsNvme(),
        "qemu-virt-gicv2m-nvme" => QemuVirtGicV2mNvme(),
        _ => null,
    };

    /// <summary>A copy of this platform modelling kernel <paramref name="version"/> (for a CLI --kernel option).</summary>
    public HostPlatform WithKernelVersion(KernelVersion version) => new()
    {
        Name = Name, KernelVersion = version, PageSize = PageSize, Firmware = Firmware, Iommu = Iommu, IommuName = IommuName,
        IommuBase = IommuBase, IommuAddressBits = IommuAddressBits, IommuOutputBits = IommuOutputBits, PgsizeBitmap = PgsizeBitmap,
        Topology = Topology, IommuMap = IommuMap, MsiMap = MsiMap, MsiControllers = MsiControllers, MsiParent = MsiParent,
        HostBridgeWindows = HostBridgeWindows, DmaRanges = DmaRanges, ReservedRegions = ReservedRegions,
        Hi161xMsiErratum = Hi161xMsiErratum, DefaultDomainType = DefaultDomainType, ProbePolicy = ProbePolicy,
    };
}
