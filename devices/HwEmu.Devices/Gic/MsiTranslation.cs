namespace HwEmu.Devices.Gic;

/// <summary>The outcome of one MSI translation: what the trace layer records per doorbell write.</summary>
/// <param name="DeviceId">DeviceID side-band of the write.</param>
/// <param name="EventId">The written data.</param>
/// <param name="Result">Delivered, merged, held or the drop reason.</param>
/// <param name="IntId">The LPI (0 when the translation did not get that far).</param>
/// <param name="Cpu">Target processor (−1 when unknown).</param>
/// <param name="DoorbellPs">Time of the doorbell write.</param>
/// <param name="CompletePs">Time the LPI reached the CPU interface (or the translation ended), from the timing layer.</param>
public readonly record struct MsiTranslation(uint DeviceId, uint EventId, ItsTranslationResult Result, uint IntId, int Cpu, ulong DoorbellPs, ulong CompletePs)
{
    /// <summary>Doorbell-to-CPU-interface latency in picoseconds.</summary>
    public ulong LatencyPs => CompletePs - DoorbellPs;

    /// <summary>True when the MSI was dropped.</summary>
    public bool Dropped => Result >= ItsTranslationResult.ItsDisabled;
}
