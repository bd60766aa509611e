namespace HwEmu.Campaigns;

/// <summary>In-memory structures a bit flip or stuck-at can hit (IHI 0070 §5, IHI 0069 §5.2).</summary>
public enum StructureKind
{
    /// <summary>A VMSAv8-64 stage-1 descriptor of the device's current mapping (level 0..3).</summary>
    Pte,
    /// <summary>The device's Stream Table Entry (64 bytes).</summary>
    Ste,
    /// <summary>The device's Context Descriptor (64 bytes).</summary>
    Cd,
    /// <summary>The device's ITS Device Table Entry.</summary>
    Dte,
    /// <summary>An Interrupt Translation Entry of the device.</summary>
    Ite,
    /// <summary>The Collection Table Entry of the device's collection.</summary>
    Cte,
}
