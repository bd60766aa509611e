namespace HwEmu.Emulator.Bus;

/// <summary>One window of the address map: RAM (backed by physical memory) or a device's registers.</summary>
/// <param name="Base">First address of the window.</param>
/// <param name="Size">Size of the window in bytes.</param>
/// <param name="Device">The device decoding the window, or null for RAM.</param>
/// <param name="Name">Name used in messages.</param>
public sealed record AddressRegion(ulong Base, ulong Size, IMmioDevice? Device, string Name)
{
    /// <summary>Last address of the window (inclusive).</summary>
    public ulong Last => Base + Size - 1;

    /// <summary>True for a RAM window.</summary>
    public bool IsRam => Device is null;

    /// <summary>True when the window contains <paramref name="address"/>.</summary>
    public bool Contains(ulong address) => address - Base < Size;
}
