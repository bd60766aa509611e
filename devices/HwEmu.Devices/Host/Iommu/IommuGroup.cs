using HwEmu.Devices.Pcie;

namespace HwEmu.Devices.Host.Iommu;

/// <summary>An IOMMU group (/sys/kernel/iommu_groups/N): the devices that must be assigned together.</summary>
public sealed class IommuGroup
{
    internal readonly List<HostDevice> DeviceList = new();

    internal IommuGroup(int id, IommuDomainType defaultDomainType)
    {
        Id = id;
        DefaultDomainType = defaultDomainType;
    }

    /// <summary>Group number (ida order of allocation).</summary>
    public int Id { get; }

    /// <summary>Devices in the order they joined.</summary>
    public IReadOnlyList<HostDevice> Devices => DeviceList;

    /// <summary>Type of the default domain (sysfs "type").</summary>
    public IommuDomainType DefaultDomainType { get; }

    /// <summary>The merged reserved regions (iommu_get_group_resv_regions).</summary>
    public IReadOnlyList<IommuResvRegion> ReservedRegions
    {
        get
        {
            var list = new IommuResvRegionList();
            foreach (var d in DeviceList) list.InsertDevice(d.ReservedRegions);
            return list.Regions;
        }
    }

    /// <summary>iommu_group_has_isolated_msi(): every device's MSI domain isolates.</summary>
    public bool HasIsolatedMsi => DeviceList.All(d => d.HasIsolatedMsi);

    /// <inheritdoc/>
    public override string ToString() => $"group {Id}: {string.Join(' ', DeviceList.Select(d => d.Bdf))}";
}

/// <summary>A device the IOMMU layer knows: its StreamIDs, group, reserved regions and MSI routing.</summary>
public sealed class HostDevice
{
    internal HostDevice(PciFunction function, IReadOnlyList<uint> streamIds)
    {
        Function = function;
        StreamIds = streamIds;
    }

    /// <summary>The PCI function.</summary>
    public PciFunction Function { get; }

    /// <summary>Address.</summary>
    public PciBdf Bdf => Function.Bdf;

    /// <summary>fwspec IDs: the StreamID of each DMA alias, in pci_for_each_dma_alias order.</summary>
    public IReadOnlyList<uint> StreamIds { get; }

    /// <summary>The device's group.</summary>
    public IommuGroup Group { get; internal set; } = null!;

    /// <summary>This device's reserved regions as the IOMMU driver reports them (before group merge).</summary>
    public IReadOnlyList<IommuResvRegion> ReservedRegions { get; internal set; } = [];

    /// <summary>The MSI requester ID after alias replacement (pci_msi_domain_get_msi_rid, before msi-map).</summary>
    public ushort MsiRid { get; internal set; }

    /// <summary>DeviceID the MSI controller sees (msi-map applied).</summary>
    public uint MsiDeviceId { get; internal set; }

    /// <summary>The device's MSI controller (null: no MSI domain).</summary>
    public MsiControllerDescription? MsiController { get; internal set; }

    /// <summary>msi_device_has_isolated_msi(): the MSI domain chain has ISOLATED_MSI.</summary>
    public bool HasIsolatedMsi => MsiController?.IsolatedMsi ?? false;

    /// <inheritdoc/>
    public override string ToString() => Bdf.ToString();
}
