namespace HwEmu.Devices.Platform;

/// <summary>Device model kinds.</summary>
public enum DeviceKind
{
    /// <summary>Generic DMA engine driven by a workload.</summary>
    DmaEngine,
    /// <summary>NVMe-like controller (queue pairs in host memory, PRPs, one MSI-X vector per queue).</summary>
    Nvme,
    /// <summary>NIC-like device with a receive descriptor ring.</summary>
    Nic,
}

/// <summary>A device model bound to an endpoint.</summary>
public sealed record DeviceSpec
{
    /// <summary>Device name (workloads and domains refer to it).</summary>
    public string Name { get; init; } = "";
    /// <summary>Endpoint it is bound to (defaults to <see cref="Name"/>).</summary>
    public string Endpoint { get; init; } = "";
    /// <summary>Model.</summary>
    public DeviceKind Kind { get; init; } = DeviceKind.DmaEngine;
    /// <summary>MSI vectors (0 = no MSI capability).</summary>
    public int MsiVectors { get; init; }
    /// <summary>MSI-X vectors (0 = no MSI-X capability).</summary>
    public int MsixVectors { get; init; } = 1;
    /// <summary>BAR holding the MSI-X table and PBA.</summary>
    public int MsixBar { get; init; }
    /// <summary>Offset of the MSI-X table in the BAR.</summary>
    public ulong MsixTableOffset { get; init; } = 0x2000;
    /// <summary>Offset of the PBA in the BAR.</summary>
    public ulong MsixPbaOffset { get; init; } = 0x3000;
    /// <summary>NVMe I/O queue pairs / NIC RX rings.</summary>
    public int Queues { get; init; } = 1;
    /// <summary>Entries per queue / ring.</summary>
    public int QueueEntries { get; init; } = 256;
    /// <summary>Interrupt coalescing: completions per interrupt (1 = none).</summary>
    public int CoalesceCount { get; init; } = 1;
}

/// <summary>How a device's DMA is translated (Linux default-domain types and VFIO).</summary>
public enum DomainKind
{
    /// <summary>Kernel DMA API, unmap invalidates synchronously (iommu.strict=1).</summary>
    DmaStrict,
    /// <summary>Kernel DMA API with flush queues (deferred invalidation).</summary>
    DmaLazy,
    /// <summary>User-space owned (VFIO type1): long-lived mappings of the process's buffers.</summary>
    Vfio,
    /// <summary>Identity / bypass: IOVA = PA.</summary>
    Identity,
}

/// <summary>The DMA domain of one device.</summary>
/// <param name="Device">Device name.</param>
/// <param name="Kind">Domain type.</param>
/// <param name="PageSize">Mapping granule used for buffers (4 KiB, 16 KiB, 64 KiB, 2 MiB, 32 MiB, 512 MiB, 1 GiB).</param>
/// <param name="IovaBase">First IOVA handed out.</param>
public sealed record DomainSpec(string Device, DomainKind Kind, ulong PageSize = 4096, ulong IovaBase = 0x1_0000_0000);

/// <summary>Address pattern of a workload.</summary>
public enum AccessPattern
{
    /// <summary>Consecutive transfers wrapping at the working set end.</summary>
    Sequential,
    /// <summary>Uniformly random aligned offsets.</summary>
    Random,
    /// <summary>Zipf-distributed page ranks (hot pages first).</summary>
    Zipf,
}

/// <summary>A traffic generator driving one device.</summary>
public sealed record WorkloadSpec
{
    /// <summary>Workload name (its random stream derives from it).</summary>
    public string Name { get; init; } = "";
    /// <summary>Device it drives.</summary>
    public string Device { get; init; } = "";
    /// <summary>Address pattern.</summary>
    public AccessPattern Pattern { get; init; } = AccessPattern.Random;
    /// <summary>Bytes per transfer.</summary>
    public ulong TransferSize { get; init; } = 4096;
    /// <summary>Fraction of reads (device reads host memory) in [0, 1].</summary>
    public double ReadFraction { get; init; } = 1.0;
    /// <summary>Buffer bytes the transfers range over.</summary>
    public ulong WorkingSet { get; init; } = 64UL << 20;
    /// <summary>Open-loop rate in operations per second (0 = closed loop at <see cref="QueueDepth"/>).</summary>
    public double Rate { get; init; }
    /// <summary>Closed-loop outstanding operations.</summary>
    public int QueueDepth { get; init; } = 32;
    /// <summary>
    /// Peer device whose first BAR the transfers address (peer-to-peer); empty = host memory through the device's
    /// domain.
    /// </summary>
    public string Target { get; init; } = "";
    /// <summary>Zipf exponent (pattern zipf).</summary>
    public double ZipfTheta { get; init; } = 0.99;
}
