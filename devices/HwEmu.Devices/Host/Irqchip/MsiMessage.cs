namespace HwEmu.Devices.Host.Irqchip;

/// <summary>struct msi_msg: what a device's MSI capability or MSI-X table entry is programmed with.</summary>
/// <param name="Address">Doorbell address as the device issues it (an IOVA when translated by the IOMMU).</param>
/// <param name="Data">Payload: the EventID for an ITS, the SPI INTID for a GICv2m frame.</param>
public readonly record struct MsiMessage(ulong Address, uint Data)
{
    /// <inheritdoc/>
    public override string ToString() => $"addr 0x{Address:x} data 0x{Data:x}";
}
