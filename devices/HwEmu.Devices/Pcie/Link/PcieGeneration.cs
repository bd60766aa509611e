namespace HwEmu.Devices.Pcie;

/// <summary>PCIe link generations and their raw signalling rate and line encoding.</summary>
public enum PcieGeneration
{
    /// <summary>2.5 GT/s, 8b/10b.</summary>
    Gen1 = 1,
    /// <summary>5 GT/s, 8b/10b.</summary>
    Gen2 = 2,
    /// <summary>8 GT/s, 128b/130b.</summary>
    Gen3 = 3,
    /// <summary>16 GT/s, 128b/130b.</summary>
    Gen4 = 4,
    /// <summary>32 GT/s, 128b/130b.</summary>
    Gen5 = 5,
    /// <summary>64 GT/s, PAM4, FLIT mode (256-byte flits carrying 236 bytes of TLP).</summary>
    Gen6 = 6,
}
