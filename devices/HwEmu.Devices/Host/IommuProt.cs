namespace HwEmu.Devices.Host;

/// <summary>IOMMU mapping protection flags (include/linux/iommu.h IOMMU_*).</summary>
[Flags]
public enum IommuProt
{
    /// <summary>No access.</summary>
    None = 0,
    /// <summary>IOMMU_READ: device may read.</summary>
    Read = 1 << 0,
    /// <summary>IOMMU_WRITE: device may write.</summary>
    Write = 1 << 1,
    /// <summary>IOMMU_CACHE: DMA cache coherency.</summary>
    Cache = 1 << 2,
    /// <summary>IOMMU_NOEXEC: no instruction fetch.</summary>
    NoExec = 1 << 3,
    /// <summary>IOMMU_MMIO: e.g. things like MSI doorbells.</summary>
    Mmio = 1 << 4,
    /// <summary>IOMMU_PRIV: privileged-only access.</summary>
    Priv = 1 << 5,
}
