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
