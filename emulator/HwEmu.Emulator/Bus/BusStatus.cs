namespace HwEmu.Emulator.Bus;

/// <summary>Outcome of a bus access. Errors are data: nothing on the bus throws for a bad address.</summary>
public enum BusStatus : byte
{
    /// <summary>The access completed.</summary>
    Ok = 0,
    /// <summary>No RAM region or device decodes the address (AXI DECERR / PCIe Unsupported Request).</summary>
    DecodeError = 1,
    /// <summary>A device decoded the address but refused the access, e.g. a bad size (AXI SLVERR / Completer Abort).</summary>
    SlaveError = 2,
}
