namespace HwEmu.Devices.Pcie;

/// <summary>
/// One PCI function in a static topology description: its address, type, ACS capability and control, whether it
/// is multifunction, its quirk DMA aliases, and whether a Linux driver binds to it.
/// </summary>
public sealed class PciFunction
{
    /// <summary>Describes a function at <paramref name="bdf"/> of type <paramref name="kind"/>.</summary>
    public PciFunction(PciBdf bdf, PciFunctionKind kind, string name = "")
    {
        Bdf = bdf;
        Kind = kind;
        Name = name;
        BindsDriver = kind switch
        {
            // pcieport binds to PCIe ports and event collectors; nothing binds to a PCIe-to-PCI bridge.
            PciFunctionKind.PcieToPciBridge or PciFunctionKind.PciToPcieBridge or PciFunctionKind.ConventionalBridge => false,
            _ => true,
        };
    }

    /// <summary>Address.</summary>
    public PciBdf Bdf { get; }

    /// <summary>Device/port type.</summary>
    public PciFunctionKind Kind { get; }

    /// <summary>Free text (e.g. "NVMe controller").</summary>
    public string Name { get; init; }

    /// <summary>Class code (24 bits: base, sub, prog-if), e.g. 0x010802 NVMe, 0x0c0330 xHCI, 0x030000 VGA.</summary>
    public uint ClassCode { get; init; }

    /// <summary>Header type bit 7: the device has several functions.</summary>
    public bool Multifunction { get; init; }

    /// <summary>True when the function has an ACS extended capability.</summary>
    public bool HasAcsCapability { get; init; }

    /// <summary>ACS Capability register: features implemented (missing ones count as hard-wired enabled).</summary>
    public PciAcs AcsCapability { get; init; }

    /// <summary>ACS Control register as firmware left it (Linux may enable more; see <see cref="PciTopology.KernelEnablesAcs"/>).</summary>
    public PciAcs AcsControl { get; init; }

    /// <summary>pci_dev_specific_acs_enabled() quirk result: null = no quirk, else its verdict.</summary>
    public bool? AcsQuirk { get; init; }

    /// <summary>Quirk DMA aliases (pci_add_dma_alias): devfns on the same bus this function also uses.</summary>
    public IReadOnlyList<int> DmaAliasDevFns { get; init; } = [];

    /// <summary>Conventional bridge flag PCI_DEV_FLAG_PCIE_BRIDGE_ALIAS: it aliases as (secondary, 0).</summary>
    public bool PcieBridgeAlias { get; init; }

    /// <summary>For bridges and ports: the secondary bus number.</summary>
    public int? SecondaryBus { get; init; }

    /// <summary>A Linux driver binds to it (pcieport, nvme, virtio-pci...); host bridges usually have none.</summary>
    public bool BindsDriver { get; init; }

    /// <summary>DMA mask bits the driver sets (64 for NVMe and virtio).</summary>
    public int DmaMaskBits { get; init; } = 64;

    /// <summary>True for functions with a PCIe capability.</summary>
    public bool IsPcie => Kind < PciFunctionKind.ConventionalDevice;

    /// <summary>True for bridges and ports (functions with a secondary bus).</summary>
    public bool IsBridge => SecondaryBus.HasValue;

    /// <inheritdoc/>
    public override string ToString() => string.IsNullOrEmpty(Name) ? Bdf.ToString() : $"{Bdf} {Name}";
}
