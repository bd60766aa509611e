namespace HwEmu.Campaigns;

/// <summary>How the host invalidates the SMMU TLB on unmap (Linux iommu.strict).</summary>
public enum InvalidationMode
{
    /// <summary>iommu.strict=1: TLBI_NH_VA + CMD_SYNC on every unmap before the IOVA is freed.</summary>
    Strict,
    /// <summary>iommu.strict=0: unmaps queue in a flush queue; one TLBI_NH_ASID + CMD_SYNC per batch, then IOVAs are freed.</summary>
    Lazy,
}
