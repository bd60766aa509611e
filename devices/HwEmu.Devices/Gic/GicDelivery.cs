namespace HwEmu.Devices.Gic;

/// <summary>One interrupt delivered to a CPU interface (acknowledged by the CPU).</summary>
/// <param name="IntId">The INTID.</param>
/// <param name="Cpu">The CPU.</param>
/// <param name="DoorbellPs">Time the interrupt was raised (doorbell write, INT command, SETSPI...).</param>
/// <param name="SignalledPs">Time it reached the CPU interface as pending and enabled.</param>
/// <param name="AcknowledgedPs">Time the CPU acknowledged it (ICC_IAR1_EL1 read).</param>
public readonly record struct GicDelivery(uint IntId, int Cpu, ulong DoorbellPs, ulong SignalledPs, ulong AcknowledgedPs)
{
    /// <summary>Doorbell-to-CPU-interface latency.</summary>
    public ulong LatencyPs => SignalledPs - DoorbellPs;
}
