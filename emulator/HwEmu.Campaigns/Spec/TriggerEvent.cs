namespace HwEmu.Campaigns;

/// <summary>Event kinds an <see cref="TriggerKind.Nth"/> trigger counts.</summary>
public enum TriggerEvent
{
    /// <summary>Device DMA (descriptor read and result write both count).</summary>
    Dma,
    /// <summary>Device MSI.</summary>
    Msi,
    /// <summary>Host map.</summary>
    Map,
    /// <summary>Host unmap.</summary>
    Unmap,
    /// <summary>SMMU command of the fault's command kind (for command faults) or any command.</summary>
    Command,
}
