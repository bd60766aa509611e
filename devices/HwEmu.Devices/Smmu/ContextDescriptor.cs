using System.Buffers.Binary;

namespace HwEmu.Devices.Smmu;

/// <summary>
/// A Context Descriptor: 64 bytes as in memory (IHI 0070 §5.4). Accessors decode the fields used for
/// translation; <see cref="Check"/> applies the C_BAD_CD rules.
/// </summary>
public struct ContextDescriptor
{
    /// <summary>Size of a CD in bytes.</summary>
    public const int Size = 64;

    /// <summary>Double-words 0..2 (TCR/flags/ASID, TTB0, TTB1).</summary>
    public ulong W0, W1, W2;

    /// <summary>Decodes a CD from 64 bytes.</summary>
    public static ContextDescriptor FromBytes(ReadOnlySpan<byte> b) => new()
    {
        W0 = BinaryPrimitives.ReadUInt64LittleEndian(b),
        W1 = BinaryPrimitives.ReadUInt64LittleEndian(b[8..]),
        W2 = BinaryPrimitives.ReadUInt64LittleEndian(b[16..]),
    };

    /// <summary>CD.T0SZ [5:0].</summary>
    public readonly int T0Sz => (int)W0 & 0x3f;
    /// <summary>CD.TG0 [7:6]: 0 4K, 1 64K, 2 16K.</summary>
    public readonly int Tg0 => (int)(W0 >> 6) & 3;
    /// <summary>CD.EPD0 [14]: TTB0 walks disabled.</summary>
    public readonly bool Epd0 => (W0 & (1UL << 14)) != 0;
    /// <summary>CD.T1SZ [21:16].</summary>
    public readonly int T1Sz => (int)(W0 >> 16) & 0x3f;
    /// <summary>CD.TG1 [23:22]: 1 16K, 2 4K, 3 64K.</summary>
    public readonly int Tg1 => (int)(W0 >> 22) & 3;
    /// <summary>CD.EPD1 [30].</summary>
    public readonly bool Epd1 => (W0 & (1UL << 30)) != 0;
    /// <summary>CD.V [31].</summary>
    public readonly bool Valid => (W0 & (1UL << 31)) != 0;
    /// <summary>CD.IPS [34:32].</summary>
    public readonly int Ips => (int)(W0 >> 32) & 7;
    /// <summary>CD.AFFD [35]: access flag faults disabled.</summary>
    public readonly bool Affd => (W0 & (1UL << 35)) != 0;
    /// <summary>CD.TBI0 [38].</summary>
    public readonly bool Tbi0 => (W0 & (1UL << 38)) != 0;
    /// <summary>CD.TBI1 [39].</summary>
    public readonly bool Tbi1 => (W0 & (1UL << 39)) != 0;
    /// <summary>CD.AA64 [41].</summary>
    public readonly bool Aa64 => (W0 & (1UL << 41)) != 0;
    /// <summary>CD.S [44]: stall.</summary>
    public readonly bool S => (W0 & (1UL << 44)) != 0;
    /// <summary>CD.R [45]: record faults.</summary>
    public readonly bool R => (W0 & (1UL << 45)) != 0;
    /// <summary>CD.A [46]: abort (1) or RAZ/WI (0) on terminated faults.</summary>
    public readonly bool A => (W0 & (1UL << 46)) != 0;
    /// <summary>CD.ASID [63:48].</summary>
    public readonly ushort Asid => (ushort)(W0 >> 48);
    /// <summary>CD.HAD0 (word 1 [1]).</summary>
    public readonly bool Had0 => (W1 & 2) != 0;
    /// <summary>CD.TTB0 (word 1 [51:4]).</summary>
    public readonly ulong Ttb0 => W1 & 0x000f_ffff_ffff_fff0UL;
    /// <summary>CD.HAD1 (word 2 [1]).</summary>
    public readonly bool Had1 => (W2 & 2) != 0;
    /// <summary>CD.TTB1 (word 2 [51:4]).</summary>
    public readonly ulong Ttb1 => W2 & 0x000f_ffff_ffff_fff0UL;

    /// <summary>Granule shift of TG0 (0 when reserved).</summary>
    public readonly int Granule0Shift => Tg0 switch { 0 => 12, 1 => 16, 2 => 14, _ => 0 };
    /// <summary>Granule shift of TG1 (0 when reserved).</summary>
    public readonly int Granule1Shift => Tg1 switch { 1 => 14, 2 => 12, 3 => 16, _ => 0 };

    /// <summary>C_BAD_CD rules (IHI 0070 §5.4 "CD validity"); <see cref="SmmuEventType.None"/> when usable.</summary>
    public readonly SmmuEventType Check(SmmuConfig cfg)
    {
        if (!Valid || !Aa64 || S) return SmmuEventType.CBadCd; // no AArch32 tables, no stall model
        int ips = Math.Min(SmmuConfig.DecodeAddressSize(Ips), cfg.Oas);
        if (!Epd0 && !CheckTable(cfg, Granule0Shift, T0Sz, Ttb0, ips)) return SmmuEventType.CBadCd;
        if (!Epd1 && !CheckTable(cfg, Granule1Shift, T1Sz, Ttb1, ips)) return SmmuEventType.CBadCd;
        return SmmuEventType.None;
    }

    private static bool CheckTable(SmmuConfig cfg, int g, int tsz, ulong ttb, int ips)
        // TxSZ outside 16..39 is treated as C_BAD_CD, as QEMU does (no FEAT_TTST/FEAT_LVA).
        => g != 0 && cfg.SupportsGranule(g) && tsz is >= 16 and <= 39 && ttb >> ips == 0;
}
