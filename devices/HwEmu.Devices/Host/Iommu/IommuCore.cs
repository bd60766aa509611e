using System.Numerics;

namespace HwEmu.Devices.Host.Iommu;

/// <summary>
/// The generic half of drivers/iommu/iommu.c map/unmap (v6.1): iommu_map() checks alignment against the smallest
/// page size, splits the range with iommu_pgsize() into the largest pages iova/paddr alignment allows, calls
/// map_pages in a loop and unrolls on failure; iommu_unmap() does the same for unmapping and stops at the first
/// hole.
/// </summary>
public static class IommuCore
{
    /// <summary>
    /// iommu_pgsize(): the page size to use for the next chunk at <paramref name="iova"/>/<paramref name="paddr"/>
    /// of a <paramref name="size"/>-byte request, and how many such pages.
    /// </summary>
    public static ulong PgSize(ulong pgsizeBitmap, ulong iova, ulong paddr, ulong size, out ulong count)
    {
        ulong addrMerge = paddr | iova;
        int flsSize = 63 - BitOperations.LeadingZeroCount(size);
        ulong pgsizes = pgsizeBitmap & GenMask(flsSize);
        if (addrMerge != 0) pgsizes &= GenMask(BitOperations.TrailingZeroCount(addrMerge));
        if (pgsizes == 0)
        {
            count = 0;
            return 0; // BUG_ON in the kernel; callers have checked alignment so this cannot happen
        }
        int pgsizeIdx = 63 - BitOperations.LeadingZeroCount(pgsizes);
        ulong pgsize = 1UL << pgsizeIdx;
        pgsizes = pgsizeBitmap & ~GenMask(pgsizeIdx);
        if (pgsizes != 0)
        {
            ulong pgsizeNext = 1UL << BitOperations.TrailingZeroCount(pgsizes);
            // No point trying a bigger page size unless iova and paddr are similarly offset within it.
            if (((iova ^ paddr) & (pgsizeNext - 1)) == 0)
            {
                ulong offset = pgsizeNext - (addrMerge & (pgsizeNext - 1));
                if (offset + pgsizeNext <= size) size = offset;
            }
        }
        count = size >> pgsizeIdx;
        return pgsize;
    }

    private static ulong GenMask(int hi) => hi >= 63 ? ulong.MaxValue : (1UL << (hi + 1)) - 1;

    /// <summary>
    /// iommu_map(): -EINVAL when iova, paddr or size is not aligned to the smallest page size (the kernel prints
    /// "unaligned: iova 0x%lx pa %pa size 0x%zx min_pagesz 0x%x"); otherwise maps chunk by chunk and, on error,
    /// unmaps what it had mapped. A zero size maps nothing and succeeds.
    /// </summary>
    public static Errno Map(IIommuDomainOps domain, ulong iova, ulong paddr, ulong size, IommuProt prot)
    {
        if (domain.PgsizeBitmap == 0) return Errno.ENODEV;
        ulong minPagesz = 1UL << BitOperations.TrailingZeroCount(domain.PgsizeBitmap);
        if (((iova | paddr | size) & (minPagesz - 1)) != 0) return Errno.EINVAL;
        ulong origIova = iova, origSize = size;
        Errno ret = Errno.None;
        while (size != 0)
        {
            ulong pgsize = PgSize(domain.PgsizeBitmap, iova, paddr, size, out ulong count);
            ret = domain.MapPages(iova, paddr, pgsize, count, prot, out ulong mapped);
            size -= mapped;
            if (ret != Errno.None) break;
            // 6.1 io-pgtable "maps" a request without READ/WRITE by doing nothing and returning 0, on which the
            // kernel's loop would spin; HwEmu stops (the result, an empty mapping, is the same).
            if (mapped == 0) break;
            iova += mapped;
            paddr += mapped;
        }
        if (ret != Errno.None) Unmap(domain, origIova, origSize - size);
        return ret;
    }

    /// <summary>
    /// iommu_unmap(): returns the bytes unmapped; 0 when iova or size is unaligned; stops at the first chunk the
    /// driver cannot unmap.
    /// </summary>
    public static ulong Unmap(IIommuDomainOps domain, ulong iova, ulong size)
    {
        if (domain.PgsizeBitmap == 0) return 0;
        ulong minPagesz = 1UL << BitOperations.TrailingZeroCount(domain.PgsizeBitmap);
        if (((iova | size) & (minPagesz - 1)) != 0) return 0;
        ulong unmapped = 0;
        while (unmapped < size)
        {
            ulong pgsize = PgSize(domain.PgsizeBitmap, iova, iova, size - unmapped, out ulong count);
            ulong page = domain.UnmapPages(iova, pgsize, count);
            if (page == 0) break;
            iova += page;
            unmapped += page;
        }
        return unmapped;
    }
}
