namespace HwEmu.Campaigns;

/// <summary>What detected an error.</summary>
public enum DetectionKind : byte
{
    /// <summary>An SMMU event record (code = event type).</summary>
    SmmuEvent,
    /// <summary>An SMMU event was lost to an event-queue overflow.</summary>
    SmmuEventLost,
    /// <summary>SMMU GERROR (code = CMDQ error).</summary>
    SmmuGerror,
    /// <summary>The ITS dropped an MSI (code = <c>ItsTranslationResult</c>).</summary>
    ItsDrop,
    /// <summary>An ITS command error (code = error).</summary>
    ItsCommandError,
    /// <summary>PCIe AER: a completion error or poisoned TLP reported (code = status).</summary>
    PcieAer,
    /// <summary>The host driver timed out waiting for CMD_SYNC (Linux "CMD_SYNC timeout").</summary>
    SyncTimeout,
}

/// <summary>One detection: what and when.</summary>
public readonly record struct Detection(DetectionKind Kind, uint Code, ulong TimePs);
