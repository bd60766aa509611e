namespace HwEmu.Traces.Format;

/// <summary>What served a translation.</summary>
public enum TranslationSource : byte
{
    /// <summary>SMMU disabled (SMMU_CR0.SMMUEN = 0): global bypass per SMMU_GBPA.</summary>
    GlobalBypass = 0,
    /// <summary>The STE selects bypass (STE.Config = 0b100).</summary>
    StreamBypass = 1,
    /// <summary>An IOTLB hit.</summary>
    Iotlb = 2,
    /// <summary>A table walk with the configuration (STE/CD) already cached.</summary>
    Walk = 3,
    /// <summary>A table walk that also had to fetch the STE and/or CD.</summary>
    WalkWithConfigFetch = 4,
    /// <summary>Already translated by the endpoint's ATC (ATS translated request).</summary>
    AtsTranslated = 5,
}
