namespace HwEmu.Devices.Gic;

/// <summary>
/// Hooks for the trace layer. Models call them only when an observer is attached, passing value types by
/// reference, so an unobserved run allocates nothing.
/// </summary>
public interface IGicObserver
{
    /// <summary>An ITS command was executed, skipped or stalled the queue.</summary>
    void OnItsCommand(GicV3Its its, in ItsCommandRecord record);

    /// <summary>An MSI was translated (or dropped) by an ITS.</summary>
    void OnMsiTranslated(GicV3Its its, in MsiTranslation translation);

    /// <summary>A CPU acknowledged an interrupt.</summary>
    void OnInterruptDelivered(in GicDelivery delivery);
}
