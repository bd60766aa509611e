namespace HwEmu.Traces.Format;

/// <summary>
/// Record types of the trace format. The numbers are the first element of every record array and are stable:
/// never renumber or reuse one; add new types at the end. Readers skip types they do not know.
/// </summary>
public enum TraceRecordType : ushort
{
    /// <summary>The file header (<see cref="TraceHeader"/>); always record 0.</summary>
    Header = 0,
    /// <summary>A DMA transaction issued by an endpoint (<see cref="DmaIssuedRecord"/>).</summary>
    DmaIssued = 1,
    /// <summary>A successful SMMU translation (<see cref="TranslationRecord"/>).</summary>
    Translation = 2,
    /// <summary>A translation that faulted (<see cref="TranslationFaultRecord"/>).</summary>
    TranslationFault = 3,
    /// <summary>A write to an MSI doorbell (<see cref="MsiWriteRecord"/>).</summary>
    MsiWrite = 4,
    /// <summary>An interrupt delivered to a CPU interface (<see cref="InterruptDeliveredRecord"/>).</summary>
    InterruptDelivered = 5,
    /// <summary>A device register write (<see cref="RegisterWriteRecord"/>).</summary>
    RegisterWrite = 6,
    /// <summary>An SMMU command-queue command consumed (<see cref="SmmuCommandRecord"/>).</summary>
    SmmuCommand = 7,
    /// <summary>An ITS command-queue command consumed (<see cref="ItsCommandRecord"/>).</summary>
    ItsCommand = 8,
    /// <summary>A memory write of an in-memory structure, so setup replays (<see cref="MemoryWriteRecord"/>).</summary>
    MemoryWrite = 9,
    /// <summary>A fault injected by a campaign (<see cref="FaultInjectedRecord"/>).</summary>
    FaultInjected = 10,
    /// <summary>A checkpoint with a state hash for replay verification (<see cref="CheckpointRecord"/>).</summary>
    Checkpoint = 11,
    /// <summary>A DMA transaction completed (appended in format 1).</summary>
    DmaCompleted = 12,
}
