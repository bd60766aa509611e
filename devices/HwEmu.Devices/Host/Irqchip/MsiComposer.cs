using HwEmu.Devices.Host.Iommu;

namespace HwEmu.Devices.Host.Irqchip;

/// <summary>
/// iommu_dma_prepare_msi + iommu_dma_compose_msi_msg: turns the irqchip's physical doorbell into the address the
/// device must use. A DMA domain maps the doorbell page through its IOVA allocator; an unmanaged domain with an
/// MSI cookie maps it in the SW_MSI window; an identity domain, no domain, or an MSI controller upstream of the
/// IOMMU (in the host bridge) gives the physical address with no mapping. The device is programmed with
/// iova | (doorbell_pa &amp; (granule - 1)).
/// </summary>
public static class MsiComposer
{
    /// <summary>Composes the message for <paramref name="doorbellPa"/>/<paramref name="data"/>.</summary>
    /// <param name="domain">The device's current IOMMU domain (null: none).</param>
    /// <param name="doorbellPa">Physical doorbell (GITS_TRANSLATER, or v2m frame + MSI_SETSPI_NS).</param>
    /// <param name="data">MSI data (EventID or SPI).</param>
    /// <param name="upstreamOfIommu">The MSI controller sits before the SMMU: writes are never translated.</param>
    /// <param name="message">The composed message.</param>
    /// <param name="dmaMaskBits">Device DMA mask width.</param>
    /// <param name="isPci">PCI device (a 32-bit IOVA is tried first in DMA domains).</param>
    /// <returns>-ENOMEM when the doorbell cannot be mapped.</returns>
    public static Errno Compose(IommuDomain? domain, ulong doorbellPa, uint data, bool upstreamOfIommu, out MsiMessage message,
        int dmaMaskBits = 64, bool isPci = true)
    {
        message = new MsiMessage(doorbellPa, data);
        if (upstreamOfIommu) return Errno.None;
        var err = MsiCookie.PrepareMsi(domain, doorbellPa, dmaMaskBits, isPci, out ulong address);
        if (err != Errno.None) return err;
        message = new MsiMessage(address, data);
        return Errno.None;
    }

    /// <summary>
    /// The message for <paramref name="device"/> (its MSI controller's doorbell, its DMA mask, upstream or not)
    /// while attached to <paramref name="domain"/>; -ENODEV when the device has no MSI controller.
    /// </summary>
    public static Errno Compose(HostDevice device, IommuDomain? domain, uint data, out MsiMessage message)
    {
        message = default;
        var mc = device.MsiController;
        if (mc is null) return Errno.ENODEV;
        return Compose(domain, mc.DoorbellPa, data, mc.UpstreamOfIommu, out message, device.Function.DmaMaskBits);
    }
}
