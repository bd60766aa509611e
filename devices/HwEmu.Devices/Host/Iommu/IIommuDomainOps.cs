namespace HwEmu.Devices.Host.Iommu;

/// <summary>
/// The page-table side of an IOMMU domain (struct iommu_domain_ops map_pages/unmap_pages/iova_to_phys plus the
/// domain's pgsize_bitmap and geometry). VFIO and the DMA layer go through <see cref="IommuCore"/>, which adds
/// iommu_map()'s checks and page-size selection on top. The SMMUv3 driver model plugs in here later; until then
/// <see cref="IoPgtableDomain"/> provides a domain backed only by io-pgtable tables in emulated memory.
/// </summary>
public interface IIommuDomainOps
{
    /// <summary>Page sizes the domain can map (domain->pgsize_bitmap).</summary>
    ulong PgsizeBitmap { get; }

    /// <summary>First IOVA of the aperture (geometry.aperture_start).</summary>
    ulong ApertureStart { get; }

    /// <summary>Last IOVA of the aperture, inclusive (geometry.aperture_end).</summary>
    ulong ApertureEnd { get; }

    /// <summary>Identifies the driver (struct iommu_ops); VFIO reuses a domain only for the same driver.</summary>
    string DriverName { get; }

    /// <summary>ops->map_pages (see <see cref="HwEmu.Devices.Host.IoPgtable.IoPgtableArm.MapPages"/>).</summary>
    Errno MapPages(ulong iova, ulong paddr, ulong pgsize, ulong pgcount, IommuProt prot, out ulong mapped);

    /// <summary>ops->unmap_pages: returns bytes unmapped (includes the TLB invalidation in a real driver).</summary>
    ulong UnmapPages(ulong iova, ulong pgsize, ulong pgcount);

    /// <summary>ops->iova_to_phys: output address or 0.</summary>
    ulong IovaToPhys(ulong iova);
}
