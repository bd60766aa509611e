using System.Buffers.Binary;

namespace HwEmu.Devices.Smmu;

/// <summary>STE.Config (IHI 0070 §5.2, STE[3:1]).</summary>
public enum SteConfig : byte
{
    /// <summary>0b000: abort all traffic, no event recorded.</summary>
    Abort = 0b000,
    /// <summary>0b100: stage 1 and stage 2 bypass.</summary>
    Bypass = 0b100,
    /// <summary>0b101: stage 1 translate, stage 2 bypass.</summary>
    Stage1 = 0b101,
    /// <summary>0b110: stage 1 bypass, stage 2 translate.</summary>
    Stage2 = 0b110,
    /// <summary>0b111: stage 1 and stage 2 translate (nested).</summary>
    Nested = 0b111,
}

/// <summary>
/// A Stream Table Entry: 64 bytes (8 little-endian double-words) exactly as in memory (IHI 0070 §5.2).
/// Accessors decode the fields; <see cref="Check"/> applies the C_BAD_STE rules for a given configuration.
/// </summary>
public struct Ste
{
    /// <summary>Size of an STE in bytes.</summary>
    public const int Size = 64;

    /// <summary>Double-words 0..3 (4..7 hold no field the model uses).</summary>
    public ulong W0, W1, W2, W3;

    /// <summary>Decodes an STE from 64 bytes.</summary>
    public static Ste FromBytes(ReadOnlySpan<byte> b) => new()
    {
        W0 = BinaryPrimitives.ReadUInt64LittleEndian(b),
        W1 = BinaryPrimitives.ReadUInt64LittleEndian(b[8..]),
        W2 = BinaryPrimitives.ReadUInt64LittleEndian(b[16..]),
        W3 = BinaryPrimitives.ReadUInt64LittleEndian(b[24..]),
    };

    /// <summary>STE.V.</summary>
    public readonly bool Valid => (W0 & 1) != 0;
    /// <summary>STE.Config (raw 3 bits).</summary>
    public readonly int ConfigRaw => (int)(W0 >> 1) & 7;
    /// <summary>STE.S1Fmt: 0 linear, 1 2-level 4 KiB leaf tables, 2 2-level 64 KiB leaf tables.</summary>
    public readonly int S1Fmt => (int)(W0 >> 4) & 3;
    /// <summary>STE.S1ContextPtr (bits [51:6]).</summary>
    public readonly ulong S1ContextPtr => W0 & 0x000f_ffff_ffff_ffc0UL;
    /// <summary>STE.S1CDMax: log2 of the number of CDs.</summary>
    public readonly int S1CdMax => (int)(W0 >> 59) & 0x1f;
    /// <summary>STE.S1DSS: 0 terminate, 1 bypass stage 1, 2 use substream 0 (for traffic without a SubstreamID).</summary>
    public readonly int S1Dss => (int)W1 & 3;
    /// <summary>STE.PRIVCFG (word 1 [49:48]): 0b10 force unprivileged, 0b11 force privileged.</summary>
    public readonly int PrivCfg => (int)(W1 >> 48) & 3;
    /// <summary>STE.INSTCFG (word 1 [51:50]): 0b10 force data, 0b11 force instruction.</summary>
    public readonly int InstCfg => (int)(W1 >> 50) & 3;
    /// <summary>STE.S2VMID.</summary>
    public readonly ushort S2Vmid => (ushort)W2;
    /// <summary>STE.S2T0SZ (word 2 [37:32]).</summary>
    public readonly int S2T0Sz => (int)(W2 >> 32) & 0x3f;
    /// <summary>STE.S2SL0 (word 2 [39:38]).</summary>
    public readonly int S2Sl0 => (int)(W2 >> 38) & 3;
    /// <summary>STE.S2TG (word 2 [47:46]): 0 4K, 1 64K, 2 16K.</summary>
    public readonly int S2Tg => (int)(W2 >> 46) & 3;
    /// <summary>STE.S2PS (word 2 [50:48]).</summary>
    public readonly int S2Ps => (int)(W2 >> 48) & 7;
    /// <summary>STE.S2AA64 (word 2 [51]).</summary>
    public readonly bool S2Aa64 => (W2 & (1UL << 51)) != 0;
    /// <summary>STE.S2AFFD (word 2 [53]): access flag faults disabled at stage 2.</summary>
    public readonly bool S2Affd => (W2 & (1UL << 53)) != 0;
    /// <summary>STE.S2S (word 2 [57]): stall on stage-2 faults.</summary>
    public readonly bool S2S => (W2 & (1UL << 57)) != 0;
    /// <summary>STE.S2R (word 2 [58]): record stage-2 faults.</summary>
    public readonly bool S2R => (W2 & (1UL << 58)) != 0;
    /// <summary>STE.S2TTB (word 3 [51:4]).</summary>
    public readonly ulong S2Ttb => W3 & 0x000f_ffff_ffff_fff0UL;

    /// <summary>Granule shift of STE.S2TG, or 0 when reserved.</summary>
    public readonly int S2GranuleShift => S2Tg switch { 0 => 12, 1 => 16, 2 => 14, _ => 0 };

    /// <summary>
    /// Applies the C_BAD_STE rules (IHI 0070 §5.2 "STE validity"); returns <see cref="SmmuEventType.None"/> when the
    /// STE may be used for translation.
    /// </summary>
    public readonly SmmuEventType Check(SmmuConfig cfg)
    {
        if (!Valid) return SmmuEventType.CBadSte;
        int c = ConfigRaw;
        if (c is 0b001 or 0b010 or 0b011) return SmmuEventType.CBadSte; // reserved Config values
        if (c == 0b000 || c == 0b100) return SmmuEventType.None;      // abort/bypass: no other field is checked
        bool s1 = (c & 1) != 0, s2 = (c & 2) != 0;
        if (s1 && !cfg.Stage1 || s2 && !cfg.Stage2) return SmmuEventType.CBadSte;
        if (s1)
        {
            if (S1CdMax > cfg.SubstreamIdBits) return SmmuEventType.CBadSte;
            if (S1CdMax != 0 && (S1Fmt == 3 || S1Fmt != 0 && !cfg.TwoLevelCdTable)) return SmmuEventType.CBadSte;
            if (S1CdMax != 0 && S1Dss == 3) return SmmuEventType.CBadSte; // reserved S1DSS
            if (S1ContextPtr >> cfg.Oas != 0) return SmmuEventType.CBadSte;
        }
        if (s2)
        {
            if (!S2Aa64 || S2S) return SmmuEventType.CBadSte; // AArch32 tables and stalling not implemented
            int g = S2GranuleShift;
            if (g == 0 || !cfg.SupportsGranule(g)) return SmmuEventType.CBadSte;
            int ps = Math.Min(SmmuConfig.DecodeAddressSize(S2Ps), cfg.Oas);
            if (!TryStage2StartLevel(g, S2T0Sz, S2Sl0, ps, out _, out _)) return SmmuEventType.CBadSte;
            if (S2Ttb >> ps != 0) return SmmuEventType.CBadSte;
        }
        return SmmuEventType.None;
    }

    /// <summary>
    /// Start level and number of concatenated tables for a stage-2 walk (ARM ARM VTCR_EL2.SL0 rules, at most 16
    /// concatenated tables). False for an inconsistent S2T0SZ/S2SL0/S2TG combination (C_BAD_STE).
    /// </summary>
    public static bool TryStage2StartLevel(int granuleShift, int t0sz, int sl0, int psBits, out int startLevel, out int concatenated)
    {
        startLevel = 0; concatenated = 1;
        int ia = 64 - t0sz;
        if (ia < 25 || ia > 48 || ia > psBits) return false; // IPA wider than the output range is not allowed
        startLevel = granuleShift == 12 ? sl0 switch { 0 => 2, 1 => 1, 2 => 0, _ => -1 } : sl0 switch { 0 => 3, 1 => 2, 2 => 1, _ => -1 };
        if (startLevel < 0) return false;
        int stride = granuleShift - 3;
        int shift = granuleShift + stride * (3 - startLevel);
        int bits = ia - shift; // index bits resolved at the start level
        if (bits < 1 || bits > stride + 4) return false;
        if (bits > stride) concatenated = 1 << (bits - stride);
        return true;
    }
}
