namespace HwEmu.Emulator.Kernel;

/// <summary>Result of one quick benchmark (<see cref="QuickBenchmarks"/>).</summary>
/// <param name="Name">Stable benchmark name, e.g. "kernel.events.pending1000".</param>
/// <param name="Operations">Operations performed in the timed part.</param>
/// <param name="Seconds">Host seconds the timed part took.</param>
public readonly record struct BenchmarkResult(string Name, long Operations, double Seconds)
{
    /// <summary>Operations per host second (0 when nothing was timed).</summary>
    public double OpsPerSecond => Seconds > 0 ? Operations / Seconds : 0;
}
