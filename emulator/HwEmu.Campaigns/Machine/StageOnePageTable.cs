using HwEmu.Emulator.Memory;

namespace HwEmu.Campaigns;

/// <summary>
/// The host's stage-1 page table of one domain, as io-pgtable-arm writes it: 4 KiB granule, 48-bit input (T0SZ 16,
/// walk from level 0), tables allocated from a bump pool and never freed (the campaign runs are short).
/// </summary>
public sealed class StageOnePageTable
{
    // Leaf: AF | SH inner | AP[1] (EL0) | UXN/PXN | page (VMSAv8-64 stage-1 block/page attributes).
    private const ulong LeafAttributes = (1UL << 10) | (3UL << 8) | (1UL << 6) | (3UL << 53) | 3;
    private const ulong AddressMask = 0x0000_ffff_ffff_f000UL;

    private readonly PhysicalMemory _memory;
    private readonly Func<ulong> _allocTable;

    /// <summary>Creates an empty table whose root comes from <paramref name="allocTable"/>.</summary>
    public StageOnePageTable(PhysicalMemory memory, Func<ulong> allocTable)
    {
        _memory = memory;
        _allocTable = allocTable;
        Root = allocTable();
    }

    /// <summary>Physical address of the level-0 table (CD.TTB0).</summary>
    public ulong Root { get; }

    private static int Shift(int level) => 12 + 9 * (3 - level);

    /// <summary>Address of the level-<paramref name="level"/> descriptor for <paramref name="iova"/>, creating tables on the way.</summary>
    public ulong DescriptorAddress(ulong iova, int level)
    {
        ulong table = Root;
        for (int l = 0; l < level; l++)
        {
            ulong da = table + ((iova >> Shift(l)) & 511) * 8;
            ulong d = _memory.Read64(da);
            if ((d & 3) != 3)
            {
                ulong next = _allocTable();
                _memory.Write64(da, next | 3);
                d = next | 3;
            }
            table = d & AddressMask;
        }
        return table + ((iova >> Shift(level)) & 511) * 8;
    }

    /// <summary>Maps the 4 KiB page at <paramref name="iova"/> to <paramref name="pa"/>; returns the PTE address.</summary>
    public ulong Map(ulong iova, ulong pa)
    {
        ulong a = DescriptorAddress(iova, 3);
        _memory.Write64(a, (pa & AddressMask) | LeafAttributes);
        return a;
    }

    /// <summary>Clears the leaf PTE of <paramref name="iova"/>.</summary>
    public void Unmap(ulong iova) => _memory.Write64(DescriptorAddress(iova, 3), 0);
}
