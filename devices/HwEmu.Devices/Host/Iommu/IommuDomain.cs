namespace HwEmu.Devices.Host.Iommu;

/// <summary>IOMMU domain types (IOMMU_DOMAIN_*).</summary>
public enum IommuDomainType
{
    /// <summary>IOMMU_DOMAIN_BLOCKED: all DMA blocked.</summary>
    Blocked,
    /// <summary>IOMMU_DOMAIN_IDENTITY: DMA addresses are physical (bypass).</summary>
    Identity,
    /// <summary>IOMMU_DOMAIN_UNMANAGED: owned by a user such as VFIO.</summary>
    Unmanaged,
    /// <summary>IOMMU_DOMAIN_DMA: kernel DMA API, strict invalidation.</summary>
    Dma,
    /// <summary>IOMMU_DOMAIN_DMA_FQ: kernel DMA API with a flush queue (lazy invalidation).</summary>
    DmaFq,
}

/// <summary>
/// An IOMMU domain: its type, the page-table operations behind it and (for DMA and MSI users) the dma-iommu
/// cookie that holds its IOVA allocator or MSI window.
/// </summary>
public sealed class IommuDomain
{
    /// <summary>Creates a domain of <paramref name="type"/> over <paramref name="ops"/> (null for identity/blocked).</summary>
    public IommuDomain(IommuDomainType type, IIommuDomainOps? ops)
    {
        Type = type;
        Ops = ops;
    }

    /// <summary>Domain type.</summary>
    public IommuDomainType Type { get; }

    /// <summary>Page-table operations (null for identity and blocked domains).</summary>
    public IIommuDomainOps? Ops { get; }

    /// <summary>The dma-iommu cookie (domain-&gt;iova_cookie), if any.</summary>
    public MsiCookie? Cookie { get; internal set; }

    /// <summary>The string sysfs "type" prints for a group whose default domain has <paramref name="type"/>.</summary>
    public static string SysfsTypeName(IommuDomainType type) => type switch
    {
        IommuDomainType.Blocked => "blocked",
        IommuDomainType.Identity => "identity",
        IommuDomainType.Unmanaged => "unmanaged",
        IommuDomainType.Dma => "DMA",
        _ => "DMA-FQ",
    };
}
