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
    /// <summary>
    /// Streaming DMA mapper for a kernel DMA domain (Linux DMA API: each I/O buffer is dma_map'ed when the request is
    /// submitted and dma_unmap'ed at completion, strict or lazy); null when the buffer is mapped once (VFIO,
    /// identity). With one, <see cref="DataBase"/> is 0 and the workload's addresses are offsets in the buffer.
    /// </summary>
    public IStreamingDmaMapper? Streaming { get; init; }
    /// <summary>Messages programmed in the MSI-X table (address, data) per vector; empty when none.</summary>
    public IReadOnlyList<(ulong Address, uint Data)> Vectors { get; init; } = [];
}

/// <summary>The host's per-I/O DMA mapping (dma_map_page / dma_unmap_page) for one device.</summary>
public interface IStreamingDmaMapper
{
    /// <summary>Maps <paramref name="size"/> bytes at <paramref name="bufferOffset"/> of the device's buffer; false when no IOVA is left.</summary>
    bool TryMap(ulong bufferOffset, int size, bool deviceWrites, out ulong deviceAddress);

    /// <summary>Unmaps what <see cref="TryMap"/> returned (strict: invalidates now; lazy: queues the IOVA).</summary>
    void Unmap(ulong deviceAddress, int size);
}
