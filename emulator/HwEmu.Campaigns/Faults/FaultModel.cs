namespace HwEmu.Campaigns;

/// <summary>The fault models a campaign can inject (JSON names in <see cref="FaultModels"/>).</summary>
public enum FaultModel
{
    /// <summary>Flip one bit of a translation or interrupt structure in memory (transient).</summary>
    BitFlip,
    /// <summary>Force one bit of a structure to 0 from the trigger on (re-applied after every host store).</summary>
    StuckAt0,
    /// <summary>Force one bit of a structure to 1 from the trigger on.</summary>
    StuckAt1,
    /// <summary>The Nth TLBI / CFGI / CMD_SYNC never reaches the SMMU.</summary>
    DropCommand,
    /// <summary>The Nth TLBI / CFGI reaches the SMMU late.</summary>
    DelayCommand,
    /// <summary>A bit of a cached TLB entry's output address flips.</summary>
    TlbCorrupt,
    /// <summary>The host does not map the MSI doorbell page for a device.</summary>
    DoorbellMissing,
    /// <summary>The device's doorbell IOVA maps a RAM page instead of the doorbell.</summary>
    DoorbellElsewhere,
    /// <summary>The device issues a DMA write outside its mappings: unmapped IOVA, MSI window or a peer's BAR.</summary>
    DmaOutside,
    /// <summary>A device writes another device's EventID (ITS) or SPI (GICv2m) to its doorbell.</summary>
    RogueMsi,
    /// <summary>The device sends its MSI twice.</summary>
    DuplicateMsi,
    /// <summary>The device's MSI is lost before the doorbell.</summary>
    DropMsi,
    /// <summary>A bit of the Nth command flips in the SMMU command queue before the SMMU reads it.</summary>
    CmdqCorrupt,
    /// <summary>The host stops draining the event queue and the device causes a burst of faults.</summary>
    EventqOverflow,
    /// <summary>The device's descriptor read completes with UR, CA or poisoned data.</summary>
    CompletionError,
    /// <summary>Memory latency of device accesses rises by extraNs for durationNs.</summary>
    LatencySpike,
}
