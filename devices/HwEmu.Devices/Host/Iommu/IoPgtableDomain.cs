using HwEmu.Devices.Host.IoPgtable;

namespace HwEmu.Devices.Host.Iommu;

/// <summary>
/// An IOMMU paging domain backed directly by an <see cref="IoPgtableArm"/> table in emulated memory, with the
/// geometry arm-smmu-v3 gives its domains (aperture [0, 2^ias - 1]). Stands in for the SMMUv3 driver until it
/// exists; no TLB invalidation is issued.
/// </summary>
public sealed class IoPgtableDomain : IIommuDomainOps
{
    /// <summary>Wraps <paramref name="table"/>.</summary>
    /// <param name="table">The io-pgtable this domain edits.</param>
    /// <param name="driverName">Driver identity for VFIO's domain reuse (e.g. "arm-smmu-v3").</param>
    public IoPgtableDomain(IoPgtableArm table, string driverName = "arm-smmu-v3")
    {
        Table = table;
        DriverName = driverName;
    }

    /// <summary>The underlying table.</summary>
    public IoPgtableArm Table { get; }

    /// <inheritdoc/>
    public ulong PgsizeBitmap => Table.PgsizeBitmap;

    /// <inheritdoc/>
    public ulong ApertureStart => 0;

    /// <inheritdoc/>
    public ulong ApertureEnd => Table.Config.Ias >= 64 ? ulong.MaxValue : (1UL << Table.Config.Ias) - 1;

    /// <inheritdoc/>
    public string DriverName { get; }

    /// <inheritdoc/>
    public Errno MapPages(ulong iova, ulong paddr, ulong pgsize, ulong pgcount, IommuProt prot, out ulong mapped)
        => Table.MapPages(iova, paddr, pgsize, pgcount, prot, out mapped);

    /// <inheritdoc/>
    public ulong UnmapPages(ulong iova, ulong pgsize, ulong pgcount) => Table.UnmapPages(iova, pgsize, pgcount);

    /// <inheritdoc/>
    public ulong IovaToPhys(ulong iova) => Table.IovaToPhys(iova);
}
