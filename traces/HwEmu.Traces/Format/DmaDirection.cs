namespace HwEmu.Traces.Format;

/// <summary>Direction of a DMA transaction as seen from the endpoint.</summary>
public enum DmaDirection : byte
{
    /// <summary>The endpoint reads memory (a PCIe memory read request).</summary>
    Read = 0,
    /// <summary>The endpoint writes memory (a PCIe posted memory write).</summary>
    Write = 1,
}
