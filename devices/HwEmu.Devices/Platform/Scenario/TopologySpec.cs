namespace HwEmu.Devices.Platform;

/// <summary>PCIe hierarchy under one host bridge (segment 0).</summary>
public sealed record TopologySpec
{
    /// <summary>Host bridge windows.</summary>
    public HostBridgeSpec HostBridge { get; init; } = new();
    /// <summary>Root ports on bus 0.</summary>
    public ValueList<RootPortSpec> RootPorts { get; init; } = ValueList<RootPortSpec>.Empty;
    /// <summary>Switches.</summary>
    public ValueList<SwitchSpec> Switches { get; init; } = ValueList<SwitchSpec>.Empty;
    /// <summary>PCIe-to-PCI(-X) bridges.</summary>
    public ValueList<PciBridgeSpec> Bridges { get; init; } = ValueList<PciBridgeSpec>.Empty;
    /// <summary>Endpoints.</summary>
    public ValueList<EndpointSpec> Endpoints { get; init; } = ValueList<EndpointSpec>.Empty;
}

/// <summary>Host bridge address windows (the ranges of a pci-host-ecam-generic node).</summary>
public sealed record HostBridgeSpec
{
    /// <summary>ECAM base.</summary>
    public ulong EcamBase { get; init; } = 0x40_1000_0000;
    /// <summary>32-bit MMIO window base.</summary>
    public ulong Mmio32Base { get; init; } = 0x1000_0000;
    /// <summary>32-bit MMIO window size.</summary>
    public ulong Mmio32Size { get; init; } = 0x2eff_0000;
    /// <summary>64-bit MMIO window base.</summary>
    public ulong Mmio64Base { get; init; } = 0x80_0000_0000;
    /// <summary>64-bit MMIO window size.</summary>
    public ulong Mmio64Size { get; init; } = 0x80_0000_0000;
}

/// <summary>ACS controls of a downstream port (PCIe r6.0 §7.7.8.3); names as in the ACS Control register.</summary>
/// <param name="SourceValidation">ACS Source Validation Enable.</param>
/// <param name="RequestRedirect">ACS P2P Request Redirect Enable: peer requests go upstream to the root complex.</param>
/// <param name="CompletionRedirect">ACS P2P Completion Redirect Enable.</param>
/// <param name="UpstreamForwarding">ACS Upstream Forwarding Enable.</param>
/// <param name="EgressControl">ACS P2P Egress Control Enable.</param>
/// <param name="DirectTranslatedP2p">ACS Direct Translated P2P Enable (ATS-translated requests may go direct).</param>
public sealed record AcsSpec(
    bool SourceValidation = false,
    bool RequestRedirect = false,
    bool CompletionRedirect = false,
    bool UpstreamForwarding = false,
    bool EgressControl = false,
    bool DirectTranslatedP2p = false)
{
    /// <summary>All isolation controls on (what Linux enables when it finds ACS).</summary>
    public static AcsSpec Isolating { get; } = new(true, true, true, true, false, false);
}

/// <summary>A root port on bus 0.</summary>
/// <param name="Name">Unique name.</param>
/// <param name="Bdf">Its own BDF, e.g. "00:01.0".</param>
/// <param name="SecondaryBus">Bus number below it.</param>
/// <param name="Acs">ACS controls (null = no ACS capability).</param>
/// <param name="Link">Link override (null = platform default).</param>
public sealed record RootPortSpec(string Name, string Bdf, int SecondaryBus, AcsSpec? Acs = null, LinkSpec? Link = null);

/// <summary>A switch: an upstream port below <see cref="Parent"/>, an internal bus, downstream ports.</summary>
/// <param name="Name">Unique name.</param>
/// <param name="Parent">Root port or switch downstream port above it.</param>
/// <param name="UpstreamBdf">BDF of the upstream port (on the parent's secondary bus).</param>
/// <param name="InternalBus">Bus between the upstream and the downstream ports.</param>
/// <param name="DownstreamPorts">Downstream ports.</param>
public sealed record SwitchSpec(string Name, string Parent, string UpstreamBdf, int InternalBus, ValueList<SwitchPortSpec> DownstreamPorts);

/// <summary>A switch downstream port.</summary>
/// <param name="Name">Unique name (endpoints name it as parent).</param>
/// <param name="Bdf">BDF on the switch's internal bus.</param>
/// <param name="SecondaryBus">Bus below it.</param>
/// <param name="Acs">ACS controls (null = no ACS capability: peers may talk directly).</param>
public sealed record SwitchPortSpec(string Name, string Bdf, int SecondaryBus, AcsSpec? Acs = null);

/// <summary>A PCIe-to-PCI bridge: devices behind it are seen upstream with the bridge's alias RID.</summary>
/// <param name="Name">Unique name.</param>
/// <param name="Parent">Port above it.</param>
/// <param name="Bdf">Its own BDF.</param>
/// <param name="SecondaryBus">Conventional PCI bus below it.</param>
public sealed record PciBridgeSpec(string Name, string Parent, string Bdf, int SecondaryBus);

/// <summary>A PCIe function.</summary>
/// <param name="Name">Unique name (devices bind to it).</param>
/// <param name="Parent">Root port, switch downstream port or PCI bridge above it.</param>
/// <param name="Bdf">BDF; the bus must be the parent's secondary bus.</param>
/// <param name="Bars">Memory BARs.</param>
public sealed record EndpointSpec(string Name, string Parent, string Bdf, ValueList<BarSpec> Bars);

/// <summary>A memory BAR as assigned by firmware.</summary>
/// <param name="Index">BAR number 0..5.</param>
/// <param name="Address">Assigned bus address.</param>
/// <param name="Size">Size (power of two).</param>
/// <param name="Prefetchable">Prefetchable.</param>
public sealed record BarSpec(int Index, ulong Address, ulong Size, bool Prefetchable = false);
