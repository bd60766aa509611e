namespace HwEmu.Campaigns;

/// <summary>
/// One interrupt delivered to a CPU: the INTID, the CPU, the device whose write caused it (<see cref="Writer"/>) and
/// the device that owns that vector (<see cref="Owner"/>, -1 for none).
/// </summary>
public readonly record struct InterruptObservation(int Step, int Writer, uint IntId, int Cpu, int Owner, ulong TimePs);
