using HwEmu.Emulator.Bus;

namespace HwEmu.Devices.Platform.Machine;

/// <summary>
/// Stands on the bus in front of a device and reports the host's register writes (CPU accesses: requester ID 0,
/// privileged) to an <see cref="IRunObserver"/>; device-originated writes (MSIs) pass through unreported. Used only
/// when a run is recorded, so an unrecorded run has no extra call on the doorbell path.
/// </summary>
public sealed class RecordingMmioDevice(IMmioDevice inner, ulong baseAddress, ushort component, IRunObserver observer) : IMmioDevice
{
    /// <summary>Time stamped on the reported writes (the host set-up runs before time 0).</summary>
    public ulong TimePs { get; set; }

    /// <inheritdoc/>
    public string Name => inner.Name;

    /// <inheritdoc/>
    public BusStatus Read(ulong offset, int size, out ulong value, in BusAttributes attributes) => inner.Read(offset, size, out value, attributes);

    /// <inheritdoc/>
    public BusStatus Write(ulong offset, int size, ulong value, in BusAttributes attributes)
    {
        if (attributes.RequesterId == 0 && attributes.Privileged) observer.OnRegisterWrite(TimePs, component, baseAddress + offset, size, value);
        return inner.Write(offset, size, value, attributes);
    }
}
