namespace HwEmu.Campaigns;

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
