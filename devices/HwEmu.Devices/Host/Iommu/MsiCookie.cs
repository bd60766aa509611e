using System.Numerics;
using HwEmu.Devices.Host.Iova;

namespace HwEmu.Devices.Host.Iommu;

/// <summary>enum iommu_dma_cookie_type.</summary>
public enum MsiCookieType
{
    /// <summary>IOMMU_DMA_IOVA_COOKIE: a kernel DMA domain with a full IOVA allocator.</summary>
    Iova,
    /// <summary>IOMMU_DMA_MSI_COOKIE: an unmanaged domain with a trivial linear MSI page allocator.</summary>
    Msi,
}

/// <summary>One mapped doorbell page (struct iommu_dma_msi_page).</summary>
/// <param name="Phys">Doorbell page physical address.</param>
/// <param name="Iova">IOVA it is mapped at.</param>
public readonly record struct MsiPage(ulong Phys, ulong Iova);

/// <summary>
/// The dma-iommu cookie's MSI logic (drivers/iommu/dma-iommu.c, v5.1-v6.14 layout): a DMA (IOVA) cookie takes
/// the doorbell IOVA from the domain's top-down allocator (the capture's 0xfffff040 -&gt; 0x8090040); an MSI
/// cookie hands out PAGE_SIZE steps from the SW_MSI base with no end check (VFIO's 0x8000040). One mapping per
/// doorbell page per domain; the device is programmed with iova | (doorbell &amp; (granule - 1)).
/// </summary>
public sealed class MsiCookie
{
    private readonly List<MsiPage> _pages = new();

    private MsiCookie(MsiCookieType type, IovaDomain? iovad, ulong msiIova, ulong granule)
    {
        Type = type;
        Iovad = iovad;
        MsiIova = msiIova;
        Granule = granule;
    }

    /// <summary>Cookie type.</summary>
    public MsiCookieType Type { get; }

    /// <summary>The IOVA allocator of a DMA cookie.</summary>
    public IovaDomain? Iovad { get; }

    /// <summary>Next IOVA the MSI cookie hands out (msi_iova).</summary>
    public ulong MsiIova { get; private set; }

    /// <summary>MSI granule: iovad.granule for IOVA cookies, PAGE_SIZE for MSI cookies.</summary>
    public ulong Granule { get; }

    /// <summary>Doorbell pages mapped so far (msi_page_list, in insertion order).</summary>
    public IReadOnlyList<MsiPage> Pages => _pages;

    /// <summary>
    /// iommu_get_msi_cookie(domain, base): -EINVAL unless the domain is unmanaged, -EEXIST when it already has a
    /// cookie.
    /// </summary>
    public static Errno GetMsiCookie(IommuDomain domain, ulong baseIova, int pageSize = 4096)
    {
        if (domain.Type != IommuDomainType.Unmanaged) return Errno.EINVAL;
        if (domain.Cookie is not null) return Errno.EEXIST;
        domain.Cookie = new MsiCookie(MsiCookieType.Msi, null, baseIova, (ulong)pageSize);
        return Errno.None;
    }

    /// <summary>
    /// iommu_get_dma_cookie + iommu_dma_init_domain for a DMA domain: an IOVA allocator with the domain's
    /// smallest page as granule and base pfn max(1, aperture_start &gt;&gt; order); PCI host-bridge MEM windows and
    /// the gaps between DMA ranges reserved (iova_reserve_pci_windows); then every reserved region except SW_MSI
    /// reserved, HW MSI regions also pre-seeded as identity doorbell pages.
    /// </summary>
    /// <returns>-EINVAL for a non-DMA domain or unsorted DMA ranges, -EEXIST if a cookie exists.</returns>
    public static Errno InitDmaDomain(IommuDomain domain, IReadOnlyList<HostBridgeWindow> windows,
        IReadOnlyList<HostBridgeWindow> dmaRanges, IEnumerable<IommuResvRegion> regions, KernelVersion? version = null)
    {
        if (domain.Type is not (IommuDomainType.Dma or IommuDomainType.DmaFq) || domain.Ops is null) return Errno.EINVAL;
        if (domain.Cookie is not null) return Errno.EEXIST;
        var ops = domain.Ops;
        int order = BitOperations.TrailingZeroCount(ops.PgsizeBitmap);
        ulong granule = 1UL << order;
        ulong basePfn = Math.Max(1, ops.ApertureStart >> order);
        var iovad = new IovaDomain(granule, basePfn, version);
        var cookie = new MsiCookie(MsiCookieType.Iova, iovad, 0, granule);

        foreach (var w in windows)
            iovad.ReserveIova((w.Start - w.Offset) >> order, (w.End - w.Offset) >> order, out _);
        ulong start = 0;
        var sorted = dmaRanges.OrderBy(r => r.Start).ToList(); // resource_list_sort
        for (int i = 0; i < sorted.Count; i++)
        {
            ulong end = sorted[i].Start - sorted[i].Offset;
            while (true)
            {
                if (end > start) iovad.ReserveIova(start >> order, end >> order, out _);
                else if (end < start) return Errno.EINVAL; // "Failed to reserve IOVA [%pa-%pa]"
                start = sorted[i].End - sorted[i].Offset + 1;
                if (i == sorted.Count - 1 && end != ulong.MaxValue)
                {
                    end = ulong.MaxValue;
                    continue;
                }
                break;
            }
        }
        foreach (var r in regions)
        {
            if (r.Type == IommuResvType.SwMsi) continue; // "We ARE the software that manages these!"
            ulong lo = r.Start >> order, hi = (r.Start + r.Length - 1) >> order;
            iovad.ReserveIova(lo, hi, out _);
            if (r.Type == IommuResvType.Msi)
            {
                // cookie_init_hw_msi_region: identity doorbell pages, found later by phys lookup.
                ulong s = r.Start & ~(granule - 1);
                for (ulong p = s; p < r.Start + r.Length && p >= s; p += granule)
                    cookie._pages.Add(new MsiPage(p, p));
            }
        }
        domain.Cookie = cookie;
        return Errno.None;
    }

    /// <summary>
    /// iommu_dma_prepare_msi + iommu_dma_compose_msi_msg for one MSI of a device: returns the address the device
    /// must be programmed with. No domain, no cookie (identity domain, or VFIO with a hardware MSI region) or an
    /// MSI controller upstream of the IOMMU: the doorbell's physical address, no mapping. Otherwise the doorbell
    /// page is looked up or mapped (-ENOMEM when the IOVA allocation or the mapping fails).
    /// </summary>
    /// <param name="domain">The device's current domain, or null when it has none.</param>
    /// <param name="doorbellPa">Physical MSI address from the irqchip (ITS: base + GITS_TRANSLATER 0x10040).</param>
    /// <param name="dmaMaskBits">Device DMA mask (dma_get_mask).</param>
    /// <param name="isPci">The device is PCI (tries a 32-bit IOVA first).</param>
    /// <param name="msiAddress">Address to program into the device's MSI capability / MSI-X entry.</param>
    public static Errno PrepareMsi(IommuDomain? domain, ulong doorbellPa, int dmaMaskBits, bool isPci, out ulong msiAddress)
    {
        msiAddress = doorbellPa;
        var cookie = domain?.Cookie;
        if (domain is null || cookie is null || domain.Ops is null) return Errno.None;
        var err = cookie.GetMsiPage(domain, doorbellPa, dmaMaskBits, isPci, out var page);
        if (err != Errno.None) return err;
        msiAddress = page.Iova + (doorbellPa & (cookie.Granule - 1));
        return Errno.None;
    }

    /// <summary>iommu_dma_get_msi_page(): the cached page for the doorbell's granule, or a new mapping.</summary>
    public Errno GetMsiPage(IommuDomain domain, ulong msiAddr, int dmaMaskBits, bool isPci, out MsiPage page)
    {
        page = default;
        ulong size = Granule;
        msiAddr &= ~(size - 1);
        foreach (var p in _pages)
            if (p.Phys == msiAddr) { page = p; return Errno.None; }
        var ops = domain.Ops!;
        ulong iova = AllocIova(ops, size, dmaMaskBits, isPci);
        if (iova == 0) return Errno.ENOMEM; // a spent MSI bump is not stepped back, as in the kernel
        var err = IommuCore.Map(ops, iova, msiAddr, size, IommuProt.Write | IommuProt.NoExec | IommuProt.Mmio);
        if (err != Errno.None)
        {
            FreeIova(iova, size);
            return Errno.ENOMEM;
        }
        page = new MsiPage(msiAddr, iova);
        _pages.Add(page);
        return Errno.None;
    }

    /// <summary>iommu_dma_alloc_iova().</summary>
    private ulong AllocIova(IIommuDomainOps ops, ulong size, int dmaMaskBits, bool isPci)
    {
        if (Type == MsiCookieType.Msi)
        {
            // Bump allocation with no check against the SW_MSI window's end.
            MsiIova += size;
            return MsiIova - size;
        }
        var iovad = Iovad!;
        int shift = iovad.Shift;
        ulong iovaLen = size >> shift;
        ulong dmaLimit = dmaMaskBits >= 64 ? ulong.MaxValue : (1UL << dmaMaskBits) - 1;
        dmaLimit = Math.Min(dmaLimit, ops.ApertureEnd); // force_aperture
        ulong pfn = 0;
        if (dmaLimit > 0xffff_ffffUL && isPci)
            pfn = iovad.AllocIovaFast(iovaLen, 0xffff_ffffUL >> shift);
        if (pfn == 0) pfn = iovad.AllocIovaFast(iovaLen, dmaLimit >> shift);
        return pfn << shift;
    }

    private void FreeIova(ulong iova, ulong size)
    {
        // The MSI case is only ever cleaning up its most recent allocation.
        if (Type == MsiCookieType.Msi) MsiIova -= size;
        else Iovad!.FreeIova(iova >> Iovad.Shift);
    }
}
