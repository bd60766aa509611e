namespace HwEmu.Devices.Host.Irqchip;

/// <summary>One allocated MSI vector of a device.</summary>
/// <param name="EventId">ITS EventID (index in the device's ITT); for GICv2m, the SPI's index in the frame.</param>
/// <param name="IntId">The interrupt the vector raises: LPI INTID (ITS) or SPI INTID (GICv2m).</param>
/// <param name="Message">Address and data to program into the device.</param>
public readonly record struct MsiVector(uint EventId, uint IntId, MsiMessage Message);
