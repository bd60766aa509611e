namespace HwEmu.Emulator.Bus;

/// <summary>
/// Side-band attributes that travel with a bus access. The <see cref="DeviceId"/> is how an ITS learns who wrote to
/// GITS_TRANSLATER: it comes from the root complex / SMMU mapping of the requester, never from the written data.
/// </summary>
/// <param name="RequesterId">PCIe requester ID (bus:device.function) of the originator, or 0 for the CPU.</param>
/// <param name="DeviceId">DeviceID side-band as seen by an MSI controller (msi-map applied).</param>
/// <param name="Privileged">Privileged access (AxPROT[0]).</param>
/// <param name="Instruction">Instruction fetch (AxPROT[2]).</param>
/// <param name="NonSecure">Non-secure access (AxPROT[1]); HwEmu models the non-secure world only.</param>
public readonly record struct BusAttributes(
    ushort RequesterId = 0,
    uint DeviceId = 0,
    bool Privileged = false,
    bool Instruction = false,
    bool NonSecure = true)
{
    /// <summary>Attributes of a privileged, non-secure CPU access (a driver programming a device).</summary>
    public static BusAttributes Cpu => new(Privileged: true);
}
