namespace HwEmu.Devices.Host.IoPgtable;

/// <summary>io-pgtable formats modelled (enum io_pgtable_fmt).</summary>
public enum IoPgtableFormat
{
    /// <summary>ARM_64_LPAE_S1: VMSAv8-64 stage-1 tables (AP bits, nG, AttrIndx into MAIR).</summary>
    ArmLpaeS1,
    /// <summary>ARM_64_LPAE_S2: VMSAv8-64 stage-2 tables (S2AP, MemAttr), level-1 concatenation.</summary>
    ArmLpaeS2,
}

/// <summary>io-pgtable quirks (IO_PGTABLE_QUIRK_*).</summary>
[Flags]
public enum IoPgtableQuirks
{
    /// <summary>No quirk.</summary>
    None = 0,
    /// <summary>IO_PGTABLE_QUIRK_ARM_NS: set NS in leaf PTEs and NSTable in table PTEs.</summary>
    ArmNs = 1 << 0,
    /// <summary>IO_PGTABLE_QUIRK_ARM_TTBR1: the table covers the upper (sign-extended) half of the address space.</summary>
    ArmTtbr1 = 1 << 5,
    /// <summary>IO_PGTABLE_QUIRK_ARM_OUTER_WBWA: outer write-back walk attributes for a non-coherent walker.</summary>
    ArmOuterWbwa = 1 << 6,
}

/// <summary>struct io_pgtable_cfg inputs: what the IOMMU driver asks for.</summary>
/// <param name="PgsizeBitmap">Page sizes the IOMMU supports (restricted to one granule by the allocator).</param>
/// <param name="Ias">Input address size in bits.</param>
/// <param name="Oas">Output address size in bits.</param>
/// <param name="CoherentWalk">The walker snoops CPU caches (selects inner-shareable WBWA walk attributes).</param>
/// <param name="Quirks">IO_PGTABLE_QUIRK_* flags.</param>
public readonly record struct IoPgtableConfig(
    ulong PgsizeBitmap,
    int Ias,
    int Oas,
    bool CoherentWalk = true,
    IoPgtableQuirks Quirks = IoPgtableQuirks.None);

/// <summary>TCR/VTCR fields computed by io-pgtable (arm_lpae_s1_cfg.tcr / arm_lpae_s2_cfg.vtcr).</summary>
/// <param name="Sh">Shareability of walks (ARM_LPAE_TCR_SH_*: 2 outer, 3 inner).</param>
/// <param name="Irgn">Inner cacheability of walks (0 NC, 1 WBWA).</param>
/// <param name="Orgn">Outer cacheability of walks (0 NC, 1 WBWA).</param>
/// <param name="Tg">Granule encoding (TG0: 0 4K, 1 64K, 2 16K; TG1: 1 16K, 2 4K, 3 64K).</param>
/// <param name="Ps">IPS / PS: output size encoding (0 32-bit ... 5 48-bit, 6 52-bit).</param>
/// <param name="Tsz">T0SZ = 64 - IAS.</param>
/// <param name="Sl">Stage-2 SL0 (stage 1: 0).</param>
public readonly record struct LpaeTcr(int Sh, int Irgn, int Orgn, int Tg, int Ps, int Tsz, int Sl);
