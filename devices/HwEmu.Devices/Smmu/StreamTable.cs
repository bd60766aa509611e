using HwEmu.Emulator.Bus;

namespace HwEmu.Devices.Smmu;

/// <summary>
/// Finds the STE of a StreamID in the linear or 2-level stream table described by SMMU_STRTAB_BASE and
/// SMMU_STRTAB_BASE_CFG (IHI 0070 §3.3.2, §6.3.23-24), reading memory through the bus.
/// </summary>
public sealed class StreamTable
{
    private readonly SystemBus _bus;
    private readonly SmmuConfig _config;

    /// <summary>Creates a stream-table reader.</summary>
    public StreamTable(SystemBus bus, SmmuConfig config)
    {
        _bus = bus;
        _config = config;
    }

    /// <summary>Effective LOG2SIZE: STRTAB_BASE_CFG.LOG2SIZE capped to IDR1.SIDSIZE.</summary>
    public int EffectiveLog2Size(uint strtabBaseCfg) => Math.Min((int)(strtabBaseCfg & 0x3f), _config.StreamIdBits);

    /// <summary>True when STRTAB_BASE_CFG selects a 2-level table (FMT = 0b01 and supported).</summary>
    public bool IsTwoLevel(uint strtabBaseCfg) => ((strtabBaseCfg >> 16) & 3) == 1 && _config.TwoLevelStreamTable;

    /// <summary>Effective SPLIT: 6, 8 or 10; reserved values behave as the next lower valid one (minimum 6).</summary>
    public static int EffectiveSplit(uint strtabBaseCfg)
    {
        int split = (int)(strtabBaseCfg >> 6) & 0x1f;
        return split >= 10 ? 10 : split >= 8 ? 8 : 6;
    }

    /// <summary>
    /// Reads the STE of <paramref name="sid"/>. Returns <see cref="SmmuEventType.None"/>, C_BAD_STREAMID or
    /// F_STE_FETCH (with the fetch address in <paramref name="fetchAddress"/>). Does not check the STE itself.
    /// </summary>
    internal SmmuEventType Fetch(uint sid, ulong strtabBase, uint strtabBaseCfg, ref WalkContext ctx, out Ste ste, out ulong fetchAddress)
    {
        ste = default;
        int log2 = EffectiveLog2Size(strtabBaseCfg);
        ulong baseAddr = strtabBase & 0x000f_ffff_ffff_ffc0UL;
        fetchAddress = 0;
        if (log2 < 32 && sid >> log2 != 0) return SmmuEventType.CBadStreamId;
        ulong steAddr;
        if (!IsTwoLevel(strtabBaseCfg))
        {
            // §6.3.24: the base is aligned to the table size by ignoring low ADDR bits.
            ulong tableBytes = 64UL << log2;
            steAddr = (baseAddr & ~(tableBytes - 1)) + (ulong)sid * Ste.Size;
        }
        else
        {
            int split = Math.Min(EffectiveSplit(strtabBaseCfg), log2);
            ulong l1Bytes = Math.Max(64UL, 8UL << (log2 - split));
            ulong l1Addr = (baseAddr & ~(l1Bytes - 1)) + (ulong)(sid >> split) * 8;
            fetchAddress = l1Addr;
            ctx.AddFetch(8);
            if (_bus.Read64(l1Addr, out ulong l1std) != BusStatus.Ok) return SmmuEventType.FSteFetch;
            int span = (int)(l1std & 0x1f);
            // §5.3 L1STD.Span: 0 = invalid; the L2 table holds 2^(Span-1) STEs.
            if (span == 0 || span > split + 1) return SmmuEventType.CBadStreamId;
            uint l2Index = sid & ((1u << split) - 1);
            if (l2Index >> (span - 1) != 0) return SmmuEventType.CBadStreamId;
            ulong l2Bytes = 64UL << (span - 1);
            steAddr = (l1std & 0x000f_ffff_ffff_ffc0UL & ~(l2Bytes - 1)) + l2Index * Ste.Size;
        }
        fetchAddress = steAddr;
        ctx.AddFetch(Ste.Size);
        Span<byte> buf = stackalloc byte[Ste.Size];
        if (_bus.Read(steAddr, buf) != BusStatus.Ok) return SmmuEventType.FSteFetch;
        ste = Ste.FromBytes(buf);
        return SmmuEventType.None;
    }
}
