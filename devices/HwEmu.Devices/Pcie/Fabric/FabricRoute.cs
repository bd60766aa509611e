namespace HwEmu.Devices.Pcie;

/// <summary>Where the root complex / switches send an upstream memory request.</summary>
public enum FabricRouteKind : byte
{
    /// <summary>Up to the SMMU with a StreamID (translated there; includes MSIs to a downstream doorbell).</summary>
    ToSmmu,
    /// <summary>Routed by a switch (or a conventional PCI bus) straight to a peer's BAR; never reaches the SMMU.</summary>
    PeerToPeer,
    /// <summary>An MSI write to a doorbell decoded in the host bridge, upstream of the SMMU: never translated.</summary>
    MsiBypass,
    /// <summary>The requester ID is not covered by the iommu-map: the request cannot be given a StreamID.</summary>
    NoStreamId,
}

/// <summary>Routing decision for one upstream request (a small value, no allocation).</summary>
/// <param name="Kind">Where it goes.</param>
/// <param name="RequesterId">Requester ID as seen upstream (the DMA alias if a PCIe-to-PCI bridge took ownership).</param>
/// <param name="StreamId">StreamID from the iommu-map (valid for <see cref="FabricRouteKind.ToSmmu"/>).</param>
/// <param name="DeviceId">MSI DeviceID from the msi-map (valid when <see cref="IsMsi"/> and the msi-map covers the RID).</param>
/// <param name="IsMsi">The address is in the MSI doorbell window and the request is a write.</param>
/// <param name="Peer">Fabric node index of the peer endpoint (P2P), or -1.</param>
/// <param name="RoutedAt">Node index of the switch downstream port or PCI bridge that made the decision, or -1.</param>
/// <param name="RedirectedByAcs">A peer BAR was hit but ACS redirected the request upstream.</param>
public readonly record struct FabricRoute(
    FabricRouteKind Kind,
    ushort RequesterId,
    uint StreamId,
    uint DeviceId,
    bool IsMsi,
    int Peer,
    int RoutedAt,
    bool RedirectedByAcs);
