namespace HwEmu.Devices.Host.ArmSmmuV3;

/// <summary>smmu->features bits the driver derives from SMMU_IDR0-5 (arm_smmu_device_hw_probe, v6.1).</summary>
[Flags]
public enum ArmSmmuV3Features
{
    /// <summary>No feature.</summary>
    None = 0,
    /// <summary>ARM_SMMU_FEAT_2_LVL_STRTAB (IDR0.ST_LEVEL = 1 and SIDSIZE &gt; STRTAB_SPLIT).</summary>
    TwoLevelStrtab = 1 << 0,
    /// <summary>ARM_SMMU_FEAT_2_LVL_CDTAB (IDR0.CD2L).</summary>
    TwoLevelCdtab = 1 << 1,
    /// <summary>ARM_SMMU_FEAT_TT_LE (IDR0.TTENDIAN mixed or LE).</summary>
    TtLe = 1 << 2,
    /// <summary>ARM_SMMU_FEAT_TT_BE.</summary>
    TtBe = 1 << 3,
    /// <summary>ARM_SMMU_FEAT_PRI (IDR0.PRI).</summary>
    Pri = 1 << 4,
    /// <summary>ARM_SMMU_FEAT_ATS (IDR0.ATS).</summary>
    Ats = 1 << 5,
    /// <summary>ARM_SMMU_FEAT_SEV (IDR0.SEV).</summary>
    Sev = 1 << 6,
    /// <summary>ARM_SMMU_FEAT_MSI (IDR0.MSI).</summary>
    Msi = 1 << 7,
    /// <summary>ARM_SMMU_FEAT_HYP (IDR0.HYP).</summary>
    Hyp = 1 << 8,
    /// <summary>ARM_SMMU_FEAT_E2H (HYP with the kernel at EL2: never, the host model runs at EL1).</summary>
    E2H = 1 << 9,
    /// <summary>ARM_SMMU_FEAT_STALLS (IDR0.STALL_MODEL = 0).</summary>
    Stalls = 1 << 10,
    /// <summary>ARM_SMMU_FEAT_STALL_FORCE (IDR0.STALL_MODEL = 2).</summary>
    StallForce = 1 << 11,
    /// <summary>ARM_SMMU_FEAT_TRANS_S1 (IDR0.S1P).</summary>
    TransS1 = 1 << 12,
    /// <summary>ARM_SMMU_FEAT_TRANS_S2 (IDR0.S2P).</summary>
    TransS2 = 1 << 13,
    /// <summary>ARM_SMMU_FEAT_COHERENCY (IDR0.COHACC).</summary>
    Coherency = 1 << 14,
    /// <summary>ARM_SMMU_FEAT_RANGE_INV (IDR3.RIL).</summary>
    RangeInv = 1 << 15,
    /// <summary>ARM_SMMU_FEAT_VAX (IDR5.VAX = 1: 52-bit VA).</summary>
    Vax = 1 << 16,
}
