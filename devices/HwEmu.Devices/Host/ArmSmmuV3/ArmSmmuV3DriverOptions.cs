namespace HwEmu.Devices.Host.ArmSmmuV3;

/// <summary>
/// Options of the <see cref="ArmSmmuV3Driver"/>: what Linux takes from Kconfig, the command line and the
/// allocator's success (defaults reproduce the qemu-virt-its-nvme capture: 2-level table, strict DMA domains,
/// 1 MiB queues).
/// </summary>
public sealed record ArmSmmuV3DriverOptions
{
    /// <summary>Stream table layout.</summary>
    public StreamTableFormat StreamTable { get; init; } = StreamTableFormat.Auto;

    /// <summary>
    /// DMA domains are strict (iommu.strict=1, the capture's mode: invalidate on every unmap); false makes them
    /// DMA-FQ (lazy: flush queue, IOVAs freed after TLBI_NH_ASID + CMD_SYNC).
    /// </summary>
    public bool Strict { get; init; } = true;

    /// <summary>Flush-queue entries (IOVA_FQ_SIZE = 256 in 6.1; the ring holds Size - 1 before it flushes).</summary>
    public int FlushQueueSize { get; init; } = 256;

    /// <summary>Flush-queue timeout (IOVA_FQ_TIMEOUT = 10 ms), for a timing layer that calls <see cref="ArmSmmuDomain.FlushQueue"/>.</summary>
    public ulong FlushQueueTimeoutPs { get; init; } = 10_000_000_000UL;

    /// <summary>arm-smmu-v3.disable_bypass (default 1): unattached streams abort instead of bypassing.</summary>
    public bool DisableBypass { get; init; } = true;

    /// <summary>
    /// log2 of the largest queue the DMA allocator hands out: arm_smmu_init_one_queue halves the queue until
    /// dmam_alloc_coherent succeeds. 20 (1 MiB) gives the capture's CMDQ 2^16 and EVTQ 2^15 entries.
    /// </summary>
    public int QueueMaxBytesLog2 { get; init; } = 20;

    /// <summary>Keep every issued command in <see cref="ArmSmmuV3Driver.CommandLog"/> (off: no allocation per command).</summary>
    public bool RecordCommands { get; init; }

    /// <summary>Device name in kernel-style messages.</summary>
    public string DeviceName { get; init; } = "arm-smmu-v3.0.auto";

    /// <summary>Driver identity for VFIO's domain reuse.</summary>
    public string DriverName { get; init; } = "arm-smmu-v3";
}
