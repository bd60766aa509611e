using HwEmu.Devices.Smmu;

namespace HwEmu.Devices.Platform.Machine;

/// <summary>
/// What a run reports to a recorder, one call per architectural step. Every argument is a value (or a span that is
/// valid only during the call), so an attached observer adds no allocation of its own to the run, and a run without
/// one pays a null check per step. The fields are exactly those of the trace records (traces/Format/Records) so a
/// recorder maps a callback to a record without looking anything up.
/// </summary>
public interface IRunObserver
{
    /// <summary>
    /// Bytes were written into guest memory. By default the host's set-up memory is reported once, as pages tagged by
    /// structure, after the set-up; an observer whose <see cref="ReportsEveryMemoryWrite"/> is true gets every
    /// <c>PhysicalMemory</c> store instead, when it happens (set-up included), tagged <see cref="HostStructure.Other"/>.
    /// </summary>
    void OnHostMemoryWrite(ulong timePs, ulong address, ReadOnlySpan<byte> data, HostStructure structure);

    /// <summary>The host wrote a device register.</summary>
    /// <param name="timePs">Simulated time.</param>
    /// <param name="component">Index of the device in <see cref="RunComponents"/>.</param>
    /// <param name="address">Physical address of the register.</param>
    /// <param name="size">Access size in bytes.</param>
    /// <param name="value">Value written.</param>
    void OnRegisterWrite(ulong timePs, ushort component, ulong address, int size, ulong value);

    /// <summary>The SMMU consumed a command-queue command (<paramref name="error"/> = CMDQ_CONS.ERR code, 0 = none).</summary>
    void OnSmmuCommand(ulong timePs, uint consumerIndex, ulong dword0, ulong dword1, byte error);

    /// <summary>The ITS consumed a command (<paramref name="error"/> = 0 or the command error code).</summary>
    void OnItsCommand(ulong timePs, uint queueOffset, ulong dword0, ulong dword1, ulong dword2, ulong dword3, uint error);

    /// <summary>An endpoint issued a DMA transaction.</summary>
    void OnDmaIssued(in RunDma dma);

    /// <summary>A DMA transaction completed at its endpoint (<paramref name="error"/>: faulted or an error completion).</summary>
    void OnDmaCompleted(ulong timePs, ulong transactionId, bool error);

    /// <summary>
    /// The SMMU answered a transaction at <paramref name="timePs"/>: a translation (output address, permissions,
    /// latency, what served it) or a fault (<see cref="TranslationResult.Event"/> is the architected event record).
    /// </summary>
    void OnTranslation(ulong timePs, ulong transactionId, in SmmuTransaction transaction, in TranslationResult result);

    /// <summary>An MSI write reached a doorbell; <paramref name="deviceId"/> is the side-band the controller saw.</summary>
    void OnMsiWrite(ulong timePs, ushort requesterId, uint deviceId, ulong doorbellAddress, uint data);

    /// <summary>An interrupt became pending at a CPU interface.</summary>
    void OnInterruptDelivered(ulong timePs, uint intId, int cpu, RunInterruptSource source, uint deviceId, uint eventId);

    /// <summary>A request was routed to a peer's BAR inside the fabric and never reached the SMMU.</summary>
    void OnPeerToPeer(ulong timePs, ulong transactionId, ushort requesterId, ulong address, int peerEndpoint);

    /// <summary>
    /// True to be told of every store into guest memory when it happens (a trace recorder, so a replay sees memory as
    /// the models did at each step; register writes made during the run then carry the run's time); false (default)
    /// for the set-up pages once.
    /// </summary>
    bool ReportsEveryMemoryWrite => false;

    /// <summary>
    /// A DMA transaction completed, with what a run's per-device results need (kind, size, latency, whether it ended
    /// its operation). The default forwards to <see cref="OnDmaCompleted(ulong, ulong, bool)"/>; the run calls this one.
    /// </summary>
    void OnDmaCompleted(in RunCompletion completion) => OnDmaCompleted(completion.TimePs, completion.TransactionId, completion.Error);

    /// <summary>
    /// The SMMU answered a transaction that reached it at <paramref name="arrivalPs"/> (the run measures translation
    /// latency from there). The default forwards to <see cref="OnTranslation(ulong, ulong, in SmmuTransaction, in TranslationResult)"/>;
    /// the run calls this one.
    /// </summary>
    void OnTranslation(ulong arrivalPs, ulong timePs, ulong transactionId, in SmmuTransaction transaction, in TranslationResult result) =>
        OnTranslation(timePs, transactionId, transaction, result);
}

/// <summary>How the fabric routed a DMA (same values as the trace format's DmaIssued route field).</summary>
public enum RunRoute : byte
{
    /// <summary>Up to the SMMU.</summary>
    Smmu = 0,
    /// <summary>To a peer's BAR inside a switch (never reached the SMMU).</summary>
    PeerToPeer = 1,
    /// <summary>An MSI write that bypassed the SMMU (MSI controller upstream in the host bridge).</summary>
    MsiBypass = 2,
    /// <summary>No StreamID for the requester (failed at the root complex).</summary>
    NoStreamId = 3,
}

/// <summary>One completed DMA transaction (the fields of a DmaCompleted trace record).</summary>
/// <param name="TimePs">Completion time at the endpoint.</param>
/// <param name="TransactionId">The id of <see cref="RunDma.TransactionId"/>.</param>
/// <param name="Device">Index of the device in the scenario.</param>
/// <param name="Kind">What the transaction moved.</param>
/// <param name="Write">Memory write (else read).</param>
/// <param name="Size">Bytes.</param>
/// <param name="LatencyPs">Issue to completion, picoseconds.</param>
/// <param name="Error">Faulted or an error completion.</param>
/// <param name="OperationCompleted">It ended its I/O operation successfully (the device counts one operation).</param>
public readonly record struct RunCompletion(ulong TimePs, ulong TransactionId, int Device, TransactionKind Kind, bool Write, uint Size,
    ulong LatencyPs, bool Error, bool OperationCompleted);

/// <summary>One DMA transaction as issued (the fields of a DmaIssued trace record).</summary>
/// <param name="TimePs">Issue time at the endpoint.</param>
/// <param name="TransactionId">Run-unique id; later callbacks about the transaction repeat it.</param>
/// <param name="RequesterId">Requester ID seen upstream (after any PCIe-to-PCI bridge alias).</param>
/// <param name="StreamId">StreamID from the iommu-map (0 if none).</param>
/// <param name="SubstreamId">SubstreamID (PASID), meaningful when <paramref name="SubstreamValid"/>.</param>
/// <param name="SubstreamValid">A PASID prefix is present.</param>
/// <param name="Address">Untranslated address (IOVA).</param>
/// <param name="Size">Bytes.</param>
/// <param name="Write">Memory write (else read).</param>
/// <param name="Privileged">Privileged (PASID PMR).</param>
/// <param name="Instruction">Execute requested (PASID ER).</param>
public readonly record struct RunDma(ulong TimePs, ulong TransactionId, ushort RequesterId, uint StreamId, uint SubstreamId,
    bool SubstreamValid, ulong Address, uint Size, bool Write, bool Privileged, bool Instruction)
{
    /// <summary>Index of the issuing device in the scenario (-1 when not known).</summary>
    public int Device { get; init; } = -1;
    /// <summary>What the transaction moves (data, queue entry, descriptor, MSI).</summary>
    public TransactionKind Kind { get; init; }
    /// <summary>How the fabric routed it.</summary>
    public RunRoute Route { get; init; }
}

/// <summary>The in-memory structure a host write initialises (same values as the trace format's MemoryStructure).</summary>
public enum HostStructure : byte
{
    /// <summary>Anything else.</summary>
    Other = 0,
    /// <summary>SMMU stream table.</summary>
    StreamTable = 1,
    /// <summary>Context descriptor table.</summary>
    ContextDescriptor = 2,
    /// <summary>Translation table.</summary>
    TranslationTable = 3,
    /// <summary>SMMU command queue.</summary>
    SmmuCommandQueue = 4,
    /// <summary>SMMU event queue.</summary>
    SmmuEventQueue = 5,
    /// <summary>ITS command queue.</summary>
    ItsCommandQueue = 6,
    /// <summary>ITS device table.</summary>
    ItsDeviceTable = 7,
    /// <summary>ITS collection table.</summary>
    ItsCollectionTable = 8,
    /// <summary>Interrupt translation table.</summary>
    Itt = 9,
    /// <summary>LPI configuration table.</summary>
    LpiConfigurationTable = 10,
    /// <summary>LPI pending table.</summary>
    LpiPendingTable = 11,
}

/// <summary>The controller that generated a delivered interrupt (same values as the trace format's InterruptSource).</summary>
public enum RunInterruptSource : byte
{
    /// <summary>Wired SPI/PPI.</summary>
    Wired = 0,
    /// <summary>LPI from the ITS.</summary>
    Its = 1,
    /// <summary>SPI from a GICv2m frame.</summary>
    Gicv2m = 2,
}

/// <summary>Stable component numbers used in register-write callbacks.</summary>
public static class RunComponents
{
    /// <summary>The SMMUv3.</summary>
    public const ushort Smmu = 0;
    /// <summary>The ITS or GICv2m frame.</summary>
    public const ushort MsiController = 1;
    /// <summary>The GIC distributor / redistributors.</summary>
    public const ushort Gic = 2;
    /// <summary>Endpoint <c>i</c> (in topology order) is component <c>FirstEndpoint + i</c>.</summary>
    public const ushort FirstEndpoint = 16;
}
