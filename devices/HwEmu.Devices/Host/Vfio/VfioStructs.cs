namespace HwEmu.Devices.Host.Vfio;

/// <summary>An inclusive IOVA range (struct vfio_iova_range / the kernel's vfio_iova list node).</summary>
/// <param name="Start">First IOVA.</param>
/// <param name="End">Last IOVA (inclusive).</param>
public readonly record struct VfioIovaRange(ulong Start, ulong End)
{
    /// <summary>"0x%llx-0x%llx".</summary>
    public override string ToString() => $"0x{Start:x}-0x{End:x}";
}

/// <summary>VFIO_DMA_MAP_FLAG_* and VFIO_DMA_UNMAP_FLAG_* values.</summary>
public static class VfioFlags
{
    /// <summary>VFIO_DMA_MAP_FLAG_READ: device may read.</summary>
    public const uint MapRead = 1 << 0;
    /// <summary>VFIO_DMA_MAP_FLAG_WRITE: device may write.</summary>
    public const uint MapWrite = 1 << 1;
    /// <summary>VFIO_DMA_MAP_FLAG_VADDR: update the vaddr of an existing mapping.</summary>
    public const uint MapVaddr = 1 << 2;
    /// <summary>VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP.</summary>
    public const uint UnmapGetDirtyBitmap = 1 << 0;
    /// <summary>VFIO_DMA_UNMAP_FLAG_ALL: unmap everything (iova = size = 0).</summary>
    public const uint UnmapAll = 1 << 1;
    /// <summary>VFIO_DMA_UNMAP_FLAG_VADDR: invalidate vaddrs, keep mappings.</summary>
    public const uint UnmapVaddr = 1 << 2;
    /// <summary>VFIO_IOMMU_INFO_PGSIZES.</summary>
    public const uint InfoPgsizes = 1 << 0;
    /// <summary>VFIO_IOMMU_INFO_CAPS.</summary>
    public const uint InfoCaps = 1 << 1;
    /// <summary>VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE.</summary>
    public const ushort CapIovaRange = 1;
    /// <summary>VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION.</summary>
    public const ushort CapMigration = 2;
    /// <summary>VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL.</summary>
    public const ushort CapDmaAvail = 3;
    /// <summary>sizeof(struct vfio_iommu_type1_info).</summary>
    public const int InfoSize = 24;
    /// <summary>DIRTY_BITMAP_SIZE_MAX: ALIGN(INT_MAX, 64) / 8.</summary>
    public const ulong DirtyBitmapSizeMax = 0x1000_0000;
}

/// <summary>struct vfio_iommu_type1_dma_map (32 bytes).</summary>
/// <param name="Argsz">argsz.</param>
/// <param name="Flags">VFIO_DMA_MAP_FLAG_*.</param>
/// <param name="Vaddr">Process virtual address.</param>
/// <param name="Iova">IO virtual address.</param>
/// <param name="Size">Bytes.</param>
public readonly record struct VfioDmaMap(uint Argsz, uint Flags, ulong Vaddr, ulong Iova, ulong Size)
{
    /// <summary>offsetofend(size).</summary>
    public const uint MinSize = 32;

    /// <summary>A read/write map with argsz = 32.</summary>
    public static VfioDmaMap ReadWrite(ulong vaddr, ulong iova, ulong size) => new(MinSize, VfioFlags.MapRead | VfioFlags.MapWrite, vaddr, iova, size);
}

/// <summary>struct vfio_iommu_type1_dma_unmap (24 bytes without the bitmap).</summary>
/// <param name="Argsz">argsz.</param>
/// <param name="Flags">VFIO_DMA_UNMAP_FLAG_*.</param>
/// <param name="Iova">IO virtual address.</param>
/// <param name="Size">Bytes in; bytes unmapped out.</param>
public record struct VfioDmaUnmap(uint Argsz, uint Flags, ulong Iova, ulong Size)
{
    /// <summary>offsetofend(size).</summary>
    public const uint MinSize = 24;
}

/// <summary>A user DMA mapping (struct vfio_dma).</summary>
public sealed class VfioDma
{
    internal VfioDma(ulong iova, ulong vaddr, ulong size, IommuProt prot)
    {
        Iova = iova;
        Vaddr = vaddr;
        Size = size;
        Prot = prot;
    }

    /// <summary>First IOVA.</summary>
    public ulong Iova { get; }

    /// <summary>User virtual address.</summary>
    public ulong Vaddr { get; internal set; }

    /// <summary>Bytes.</summary>
    public ulong Size { get; internal set; }

    /// <summary>IOMMU_READ / IOMMU_WRITE (IOMMU_CACHE is added when mapping).</summary>
    public IommuProt Prot { get; }

    /// <summary>The vaddr was invalidated by VFIO_DMA_UNMAP_FLAG_VADDR.</summary>
    public bool VaddrInvalid { get; internal set; }

    /// <inheritdoc/>
    public override string ToString() => $"iova 0x{Iova:x} size 0x{Size:x} vaddr 0x{Vaddr:x} prot {Prot}";
}
