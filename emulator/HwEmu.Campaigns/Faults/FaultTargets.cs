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

/// <summary>SMMU commands a drop / delay / corruption selects.</summary>
public enum CommandKind
{
    /// <summary>Any TLBI_* command.</summary>
    Tlbi,
    /// <summary>Any CFGI_* command.</summary>
    Cfgi,
    /// <summary>CMD_SYNC.</summary>
    Sync,
    /// <summary>Any command.</summary>
    Any,
}

/// <summary>Where a <see cref="FaultModel.DmaOutside"/> write goes.</summary>
public enum OutsideRegion
{
    /// <summary>An IOVA the host never mapped.</summary>
    Unmapped,
    /// <summary>The MSI doorbell page at IOVA 0x8000000 (mapped for MSIs).</summary>
    MsiWindow,
    /// <summary>A peer device's BAR (bus address).</summary>
    PeerBar,
}

/// <summary>PCIe completion status of a <see cref="FaultModel.CompletionError"/>.</summary>
public enum CompletionStatus
{
    /// <summary>Unsupported Request.</summary>
    Ur,
    /// <summary>Completer Abort.</summary>
    Ca,
    /// <summary>Successful completion with poisoned data (EP = 1).</summary>
    Poisoned,
}
