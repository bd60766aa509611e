namespace HwEmu.Campaigns;

/// <summary>Outcome classes of a faulty run compared with the golden run (docs/fault-injection.md).</summary>
public enum Outcome
{
    /// <summary>No observable difference and nothing detected.</summary>
    Masked,
    /// <summary>An SMMU event / GERROR, an ITS drop, a PCIe AER error or a driver timeout was recorded before anything escaped.</summary>
    Detected,
    /// <summary>A DMA reached another physical address, carried other data, or did not happen, undetected.</summary>
    SilentDataCorruption,
    /// <summary>An interrupt of the golden run was not delivered.</summary>
    InterruptLost,
    /// <summary>An extra interrupt on a vector of the writing device.</summary>
    InterruptSpurious,
    /// <summary>An interrupt reached a vector of another device, or another INTID / CPU than in the golden run.</summary>
    InterruptMisrouted,
    /// <summary>No progress within the hang bound.</summary>
    Hang,
    /// <summary>An exception escaped the models (an emulator bug; must be 0).</summary>
    EmulatorError,
}
