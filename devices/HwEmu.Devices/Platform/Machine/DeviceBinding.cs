namespace HwEmu.Devices.Platform.Machine;

/// <summary>
/// What host set-up hands a device model: where its buffers and rings are in the device's address space (IOVA for a
/// translated domain, PA for identity) and the MSI messages it was programmed with.
/// </summary>
public sealed class DeviceBinding
{
    /// <summary>First address of the data buffer the workload ranges over (a peer BAR for P2P workloads).</summary>
    public ulong DataBase { get; init; }
    /// <summary>Bytes of the data buffer.</summary>
    public ulong DataSize { get; init; }
    /// <summary>Device address of the rings (NVMe SQs then CQs, NIC descriptor rings).</summary>
    public ulong RingBase { get; init; }
    /// <summary>Bytes of the ring area.</summary>
    public ulong RingSize { get; init; }
    /// <summary>Mapping granule of the data buffer.</summary>
    public ulong PageSize { get; init; } = 4096;
    /// <summary>Messages programmed in the MSI-X table (address, data) per vector; empty when none.</summary>
    public IReadOnlyList<(ulong Address, uint Data)> Vectors { get; init; } = [];
}
