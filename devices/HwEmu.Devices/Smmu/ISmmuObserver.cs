namespace HwEmu.Devices.Smmu;

/// <summary>
/// Hook for traces and statistics: called for each translation, each executed command and each event. Nothing is
/// allocated or called when no observer is attached.
/// </summary>
public interface ISmmuObserver
{
    /// <summary>A translation completed.</summary>
    void OnTranslation(in SmmuTransaction transaction, in TranslationResult result);

    /// <summary>A command was executed (or refused with <paramref name="error"/>).</summary>
    void OnCommand(in CmdqCommand command, CmdqError error, int cycles);

    /// <summary>An event was generated; <paramref name="written"/> is false when it was dropped.</summary>
    void OnEvent(in SmmuEventRecord record, bool written);
}

/// <summary>SMMU interrupt sources (wired interrupt lines when MSIs are not configured).</summary>
public enum SmmuInterrupt : byte
{
    /// <summary>Event queue interrupt.</summary>
    EventQueue,
    /// <summary>CMD_SYNC completion (CS = SIG_IRQ without MSI).</summary>
    CmdSync,
    /// <summary>Global error interrupt.</summary>
    GlobalError,
}
