namespace HwEmu.Devices.Host.Vfio;

/// <summary>
/// The VFIO user's address space as the pinning code sees it: which physical page backs a user virtual address.
/// </summary>
public interface IVfioUserMemory
{
    /// <summary>The physical address of the page holding <paramref name="vaddr"/>; false when nothing is mapped
    /// there (the kernel's pin fails with -EFAULT).</summary>
    bool TryTranslate(ulong vaddr, out ulong pa);
}

/// <summary>A linear user mapping: [VaddrBase, VaddrBase + Size) backed by [PaBase, PaBase + Size).</summary>
/// <param name="VaddrBase">First user virtual address.</param>
/// <param name="PaBase">Physical address backing it.</param>
/// <param name="Size">Bytes.</param>
public sealed record LinearUserMemory(ulong VaddrBase, ulong PaBase, ulong Size) : IVfioUserMemory
{
    /// <inheritdoc/>
    public bool TryTranslate(ulong vaddr, out ulong pa)
    {
        pa = 0;
        if (vaddr < VaddrBase || vaddr - VaddrBase >= Size) return false;
        pa = PaBase + (vaddr - VaddrBase);
        return true;
    }
}
