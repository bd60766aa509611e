namespace HwEmu.Devices.Pcie;

/// <summary>Which requester ID a PCIe-to-PCI bridge uses for transactions it forwards from its conventional bus.</summary>
public enum PciBridgeAlias : byte
{
    /// <summary>
    /// Secondary bus number, device 0, function 0: the bridge "takes ownership" (PCIe-to-PCI/PCI-X Bridge spec;
    /// Linux pci_for_each_dma_alias for PCI_EXP_TYPE_PCI_BRIDGE).
    /// </summary>
    SecondaryBusDevfn0,
    /// <summary>The bridge's own requester ID (bridges that Linux quirks with PCI_DEV_FLAGS_PCIE_BRIDGE_ALIAS do the opposite; some use their own RID).</summary>
    BridgeRid,
}
