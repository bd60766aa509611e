namespace HwEmu.Devices.Host.ArmSmmuV3;

/// <summary>enum arm_smmu_domain_stage.</summary>
public enum ArmSmmuStage
{
    /// <summary>ARM_SMMU_DOMAIN_S1: stage-1 translation through a CD (the default for paging domains).</summary>
    S1,
    /// <summary>ARM_SMMU_DOMAIN_S2: stage-2 translation from the STE.</summary>
    S2,
    /// <summary>ARM_SMMU_DOMAIN_BYPASS: identity domain, STE.Config = bypass.</summary>
    Bypass,
}
