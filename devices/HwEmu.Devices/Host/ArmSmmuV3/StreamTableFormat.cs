namespace HwEmu.Devices.Host.ArmSmmuV3;

/// <summary>Stream table layout the driver builds (STRTAB_BASE_CFG.FMT).</summary>
public enum StreamTableFormat
{
    /// <summary>Two-level when SMMU_IDR0.ST_LEVEL allows it and SIDSIZE exceeds STRTAB_SPLIT, else linear (Linux's choice).</summary>
    Auto,
    /// <summary>Linear table of 2^SIDSIZE STEs.</summary>
    Linear,
    /// <summary>Two-level table, SPLIT = 8 (STRTAB_SPLIT); falls back to linear when the SMMU has no 2-level support.</summary>
    TwoLevel,
}
