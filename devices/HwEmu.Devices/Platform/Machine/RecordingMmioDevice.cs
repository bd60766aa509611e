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

    /// <summary>When set, the reported writes carry its current time instead of <see cref="TimePs"/> (writes made during the run).</summary>
    public Emulator.Kernel.Simulator? Clock { get; set; }

    /// <inheritdoc/>
    public string Name => inner.Name;

    /// <inheritdoc/>
    public BusStatus Read(ulong offset, int size, out ulong value, in BusAttributes attributes) => inner.Read(offset, size, out value, attributes);

    /// <inheritdoc/>
    public BusStatus Write(ulong offset, int size, ulong value, in BusAttributes attributes)
    {
        if (attributes.RequesterId == 0 && attributes.Privileged) observer.OnRegisterWrite(Clock?.Now ?? TimePs, component, baseAddress + offset, size, value);
        return inner.Write(offset, size, value, attributes);
    }
}
