namespace HwEmu.Devices.Platform.Machine;

/// <summary>PCIe completion status a fault hook gives a read (PCIe Base spec §2.2.9: SC, UR, CA; EP = poisoned).</summary>
public enum RunCompletionStatus : byte
{
    /// <summary>Successful completion.</summary>
    Success,
    /// <summary>Unsupported Request.</summary>
    UnsupportedRequest,
    /// <summary>Completer Abort.</summary>
    CompleterAbort,
    /// <summary>Successful completion carrying poisoned data (EP = 1).</summary>
    Poisoned,
}

/// <summary>
/// Fault-injection hooks inside a <see cref="ScenarioMachine"/>'s transaction flow (fault campaigns). Unset by default:
/// each call site is a single null check, so a machine without hooks runs exactly as before.
/// </summary>
public interface IRunFaultHooks
{
    /// <summary>
    /// An MSI write from <paramref name="requesterId"/> is about to reach its doorbell; false loses it (it never
    /// reaches the interrupt controller, and the device sees no error: MSIs are posted writes).
    /// </summary>
    bool DeliverMsi(ulong timePs, ushort requesterId, ulong doorbellAddress, uint data);

    /// <summary>The completion status of a DMA read from memory by <paramref name="requesterId"/> (transaction <paramref name="transactionId"/>).</summary>
    RunCompletionStatus ReadCompletion(ulong timePs, ulong transactionId, ushort requesterId, ulong address);

    /// <summary>Extra memory latency (ps) of a DMA memory access starting at <paramref name="timePs"/>.</summary>
    ulong ExtraMemoryLatencyPs(ulong timePs);

    /// <summary>
    /// The driver has just dma_map'ed <paramref name="size"/> bytes at <paramref name="deviceAddress"/> for device
    /// <paramref name="device"/> (scenario order), before telling the device: the page tables now hold the host's intent.
    /// </summary>
    void OnStreamingMap(ulong timePs, int device, ulong deviceAddress, int size);
}
