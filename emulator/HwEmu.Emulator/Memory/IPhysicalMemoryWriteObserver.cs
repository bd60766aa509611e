namespace HwEmu.Emulator.Memory;

/// <summary>
/// Sees every write into a <see cref="PhysicalMemory"/> (attached by a trace recorder, so memory writes are recorded in
/// the order they happen). The data span is valid only during the call.
/// </summary>
public interface IPhysicalMemoryWriteObserver
{
    /// <summary><paramref name="data"/> is being written at <paramref name="pa"/>.</summary>
    void OnMemoryWrite(ulong pa, ReadOnlySpan<byte> data);
}
