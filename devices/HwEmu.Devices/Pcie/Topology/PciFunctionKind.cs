namespace HwEmu.Devices.Pcie;

/// <summary>
/// What a function is, for grouping and alias purposes: the PCIe Device/Port Type (PCI_EXP_TYPE_*, PCIe
/// capability bits [7:4]) or a conventional PCI function without a PCIe capability.
/// </summary>
public enum PciFunctionKind
{
    /// <summary>PCI_EXP_TYPE_ENDPOINT.</summary>
    Endpoint = 0x0,
    /// <summary>PCI_EXP_TYPE_LEG_END: legacy endpoint.</summary>
    LegacyEndpoint = 0x1,
    /// <summary>PCI_EXP_TYPE_ROOT_PORT.</summary>
    RootPort = 0x4,
    /// <summary>PCI_EXP_TYPE_UPSTREAM: switch upstream port.</summary>
    SwitchUpstreamPort = 0x5,
    /// <summary>PCI_EXP_TYPE_DOWNSTREAM: switch downstream port.</summary>
    SwitchDownstreamPort = 0x6,
    /// <summary>PCI_EXP_TYPE_PCI_BRIDGE: PCIe-to-PCI/PCI-X bridge; everything behind it uses (secondary, 0).</summary>
    PcieToPciBridge = 0x7,
    /// <summary>PCI_EXP_TYPE_PCIE_BRIDGE: PCI/PCI-X-to-PCIe bridge; requests behind it carry the bridge's RID.</summary>
    PciToPcieBridge = 0x8,
    /// <summary>PCI_EXP_TYPE_RC_END: root-complex integrated endpoint (QEMU makes devices on pcie.0 this).</summary>
    RcIntegratedEndpoint = 0x9,
    /// <summary>PCI_EXP_TYPE_RC_EC: root-complex event collector.</summary>
    RcEventCollector = 0xa,
    /// <summary>Conventional PCI/PCI-X device (no PCIe capability).</summary>
    ConventionalDevice = 0x100,
    /// <summary>Conventional PCI-to-PCI bridge (no PCIe capability).</summary>
    ConventionalBridge = 0x101,
}

/// <summary>ACS capability/control bits (PCI_ACS_*).</summary>
[Flags]
public enum PciAcs : ushort
{
    /// <summary>No ACS feature.</summary>
    None = 0,
    /// <summary>Source Validation.</summary>
    SV = 0x01,
    /// <summary>Translation Blocking.</summary>
    TB = 0x02,
    /// <summary>P2P Request Redirect.</summary>
    RR = 0x04,
    /// <summary>P2P Completion Redirect.</summary>
    CR = 0x08,
    /// <summary>Upstream Forwarding.</summary>
    UF = 0x10,
    /// <summary>P2P Egress Control.</summary>
    EC = 0x20,
    /// <summary>Direct Translated P2P.</summary>
    DT = 0x40,
    /// <summary>REQ_ACS_FLAGS: what Linux requires for isolation (SV | RR | CR | UF).</summary>
    Required = SV | RR | CR | UF,
}
