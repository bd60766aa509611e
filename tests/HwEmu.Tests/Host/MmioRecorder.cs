using HwEmu.Emulator.Bus;

namespace HwEmu.Tests.Host;

/// <summary>Forwards to a device and records every write (offset, size, value) for comparison with a trace.</summary>
internal sealed class MmioRecorder(IMmioDevice inner) : IMmioDevice
{
    public List<(ulong Offset, int Size, ulong Value)> Writes { get; } = new();

    public string Name => inner.Name;

    public BusStatus Read(ulong offset, int size, out ulong value, in BusAttributes attributes) => inner.Read(offset, size, out value, attributes);

    public BusStatus Write(ulong offset, int size, ulong value, in BusAttributes attributes)
    {
        Writes.Add((offset, size, value));
        return inner.Write(offset, size, value, attributes);
    }
}
