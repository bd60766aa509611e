using HwEmu.Emulator.Bus;

namespace HwEmu.Devices.Gic;

/// <summary>Outcome of locating a table entry.</summary>
public enum ItsTableLookup : byte
{
    /// <summary>The entry address is valid.</summary>
    Ok,
    /// <summary>The ID is beyond the table (or the table is not valid).</summary>
    OutOfRange,
    /// <summary>Two-level table whose level-1 entry is invalid: no entry exists for the ID.</summary>
    NoLevel2,
    /// <summary>Reading the level-1 entry faulted on the bus.</summary>
    Fault,
}

/// <summary>
/// The geometry of one ITS table as programmed in GITS_BASER&lt;n&gt; and latched when the ITS is enabled: base,
/// page size (4/16/64 KiB), entry size, flat or two-level (IHI 0069 §5.2 and the GITS_BASER description).
/// </summary>
public readonly struct ItsTable
{
    /// <summary>Size of a level-1 entry of a two-level table.</summary>
    public const int Level1EntrySize = 8;

    /// <summary>Latches the geometry from a GITS_BASER value, capped at 2^<paramref name="idBits"/> entries.</summary>
    public ItsTable(ulong baser, int entrySize, int idBits)
    {
        EntrySize = entrySize;
        Valid = (baser >> 63) != 0;
        Indirect = ((baser >> 62) & 1) != 0;
        int ps = (int)((baser >> 8) & 3);
        PageSize = ps switch { 0 => 4096, 1 => 16384, _ => 65536 };
        ulong pa = baser & 0x0000_FFFF_FFFF_F000UL;
        if (PageSize == 65536)
            pa = (baser & 0x0000_FFFF_FFFF_0000UL) | ((baser >> 12) & 0xF) << 48; // PHYADDRH_64K: addr[51:48] in [15:12]
        Base = pa & ~(ulong)(PageSize - 1);
        ulong pages = (baser & 0xFF) + 1;
        ulong cap = 1UL << Math.Clamp(idBits, 0, 32);
        ulong n;
        if (!Valid) n = 0;
        else if (Indirect) n = pages * (ulong)PageSize / Level1EntrySize * ((ulong)PageSize / (ulong)entrySize);
        else n = pages * (ulong)PageSize / (ulong)entrySize;
        Entries = Math.Min(n, cap);
        Level1Entries = Indirect ? pages * (ulong)PageSize / Level1EntrySize : 0;
    }

    /// <summary>GITS_BASER.Valid.</summary>
    public bool Valid { get; }
    /// <summary>Two-level table (GITS_BASER.Indirect).</summary>
    public bool Indirect { get; }
    /// <summary>Page size in bytes.</summary>
    public int PageSize { get; }
    /// <summary>Table (or level-1 table) base address.</summary>
    public ulong Base { get; }
    /// <summary>Entry size in bytes.</summary>
    public int EntrySize { get; }
    /// <summary>Number of IDs the table covers.</summary>
    public ulong Entries { get; }
    /// <summary>Level-1 entries of a two-level table.</summary>
    public ulong Level1Entries { get; }

    /// <summary>
    /// The address of the entry for <paramref name="id"/>; for a two-level table this reads the level-1 entry
    /// through <paramref name="bus"/> (bit 63 valid, bits [51:0] the page-aligned level-2 address).
    /// </summary>
    public ItsTableLookup Locate(SystemBus bus, ulong id, out ulong address, out ulong level1Address)
    {
        address = 0;
        level1Address = 0;
        if (id >= Entries) return ItsTableLookup.OutOfRange;
        if (!Indirect)
        {
            address = Base + id * (ulong)EntrySize;
            return ItsTableLookup.Ok;
        }
        ulong perPage = (ulong)(PageSize / EntrySize);
        level1Address = Base + id / perPage * Level1EntrySize;
        if (bus.Read64(level1Address, out ulong l1) != BusStatus.Ok) return ItsTableLookup.Fault;
        if ((l1 >> 63) == 0) return ItsTableLookup.NoLevel2;
        ulong l2 = l1 & 0x000F_FFFF_FFFF_FFFFUL & ~(ulong)(PageSize - 1);
        address = l2 + id % perPage * (ulong)EntrySize;
        return ItsTableLookup.Ok;
    }
}
