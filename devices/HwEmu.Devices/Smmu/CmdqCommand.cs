using System.Buffers.Binary;

namespace HwEmu.Devices.Smmu;

/// <summary>
/// One 16-byte command-queue entry with its fields decoded (IHI 0070 §4.1-§4.7). The raw double-words are kept so
/// that any command, legal or not, can be represented.
/// </summary>
public readonly struct CmdqCommand
{
    /// <summary>Size of a command in bytes.</summary>
    public const int Size = 16;

    /// <summary>Creates a command from its two double-words.</summary>
    public CmdqCommand(ulong dword0, ulong dword1)
    {
        Dword0 = dword0;
        Dword1 = dword1;
    }

    /// <summary>Decodes 16 little-endian bytes.</summary>
    public static CmdqCommand FromBytes(ReadOnlySpan<byte> b) =>
        new(BinaryPrimitives.ReadUInt64LittleEndian(b), BinaryPrimitives.ReadUInt64LittleEndian(b[8..]));

    /// <summary>Double-word 0.</summary>
    public ulong Dword0 { get; }
    /// <summary>Double-word 1.</summary>
    public ulong Dword1 { get; }

    /// <summary>Opcode [7:0].</summary>
    public CmdqOpcode Opcode => (CmdqOpcode)(byte)Dword0;
    /// <summary>SSec [10]: secure stream (illegal on the non-secure queue).</summary>
    public bool SSec => (Dword0 & (1UL << 10)) != 0;
    /// <summary>SSV [11] (PREFETCH_*).</summary>
    public bool SubstreamValid => (Dword0 & (1UL << 11)) != 0;
    /// <summary>SubstreamID [31:12] (CFGI_CD, PREFETCH_*).</summary>
    public uint SubstreamId => (uint)(Dword0 >> 12) & 0xfffff;
    /// <summary>StreamID [63:32] (CFGI_*, PREFETCH_*).</summary>
    public uint StreamId => (uint)(Dword0 >> 32);
    /// <summary>Leaf (dword1 [0]): CFGI_STE/CFGI_CD leaf-only, TLBI_*_VA/IPA leaf-only.</summary>
    public bool Leaf => (Dword1 & 1) != 0;
    /// <summary>Range (dword1 [4:0]) of CFGI_STE_RANGE: 2^(Range+1) StreamIDs.</summary>
    public int Range => (int)Dword1 & 0x1f;
    /// <summary>True for CFGI_ALL (CFGI_STE_RANGE with Range = 31).</summary>
    public bool IsCfgiAll => Opcode == CmdqOpcode.CfgiSteRange && Range == 31;
    /// <summary>NUM [16:12] of range TLBIs.</summary>
    public int Num => (int)(Dword0 >> 12) & 0x1f;
    /// <summary>SCALE [24:20] of range TLBIs.</summary>
    public int Scale => (int)(Dword0 >> 20) & 0x1f;
    /// <summary>VMID [47:32] of TLBI commands.</summary>
    public ushort Vmid => (ushort)(Dword0 >> 32);
    /// <summary>ASID [63:48] of TLBI commands.</summary>
    public ushort Asid => (ushort)(Dword0 >> 48);
    /// <summary>TTL (dword1 [9:8]): level of the leaf entries (0 = any).</summary>
    public int Ttl => (int)(Dword1 >> 8) & 3;
    /// <summary>TG (dword1 [11:10]): 0 = not a range, 1 = 4K, 2 = 16K, 3 = 64K.</summary>
    public int Tg => (int)(Dword1 >> 10) & 3;
    /// <summary>Address (dword1 [63:12]) of TLBI_*_VA; IPA [51:12] for TLBI_S2_IPA.</summary>
    public ulong Address => Opcode == CmdqOpcode.TlbiS2Ipa ? Dword1 & 0x000f_ffff_ffff_f000UL : Dword1 & ~0xfffUL;
    /// <summary>CS [13:12] of CMD_SYNC: 0 none, 1 SIG_IRQ, 2 SIG_SEV.</summary>
    public int SyncCs => (int)(Dword0 >> 12) & 3;
    /// <summary>MSIData [63:32] of CMD_SYNC.</summary>
    public uint MsiData => (uint)(Dword0 >> 32);
    /// <summary>MSIAddress [51:2] of CMD_SYNC.</summary>
    public ulong MsiAddress => Dword1 & 0x000f_ffff_ffff_fffcUL;

    /// <summary>Spec name of the opcode, e.g. "CMD_TLBI_NH_VA" (or "CMD_0x07" for unknown values).</summary>
    public static string Name(CmdqOpcode op) => op switch
    {
        CmdqOpcode.PrefetchConfig => "CMD_PREFETCH_CONFIG",
        CmdqOpcode.PrefetchAddr => "CMD_PREFETCH_ADDR",
        CmdqOpcode.CfgiSte => "CMD_CFGI_STE",
        CmdqOpcode.CfgiSteRange => "CMD_CFGI_STE_RANGE",
        CmdqOpcode.CfgiCd => "CMD_CFGI_CD",
        CmdqOpcode.CfgiCdAll => "CMD_CFGI_CD_ALL",
        CmdqOpcode.CfgiVmsPidm => "CMD_CFGI_VMS_PIDM",
        CmdqOpcode.TlbiNhAll => "CMD_TLBI_NH_ALL",
        CmdqOpcode.TlbiNhAsid => "CMD_TLBI_NH_ASID",
        CmdqOpcode.TlbiNhVa => "CMD_TLBI_NH_VA",
        CmdqOpcode.TlbiNhVaa => "CMD_TLBI_NH_VAA",
        CmdqOpcode.TlbiEl3All => "CMD_TLBI_EL3_ALL",
        CmdqOpcode.TlbiEl3Va => "CMD_TLBI_EL3_VA",
        CmdqOpcode.TlbiEl2All => "CMD_TLBI_EL2_ALL",
        CmdqOpcode.TlbiEl2Asid => "CMD_TLBI_EL2_ASID",
        CmdqOpcode.TlbiEl2Va => "CMD_TLBI_EL2_VA",
        CmdqOpcode.TlbiEl2Vaa => "CMD_TLBI_EL2_VAA",
        CmdqOpcode.TlbiS12Vmall => "CMD_TLBI_S12_VMALL",
        CmdqOpcode.TlbiS2Ipa => "CMD_TLBI_S2_IPA",
        CmdqOpcode.TlbiNsnhAll => "CMD_TLBI_NSNH_ALL",
        CmdqOpcode.AtcInv => "CMD_ATC_INV",
        CmdqOpcode.PriResp => "CMD_PRI_RESP",
        CmdqOpcode.Resume => "CMD_RESUME",
        CmdqOpcode.StallTerm => "CMD_STALL_TERM",
        CmdqOpcode.Sync => "CMD_SYNC",
        _ => $"CMD_0x{(byte)op:x2}",
    };

    /// <inheritdoc/>
    public override string ToString() => $"{Name(Opcode)} [0x{Dword0:x16} 0x{Dword1:x16}]";

    // ---- encoders (used by drivers/tests to build commands with the architected layout)

    /// <summary>CMD_CFGI_STE.</summary>
    public static CmdqCommand CfgiSte(uint sid, bool leaf = true) => new((byte)CmdqOpcode.CfgiSte | (ulong)sid << 32, leaf ? 1UL : 0);
    /// <summary>CMD_CFGI_STE_RANGE.</summary>
    public static CmdqCommand CfgiSteRange(uint sid, int range) => new((byte)CmdqOpcode.CfgiSteRange | (ulong)sid << 32, (ulong)(range & 0x1f));
    /// <summary>CMD_CFGI_ALL (CFGI_STE_RANGE, Range = 31).</summary>
    public static CmdqCommand CfgiAll() => CfgiSteRange(0, 31);
    /// <summary>CMD_CFGI_CD.</summary>
    public static CmdqCommand CfgiCd(uint sid, uint ssid, bool leaf = true) =>
        new((byte)CmdqOpcode.CfgiCd | (ulong)(ssid & 0xfffff) << 12 | (ulong)sid << 32, leaf ? 1UL : 0);
    /// <summary>CMD_CFGI_CD_ALL.</summary>
    public static CmdqCommand CfgiCdAll(uint sid) => new((byte)CmdqOpcode.CfgiCdAll | (ulong)sid << 32, 0);
    /// <summary>CMD_TLBI_NH_ALL.</summary>
    public static CmdqCommand TlbiNhAll(ushort vmid) => new((byte)CmdqOpcode.TlbiNhAll | (ulong)vmid << 32, 0);
    /// <summary>CMD_TLBI_NH_ASID.</summary>
    public static CmdqCommand TlbiNhAsid(ushort vmid, ushort asid) => new((byte)CmdqOpcode.TlbiNhAsid | (ulong)vmid << 32 | (ulong)asid << 48, 0);
    /// <summary>A VA/IPA invalidation (TLBI_NH_VA, TLBI_NH_VAA, TLBI_EL2_VA/VAA, TLBI_S2_IPA) with optional range fields.</summary>
    public static CmdqCommand TlbiAddress(CmdqOpcode op, ushort vmid, ushort asid, ulong address, bool leaf, int tg = 0, int num = 0, int scale = 0, int ttl = 0) =>
        new((byte)op | (ulong)(num & 0x1f) << 12 | (ulong)(scale & 0x1f) << 20 | (ulong)vmid << 32 | (ulong)asid << 48,
            (leaf ? 1UL : 0) | (ulong)(ttl & 3) << 8 | (ulong)(tg & 3) << 10 | (address & ~0xfffUL));
    /// <summary>CMD_TLBI_S12_VMALL.</summary>
    public static CmdqCommand TlbiS12Vmall(ushort vmid) => new((byte)CmdqOpcode.TlbiS12Vmall | (ulong)vmid << 32, 0);
    /// <summary>CMD_TLBI_NSNH_ALL.</summary>
    public static CmdqCommand TlbiNsnhAll() => new((byte)CmdqOpcode.TlbiNsnhAll, 0);
    /// <summary>CMD_SYNC.</summary>
    public static CmdqCommand Sync(int cs = 0, uint msiData = 0, ulong msiAddress = 0) =>
        new((byte)CmdqOpcode.Sync | (ulong)(cs & 3) << 12 | (ulong)msiData << 32, msiAddress & 0x000f_ffff_ffff_fffcUL);
}
