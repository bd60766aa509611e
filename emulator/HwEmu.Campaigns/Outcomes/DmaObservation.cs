namespace HwEmu.Campaigns;

/// <summary>How a device access ended.</summary>
public enum DmaStatus : byte
{
    /// <summary>Reached its target.</summary>
    Ok,
    /// <summary>The SMMU aborted it (translation or configuration fault).</summary>
    SmmuAbort,
    /// <summary>The completer returned UR / CA, or the write hit no target (decode error).</summary>
    CompletionError,
    /// <summary>The read completed with poisoned data.</summary>
    Poisoned,
    /// <summary>Not issued (the device gave up after an earlier error).</summary>
    NotIssued,
}

/// <summary>
/// One device access as the outcome classifier sees it: who, which IOVA, where it landed, which data, how it ended.
/// <see cref="Seq"/> numbers the accesses of a step (0 descriptor read, 1 result write, 2.. extra accesses).
/// </summary>
public readonly record struct DmaObservation(int Step, int Device, int Seq, bool Write, ulong Iova, ulong Pa, ulong DataHash, DmaStatus Status, ulong TimePs);
