namespace HwEmu.Campaigns;

/// <summary>What a trigger counts.</summary>
public enum TriggerKind
{
    /// <summary>At work step N (after the host mapped the step's buffer, before the device uses it).</summary>
    Step,
    /// <summary>At simulated time T nanoseconds.</summary>
    Time,
    /// <summary>At the Nth occurrence (0-based) of an event kind.</summary>
    Nth,
}

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

/// <summary>When a fault is injected.</summary>
/// <param name="Kind">What the trigger counts.</param>
/// <param name="Value">Step, time in ns, or occurrence index (a range draws per run).</param>
/// <param name="Of">For <see cref="TriggerKind.Nth"/>: the event kind.</param>
public sealed record TriggerSpec(TriggerKind Kind, ValueRange Value, TriggerEvent Of = TriggerEvent.Dma);
