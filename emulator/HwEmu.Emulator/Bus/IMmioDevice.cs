namespace HwEmu.Emulator.Bus;

/// <summary>A device that decodes a window of the physical address space as registers.</summary>
public interface IMmioDevice
{
    /// <summary>Name used in register dumps, traces and error messages.</summary>
    string Name { get; }

    /// <summary>Reads <paramref name="size"/> bytes (1, 2, 4 or 8) at <paramref name="offset"/> from the window base.</summary>
    BusStatus Read(ulong offset, int size, out ulong value, in BusAttributes attributes);

    /// <summary>Writes the low <paramref name="size"/> bytes of <paramref name="value"/> at <paramref name="offset"/>.</summary>
    BusStatus Write(ulong offset, int size, ulong value, in BusAttributes attributes);
}
