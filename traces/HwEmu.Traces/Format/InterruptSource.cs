namespace HwEmu.Traces.Format;

/// <summary>The controller that generated a delivered interrupt.</summary>
public enum InterruptSource : byte
{
    /// <summary>A wired interrupt line (SPI/PPI).</summary>
    Wired = 0,
    /// <summary>An LPI translated by a GICv3 ITS (DeviceID/EventID are meaningful).</summary>
    Its = 1,
    /// <summary>An SPI triggered through a GICv2m MSI frame.</summary>
    Gicv2m = 2,
}
