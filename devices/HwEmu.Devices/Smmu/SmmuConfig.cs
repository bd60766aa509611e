using HwEmu.Emulator.Memory;

namespace HwEmu.Devices.Smmu;

/// <summary>
/// Build-time configuration of an <see cref="SmmuV3"/>: the features advertised in SMMU_IDR0-5 (and honoured by
/// the model), cache geometries (defaults from gem5 SMMUv3.py, reference §2.2) and timing.
/// </summary>
public sealed record SmmuConfig
{
    /// <summary>Stage-1 translation implemented (IDR0.S1P).</summary>
    public bool Stage1 { get; init; } = true;
    /// <summary>Stage-2 translation implemented (IDR0.S2P).</summary>
    public bool Stage2 { get; init; } = true;
    /// <summary>4 KiB granule supported (IDR5.GRAN4K).</summary>
    public bool Granule4K { get; init; } = true;
    /// <summary>16 KiB granule supported (IDR5.GRAN16K).</summary>
    public bool Granule16K { get; init; } = true;
    /// <summary>64 KiB granule supported (IDR5.GRAN64K).</summary>
    public bool Granule64K { get; init; } = true;
    /// <summary>Output address size in bits: 32, 36, 40, 42, 44 or 48 (IDR5.OAS). 52 is not modelled.</summary>
    public int OutputAddressBits { get; init; } = 48;
    /// <summary>16-bit ASIDs (IDR0.ASID16); otherwise 8-bit.</summary>
    public bool Asid16 { get; init; } = true;
    /// <summary>16-bit VMIDs (IDR0.VMID16); otherwise 8-bit.</summary>
    public bool Vmid16 { get; init; } = true;
    /// <summary>2-level stream tables (IDR0.ST_LEVEL = 0b01).</summary>
    public bool TwoLevelStreamTable { get; init; } = true;
    /// <summary>2-level CD tables (IDR0.CD2L).</summary>
    public bool TwoLevelCdTable { get; init; } = true;
    /// <summary>Range invalidation (IDR3.RIL).</summary>
    public bool RangeInvalidation { get; init; } = true;
    /// <summary>MSIs for CMD_SYNC, event queue and GERROR (IDR0.MSI).</summary>
    public bool Msi { get; init; } = true;
    /// <summary>CMD_SYNC may send an event (IDR0.SEV).</summary>
    public bool Sev { get; init; } = true;
    /// <summary>Hypervisor stage-1 contexts and TLBI_EL2_* (IDR0.HYP).</summary>
    public bool Hyp { get; init; } = true;
    /// <summary>Hierarchical attribute disable, CD.HAD0/1 (IDR3.HAD).</summary>
    public bool HierarchicalAttributeDisable { get; init; } = true;
    /// <summary>Stage-2 XN[1:0] control (IDR3.XNX).</summary>
    public bool Xnx { get; init; }
    /// <summary>Terminate model: true = IDR0.TERM_MODEL=1 (always abort); false allows CD.A=0 RAZ/WI termination.</summary>
    public bool TermModelAbortOnly { get; init; }
    /// <summary>StreamID bits (IDR1.SIDSIZE, 0..32).</summary>
    public int StreamIdBits { get; init; } = 16;
    /// <summary>SubstreamID bits (IDR1.SSIDSIZE, 0..20).</summary>
    public int SubstreamIdBits { get; init; } = 20;
    /// <summary>Maximum log2 of command queue entries (IDR1.CMDQS, at most 19).</summary>
    public int CmdqMaxLog2 { get; init; } = 19;
    /// <summary>Maximum log2 of event queue entries (IDR1.EVENTQS, at most 19).</summary>
    public int EvtqMaxLog2 { get; init; } = 19;
    /// <summary>GBPA.ABORT after reset: incoming traffic aborts while SMMUEN=0.</summary>
    public bool GbpaAbortAtReset { get; init; }
    /// <summary>SMMU_IIDR value.</summary>
    public uint Iidr { get; init; } = 0x0000_043B; // Arm (JEP106 0x43B) implementer code
    /// <summary>SMMU_AIDR value (1 = SMMUv3.1).</summary>
    public uint Aidr { get; init; } = 0x1;
    /// <summary>Also decode EVENTQ_PROD/CONS at the page-0 offsets 0xA8/0xAC (QEMU compatibility).</summary>
    public bool EventQueuePage0Alias { get; init; } = true;
    /// <summary>DeviceID side-band carried by the SMMU's own MSI writes (its IORT/msi-map ID).</summary>
    public uint MsiDeviceId { get; init; }

    /// <summary>Main TLB (gem5 SMMUv3DeviceInterface tlb_*: 2048 entries, 4 ways, rr).</summary>
    public CacheGeometry Tlb { get; init; } = new(2048, 4, CacheReplacement.RoundRobin);
    /// <summary>Configuration cache (gem5 cfg_*: 64 entries, 4 ways, rr).</summary>
    public CacheGeometry ConfigCache { get; init; } = new(64, 4, CacheReplacement.RoundRobin);
    /// <summary>Stage-1 walk cache entries per level L0..L3 (gem5 walk_S1L0..L3).</summary>
    public int[] WalkCacheS1Entries { get; init; } = [4, 28, 348, 4];
    /// <summary>Stage-2 walk cache entries per level L0..L3 (gem5 walk_S2L0..L3).</summary>
    public int[] WalkCacheS2Entries { get; init; } = [4, 28, 92, 4];
    /// <summary>Walk cache associativity (gem5 walk_assoc).</summary>
    public int WalkCacheWays { get; init; } = 4;
    /// <summary>Walk cache replacement (gem5 walk_policy).</summary>
    public CacheReplacement WalkCachePolicy { get; init; } = CacheReplacement.RoundRobin;
    /// <summary>Levels whose table descriptors are cached, bit N = level N (gem5 wc_s1_levels/wc_s2_levels = 7).</summary>
    public int WalkCacheLevelMask { get; init; } = 0b0111;
    /// <summary>Seed of the random replacement generators.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Timing parameters.</summary>
    public SmmuTiming Timing { get; init; } = new();

    /// <summary>OAS encoding (IDR5.OAS / CD.IPS / STE.S2PS): 0=32 .. 5=48 bits.</summary>
    public static int EncodeAddressSize(int bits) => bits switch { <= 32 => 0, <= 36 => 1, <= 40 => 2, <= 42 => 3, <= 44 => 4, _ => 5 };

    /// <summary>Decodes a PS/IPS/OAS field to a number of bits (values above 0b101 decode as 48: 52-bit not modelled).</summary>
    public static int DecodeAddressSize(int field) => field switch { 0 => 32, 1 => 36, 2 => 40, 3 => 42, 4 => 44, _ => 48 };

    /// <summary>Effective OAS after encoding (the model's physical address width).</summary>
    public int Oas => DecodeAddressSize(EncodeAddressSize(OutputAddressBits));

    /// <summary>SMMU_IDR0 (IHI 0070 §6.3.1).</summary>
    public uint Idr0 =>
        (Stage2 ? 1u : 0) | (Stage1 ? 1u << 1 : 0) | (2u << 2) /* TTF AArch64 */ | (1u << 4) /* COHACC */ |
        (Hyp ? 1u << 9 : 0) | (Asid16 ? 1u << 12 : 0) | (Msi ? 1u << 13 : 0) | (Sev ? 1u << 14 : 0) |
        (Vmid16 ? 1u << 18 : 0) | (TwoLevelCdTable ? 1u << 19 : 0) | (2u << 21) /* TTENDIAN LE */ |
        (1u << 24) /* STALL_MODEL: stall not supported */ | (TermModelAbortOnly ? 1u << 26 : 0) |
        (TwoLevelStreamTable ? 1u << 27 : 0);

    /// <summary>SMMU_IDR1 (IHI 0070 §6.3.2).</summary>
    public uint Idr1 => (uint)Math.Clamp(StreamIdBits, 0, 32) | ((uint)Math.Clamp(SubstreamIdBits, 0, 20) << 6) |
        ((uint)Math.Clamp(EvtqMaxLog2, 0, 19) << 16) | ((uint)Math.Clamp(CmdqMaxLog2, 0, 19) << 21);

    /// <summary>SMMU_IDR2 (no VATOS).</summary>
    public uint Idr2 => 0;

    /// <summary>SMMU_IDR3 (IHI 0070 §6.3.4): HAD[2], XNX[4], RIL[10].</summary>
    public uint Idr3 => (HierarchicalAttributeDisable ? 1u << 2 : 0) | (Xnx ? 1u << 4 : 0) | (RangeInvalidation ? 1u << 10 : 0);

    /// <summary>SMMU_IDR4 (IMPLEMENTATION DEFINED).</summary>
    public uint Idr4 => 0;

    /// <summary>SMMU_IDR5 (IHI 0070 §6.3.6): OAS[2:0], GRAN4K[4], GRAN16K[5], GRAN64K[6].</summary>
    public uint Idr5 => (uint)EncodeAddressSize(OutputAddressBits) | (Granule4K ? 1u << 4 : 0) | (Granule16K ? 1u << 5 : 0) | (Granule64K ? 1u << 6 : 0);

    /// <summary>True when the granule of 2^<paramref name="shift"/> bytes is supported.</summary>
    public bool SupportsGranule(int shift) => shift switch { 12 => Granule4K, 14 => Granule16K, 16 => Granule64K, _ => false };
}

/// <summary>
/// Timing of the SMMU in cycles of its clock (default 1 GHz). Defaults follow gem5's SMMUv3.py latencies
/// (reference §2.2/§2.3); descriptor fetches are booked on a <see cref="MemoryTimingModel"/>.
/// </summary>
public sealed record SmmuTiming
{
    /// <summary>SMMU clock frequency in Hz.</summary>
    public ulong ClockHz { get; init; } = 1_000_000_000;
    /// <summary>Cycles for a transaction that bypasses translation (SMMU disabled or STE bypass).</summary>
    public int BypassCycles { get; init; } = 1;
    /// <summary>Configuration cache lookup (gem5 cfg_lat).</summary>
    public int ConfigCacheLookupCycles { get; init; } = 3;
    /// <summary>TLB lookup (gem5 tlb_lat).</summary>
    public int TlbLookupCycles { get; init; } = 3;
    /// <summary>Cycles to start a walk ("max 1 table walk per cycle").</summary>
    public int WalkStartCycles { get; init; } = 1;
    /// <summary>Per walk-cache level probed (gem5 walk_lat).</summary>
    public int WalkCacheLookupCycles { get; init; } = 4;
    /// <summary>Cycles to issue a descriptor fetch (before the memory latency).</summary>
    public int FetchIssueCycles { get; init; } = 1;
    /// <summary>Cycles to process a fetched descriptor (after the memory latency).</summary>
    public int FetchProcessCycles { get; init; } = 1;
    /// <summary>Cycles to execute one command, excluding the 16-byte fetch.</summary>
    public int CommandCycles { get; init; } = 1;
    /// <summary>Translations in flight at once (gem5 xlate_slots).</summary>
    public int TranslationSlots { get; init; } = 64;
    /// <summary>Concurrent table walks (gem5 ptw_slots).</summary>
    public int WalkSlots { get; init; } = 16;
    /// <summary>Memory seen by descriptor fetches.</summary>
    public MemoryTiming Memory { get; init; } = new MemoryTiming(LatencyPs: 80_000, BytesPerNanosecond: 25.6, MaxOutstanding: 32);
}
