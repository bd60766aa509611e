namespace HwEmu.Devices.Platform;

/// <summary>
/// One simulation scenario: the platform, the PCIe topology, the device models, how each device's DMA is
/// translated (its domain), what the devices do (workloads), and for how long. Produced by
/// <see cref="ScenarioLoader"/> from JSON (schema: docs/scenario-schema.md) or by <see cref="BuiltInScenarios"/>;
/// both give equal values (records with <see cref="ValueList{T}"/>).
/// </summary>
public sealed record Scenario
{
    /// <summary>Scenario name (shown in results).</summary>
    public string Name { get; init; } = "scenario";
    /// <summary>Free text.</summary>
    public string Description { get; init; } = "";
    /// <summary>Run seed: every random stream derives from it and a component name.</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>Memory, SMMU, MSI controller, default link.</summary>
    public PlatformSpec Platform { get; init; } = new();
    /// <summary>Root ports, switches, bridges, endpoints.</summary>
    public TopologySpec Topology { get; init; } = new();
    /// <summary>iommu-map entries: requester ID to StreamID.</summary>
    public ValueList<RidMapEntry> IommuMap { get; init; } = new[] { new RidMapEntry(0, 0, 0x10000) };
    /// <summary>iommu-map-mask applied to the RID before lookup.</summary>
    public uint IommuMapMask { get; init; } = 0xffff;
    /// <summary>msi-map entries: requester ID to MSI DeviceID.</summary>
    public ValueList<RidMapEntry> MsiMap { get; init; } = new[] { new RidMapEntry(0, 0, 0x10000) };
    /// <summary>msi-map-mask applied to the RID before lookup.</summary>
    public uint MsiMapMask { get; init; } = 0xffff;
    /// <summary>Device models bound to endpoints.</summary>
    public ValueList<DeviceSpec> Devices { get; init; } = ValueList<DeviceSpec>.Empty;
    /// <summary>DMA domain of each device.</summary>
    public ValueList<DomainSpec> Domains { get; init; } = ValueList<DomainSpec>.Empty;
    /// <summary>Traffic generators.</summary>
    public ValueList<WorkloadSpec> Workloads { get; init; } = ValueList<WorkloadSpec>.Empty;
    /// <summary>Run length and sampling.</summary>
    public RunSpec Run { get; init; } = new();
}

/// <summary>One iommu-map / msi-map entry: RIDs [RidBase, RidBase+Length) map to [Base, Base+Length).</summary>
/// <param name="RidBase">First requester ID (after the mask).</param>
/// <param name="Base">StreamID or DeviceID of <paramref name="RidBase"/>.</param>
/// <param name="Length">Number of consecutive RIDs covered.</param>
public sealed record RidMapEntry(uint RidBase, uint Base, uint Length);

/// <summary>Platform-level hardware.</summary>
public sealed record PlatformSpec
{
    /// <summary>Host DRAM.</summary>
    public MemorySpec Memory { get; init; } = new();
    /// <summary>The SMMUv3.</summary>
    public SmmuSpec Smmu { get; init; } = new();
    /// <summary>GIC and MSI controller.</summary>
    public MsiControllerSpec Msi { get; init; } = new();
    /// <summary>Link parameters used where a port does not override them.</summary>
    public LinkSpec Link { get; init; } = new();
}

/// <summary>Host DRAM: placement and timing (maps to <c>MemoryTiming</c>).</summary>
public sealed record MemorySpec
{
    /// <summary>Physical base address.</summary>
    public ulong Base { get; init; } = 0x4000_0000;
    /// <summary>Size in bytes.</summary>
    public ulong Size { get; init; } = 1UL << 30;
    /// <summary>Access latency, picoseconds.</summary>
    public ulong LatencyPs { get; init; } = 80_000;
    /// <summary>Bandwidth, bytes per nanosecond (= GB/s).</summary>
    public double BytesPerNanosecond { get; init; } = 25.6;
    /// <summary>Maximum outstanding accesses.</summary>
    public int Outstanding { get; init; } = 32;
}

/// <summary>TLB replacement policy.</summary>
public enum TlbPolicy
{
    /// <summary>Least recently used.</summary>
    Lru,
    /// <summary>First in, first out.</summary>
    Fifo,
    /// <summary>Pseudo-random (seeded).</summary>
    Random,
}

/// <summary>Translation stages the SMMU implements / the domains use.</summary>
public enum SmmuStages
{
    /// <summary>Stage 1 only.</summary>
    Stage1,
    /// <summary>Stage 2 only.</summary>
    Stage2,
    /// <summary>Both stages (nested).</summary>
    Nested,
}

/// <summary>SMMUv3 implementation parameters.</summary>
public sealed record SmmuSpec
{
    /// <summary>Register base address.</summary>
    public ulong Base { get; init; } = 0x0905_0000;
    /// <summary>Clock, Hz.</summary>
    public ulong ClockHz { get; init; } = 1_000_000_000;
    /// <summary>TLB entries.</summary>
    public int TlbEntries { get; init; } = 2048;
    /// <summary>TLB associativity (ways).</summary>
    public int TlbWays { get; init; } = 4;
    /// <summary>TLB replacement policy.</summary>
    public TlbPolicy TlbPolicy { get; init; } = TlbPolicy.Lru;
    /// <summary>Walk-cache entries.</summary>
    public int WalkCacheEntries { get; init; } = 256;
    /// <summary>Configuration (STE/CD) cache entries.</summary>
    public int ConfigCacheEntries { get; init; } = 64;
    /// <summary>Translations in flight.</summary>
    public int TranslationSlots { get; init; } = 32;
    /// <summary>Concurrent table walks.</summary>
    public int ConcurrentWalks { get; init; } = 4;
    /// <summary>Stages used by translating domains.</summary>
    public SmmuStages Stages { get; init; } = SmmuStages.Stage1;
    /// <summary>Output address size, bits.</summary>
    public int Oas { get; init; } = 48;
    /// <summary>Range invalidation (SMMU_IDR3.RIL) supported.</summary>
    public bool RangeInvalidation { get; init; } = true;
}

/// <summary>Kind of MSI controller.</summary>
public enum MsiControllerKind
{
    /// <summary>GICv3 ITS (LPIs, DeviceID/EventID translation).</summary>
    Its,
    /// <summary>GICv2m MSI frame (SPIs).</summary>
    Gicv2m,
}

/// <summary>Where the MSI doorbell sits relative to the SMMU.</summary>
public enum MsiPosition
{
    /// <summary>Behind the SMMU: MSI writes are translated, the doorbell must be mapped.</summary>
    Downstream,
    /// <summary>In the host bridge, before the SMMU: MSIs never reach the SMMU.</summary>
    Upstream,
}

/// <summary>GIC and MSI controller parameters.</summary>
public sealed record MsiControllerSpec
{
    /// <summary>ITS or GICv2m.</summary>
    public MsiControllerKind Kind { get; init; } = MsiControllerKind.Its;
    /// <summary>Doorbell position.</summary>
    public MsiPosition Position { get; init; } = MsiPosition.Downstream;
    /// <summary>Base of the ITS (GITS_TRANSLATER at +0x10040) or the v2m frame (MSI_SETSPI_NS at +0x40).</summary>
    public ulong Base { get; init; } = 0x0808_0000;
    /// <summary>GIC distributor base.</summary>
    public ulong GicdBase { get; init; } = 0x0800_0000;
    /// <summary>GIC redistributor base.</summary>
    public ulong GicrBase { get; init; } = 0x080a_0000;
    /// <summary>CPUs (redistributors / CPU interfaces).</summary>
    public int CpuCount { get; init; } = 4;
    /// <summary>First SPI of a GICv2m frame.</summary>
    public uint SpiBase { get; init; } = 80;
    /// <summary>SPIs of a GICv2m frame.</summary>
    public uint SpiCount { get; init; } = 64;
    /// <summary>Interrupt delivery latency from doorbell write to the CPU interface, picoseconds.</summary>
    public ulong DeliveryLatencyPs { get; init; } = 200_000;

    /// <summary>Address an endpoint writes to raise an MSI.</summary>
    public ulong DoorbellAddress => Kind == MsiControllerKind.Its ? Base + 0x1_0040 : Base + 0x40;
}

/// <summary>PCIe link parameters (maps to <c>PcieLinkConfig</c>).</summary>
public sealed record LinkSpec
{
    /// <summary>Generation 1..6.</summary>
    public int Generation { get; init; } = 4;
    /// <summary>Lanes.</summary>
    public int Width { get; init; } = 4;
    /// <summary>Max_Payload_Size, bytes.</summary>
    public int MaxPayloadSize { get; init; } = 256;
    /// <summary>Max_Read_Request_Size, bytes.</summary>
    public int MaxReadRequestSize { get; init; } = 512;
    /// <summary>Outstanding non-posted tags.</summary>
    public int Tags { get; init; } = 256;
    /// <summary>One-way propagation latency, picoseconds.</summary>
    public ulong PropagationPs { get; init; } = 150_000;

    /// <summary>The link timing configuration.</summary>
    public HwEmu.Devices.Pcie.PcieLinkConfig ToConfig() =>
        new((HwEmu.Devices.Pcie.PcieGeneration)Generation, Width, MaxPayloadSize, MaxReadRequestSize, 64, Tags, PropagationPs);
}

/// <summary>Run length and sampling.</summary>
public sealed record RunSpec
{
    /// <summary>Simulated duration, picoseconds (0 = limited by <see cref="Transactions"/> only).</summary>
    public ulong DurationPs { get; init; } = 1_000_000_000;
    /// <summary>Stop after this many transactions in total (0 = no limit).</summary>
    public long Transactions { get; init; }
    /// <summary>Time-series sampling interval, picoseconds.</summary>
    public ulong SampleIntervalPs { get; init; } = 10_000_000;
}
