namespace HwEmu.Devices.Pcie;

/// <summary>ACS Control register enable bits of a downstream port (PCIe r6.0 §7.7.8.3, bit positions as in the register).</summary>
[Flags]
public enum FabricAcs : ushort
{
    /// <summary>No ACS capability or nothing enabled: peers below one switch talk directly.</summary>
    None = 0,
    /// <summary>ACS Source Validation Enable (V).</summary>
    SourceValidation = 1 << 0,
    /// <summary>ACS Translation Blocking Enable (B).</summary>
    TranslationBlocking = 1 << 1,
    /// <summary>ACS P2P Request Redirect Enable (R): peer requests are sent upstream to the root complex.</summary>
    RequestRedirect = 1 << 2,
    /// <summary>ACS P2P Completion Redirect Enable (C).</summary>
    CompletionRedirect = 1 << 3,
    /// <summary>ACS Upstream Forwarding Enable (U).</summary>
    UpstreamForwarding = 1 << 4,
    /// <summary>ACS P2P Egress Control Enable (E): with an all-blocking egress vector, peer requests go upstream too.</summary>
    EgressControl = 1 << 5,
    /// <summary>ACS Direct Translated P2P Enable (T): ATS-translated requests may still go direct.</summary>
    DirectTranslatedP2p = 1 << 6,
}
