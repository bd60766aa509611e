namespace HwEmu.Devices.Host.Iommu;

/// <summary>A PCI host bridge resource window or dma-range: CPU addresses [Start, End] with bus offset.</summary>
/// <param name="Start">First CPU address.</param>
/// <param name="End">Last CPU address (inclusive).</param>
/// <param name="Offset">CPU address minus bus address (window-&gt;offset).</param>
public readonly record struct HostBridgeWindow(ulong Start, ulong End, ulong Offset = 0);
