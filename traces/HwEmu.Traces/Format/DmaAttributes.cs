namespace HwEmu.Traces.Format;

/// <summary>Attributes of a DMA transaction (TLP attributes and the AXI side-band the SMMU sees).</summary>
[Flags]
public enum DmaAttributes : byte
{
    /// <summary>No attribute set: unprivileged, data, non-secure handled separately.</summary>
    None = 0,
    /// <summary>Privileged access (AxPROT[0]); for PCIe from the PASID prefix's Privileged Mode Requested bit.</summary>
    Privileged = 1 << 0,
    /// <summary>Instruction fetch (AxPROT[2]); for PCIe the PASID prefix's Execute Requested bit.</summary>
    Instruction = 1 << 1,
    /// <summary>Non-secure access (AxPROT[1]).</summary>
    NonSecure = 1 << 2,
    /// <summary>TLP No Snoop attribute.</summary>
    NoSnoop = 1 << 3,
    /// <summary>TLP Relaxed Ordering attribute.</summary>
    RelaxedOrdering = 1 << 4,
    /// <summary>TLP ID-Based Ordering attribute.</summary>
    IdBasedOrdering = 1 << 5,
    /// <summary>The address is already translated (PCIe AT field = Translated, ATS).</summary>
    Translated = 1 << 6,
}
