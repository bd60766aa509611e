namespace HwEmu.Campaigns;

/// <summary>
/// The passthrough machine a campaign runs on: SMMUv3 + GICv3 ITS or GICv2m + N assigned PCIe functions doing a
/// map / DMA read / DMA write / MSI / unmap cycle, programmed by a Linux-like host (docs/fault-injection.md).
/// </summary>
public sealed record MachineSpec
{
    /// <summary>MSI controller.</summary>
    public MsiKind Msi { get; init; } = MsiKind.Its;
    /// <summary>Assigned devices (1..8).</summary>
    public int Devices { get; init; } = 2;
    /// <summary>Work steps; step k is done by device k mod Devices.</summary>
    public int Steps { get; init; } = 64;
    /// <summary>MSI vectors per device (1..16).</summary>
    public int Vectors { get; init; } = 2;
    /// <summary>Unmap invalidation policy.</summary>
    public InvalidationMode Invalidation { get; init; } = InvalidationMode.Strict;
    /// <summary>Unmaps per flush in lazy mode.</summary>
    public int LazyBatch { get; init; } = 8;
    /// <summary>ACS Source Validation + P2P Request Redirect on the switch: peer-to-peer requests go up to the SMMU.</summary>
    public bool Acs { get; init; } = true;
    /// <summary>Time between steps, nanoseconds.</summary>
    public ulong StepNs { get; init; } = 2000;
    /// <summary>A step whose device work has not completed this long after the step started is a hang.</summary>
    public ulong HangBoundNs { get; init; } = 20_000;
    /// <summary>log2 of the SMMU event queue entries.</summary>
    public int EventQueueLog2 { get; init; } = 5;
    /// <summary>DRAM latency for device accesses, nanoseconds.</summary>
    public ulong MemoryLatencyNs { get; init; } = 80;
    /// <summary>CPUs (GIC redistributors).</summary>
    public int Cpus { get; init; } = 4;
    /// <summary>
    /// SMMU TLB entries (4-way). 1024 by default: the workload touches a few dozen pages so it never evicts, and a
    /// 2048-entry TLB is a large-object-heap array per run, whose gen-2 collections stall every worker.
    /// </summary>
    public int TlbEntries { get; init; } = 1024;
    /// <summary>The device checks the poison bit of read completions (reports instead of consuming the data).</summary>
    public bool DeviceChecksPoison { get; init; } = true;
    /// <summary>Step at which device 0 moves to a new domain (new ASID and page table: CD rewrite, CFGI_CD, TLBI); -1 for none.</summary>
    public int DomainSwitchStep { get; init; } = -2;

    /// <summary>
    /// When set, runs use the scenario's own machine and workloads (<see cref="ScenarioTarget"/>) instead of the
    /// built-in passthrough machine; of the other fields only <see cref="HangBoundNs"/> applies.
    /// </summary>
    public HwEmu.Devices.Platform.Scenario? Scenario { get; init; }

    /// <summary>Scenario targets: vfio_iommu_type1.allow_unsafe_interrupts=1 (lets VFIO attach behind a GICv2m frame).</summary>
    public bool AllowUnsafeInterrupts { get; init; }

    /// <summary>The domain-switch step after defaults (-2 means Steps / 2).</summary>
    public int EffectiveDomainSwitchStep => DomainSwitchStep == -2 ? Steps / 2 : DomainSwitchStep;
}
