namespace HwEmu.Campaigns;

/// <summary>MSI controller behind the SMMU.</summary>
public enum MsiKind
{
    /// <summary>GICv3 ITS: the DeviceID side-band selects the device's ITT.</summary>
    Its,
    /// <summary>GICv2m frame: MSI_SETSPI_NS raises whatever SPI is written, from any writer.</summary>
    Gicv2m,
}
