namespace HwEmu.Campaigns;

/// <summary>One fault entry of a campaign: a model, its target and parameters, when, how many runs.</summary>
public sealed record FaultSpec
{
    /// <summary>Label in reports (default: model and target).</summary>
    public string Name { get; init; } = "";
    /// <summary>The fault model.</summary>
    public FaultModel Model { get; init; }
    /// <summary>Faulty runs of this entry.</summary>
    public int Runs { get; init; } = 100;
    /// <summary>When to inject.</summary>
    public TriggerSpec When { get; init; } = new(TriggerKind.Step, ValueRange.Of(0));
    /// <summary>Machine fields this entry overrides (e.g. the MSI controller).</summary>
    public MachineSpec Machine { get; init; } = new();
    /// <summary>Target structure of memory faults.</summary>
    public StructureKind Structure { get; init; } = StructureKind.Pte;
    /// <summary>Device the fault applies to (the writer for rogue MSIs and DMA).</summary>
    public ValueRange Device { get; init; } = ValueRange.Of(0);
    /// <summary>Page-table level of a PTE fault (3 = leaf).</summary>
    public ValueRange Level { get; init; } = ValueRange.Of(3);
    /// <summary>Vector (EventID index) of an ITE fault or rogue MSI.</summary>
    public ValueRange Vector { get; init; } = ValueRange.Of(0);
    /// <summary>Bit index within the structure / command / TLB output address (default: the whole width).</summary>
    public ValueRange? Bit { get; init; }
    /// <summary>Command kind of command faults.</summary>
    public CommandKind Command { get; init; } = CommandKind.Tlbi;
    /// <summary>Delay of a delayed command, ns.</summary>
    public ValueRange DelayNs { get; init; } = ValueRange.Of(10_000);
    /// <summary>Region of a DMA outside the mappings.</summary>
    public OutsideRegion Region { get; init; } = OutsideRegion.Unmapped;
    /// <summary>Peer device of a peer-BAR DMA.</summary>
    public ValueRange Peer { get; init; } = ValueRange.Of(1);
    /// <summary>Victim device of a rogue MSI.</summary>
    public ValueRange Victim { get; init; } = ValueRange.Of(1);
    /// <summary>Explicit EventID / SPI data of a rogue MSI (default: the victim's own value for the vector).</summary>
    public ValueRange? EventId { get; init; }
    /// <summary>Byte offset within the target page / BAR.</summary>
    public ValueRange? Offset { get; init; }
    /// <summary>Data of an outside DMA write (default: random 32-bit).</summary>
    public ValueRange? Data { get; init; }
    /// <summary>Faulting DMAs of an event-queue overflow burst (default 2^EventQueueLog2 + 4).</summary>
    public ValueRange? Burst { get; init; }
    /// <summary>Completion status.</summary>
    public CompletionStatus Status { get; init; } = CompletionStatus.Ur;
    /// <summary>Extra latency of a spike, ns.</summary>
    public ValueRange ExtraNs { get; init; } = ValueRange.Of(1000);
    /// <summary>Duration of a spike, ns.</summary>
    public ValueRange DurationNs { get; init; } = ValueRange.Of(10_000);
}
