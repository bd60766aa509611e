namespace HwEmu.Devices.Pcie;

/// <summary>Role of a PCIe function in the fabric (PCI Express Capability Device/Port Type).</summary>
public enum FabricNodeKind : byte
{
    /// <summary>Root port of the root complex.</summary>
    RootPort,
    /// <summary>Upstream port of a switch.</summary>
    SwitchUpstreamPort,
    /// <summary>Downstream port of a switch.</summary>
    SwitchDownstreamPort,
    /// <summary>PCIe-to-PCI/PCI-X bridge (conventional bus below).</summary>
    PciBridge,
    /// <summary>Endpoint (or a conventional PCI device behind a bridge).</summary>
    Endpoint,
}
