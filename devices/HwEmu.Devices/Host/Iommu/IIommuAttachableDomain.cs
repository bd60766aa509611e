namespace HwEmu.Devices.Host.Iommu;

/// <summary>
/// The device side of an IOMMU driver's domain (iommu_attach_device / iommu_detach_device / iommu_domain_free).
/// Domains backed by a hardware driver (the SMMUv3 model's <c>ArmSmmuDomain</c>) implement it so that VFIO and
/// the DMA layer install and remove the device's stream configuration; bare <see cref="IoPgtableDomain"/>s
/// don't need it.
/// </summary>
public interface IIommuAttachableDomain
{
    /// <summary>Attaches every StreamID of <paramref name="device"/> to the domain.</summary>
    Errno AttachDevice(HostDevice device);

    /// <summary>Detaches <paramref name="device"/> (its streams abort until attached elsewhere).</summary>
    void DetachDevice(HostDevice device);

    /// <summary>Frees the domain: detaches what is left, releases tables and identifiers.</summary>
    void Free();
}
