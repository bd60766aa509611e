using BenchmarkDotNet.Attributes;
using HwEmu.Emulator.Kernel;

namespace HwEmu.Perf.Kernel;

/// <summary>
/// Schedule + dispatch through the whole <see cref="Simulator"/>: timer-like events that each re-schedule
/// themselves at now + a pseudo-random delay when they fire (the <c>kernel.events.pendingN</c> workload of
/// <see cref="QuickBenchmarks"/>). Reported time is per dispatched event; the target is 0 B allocated.
/// </summary>
[MemoryDiagnoser]
public class SimulatorBenchmarks
{
    private const int EventsPerInvoke = 100_000;

    private TimerWorkload _workload = null!;

    /// <summary>Events pending at all times.</summary>
    [Params(1, 1_000, 1_000_000)]
    public int Pending { get; set; }

    /// <summary>
    /// Builds the simulator with <see cref="Pending"/> timers and runs it until its event queue has settled on its
    /// geometry (an adaptation epoch is at least <see cref="Pending"/> events), as in any simulation that has run
    /// for a while.
    /// </summary>
    [GlobalSetup]
    public void Setup()
    {
        _workload = new TimerWorkload(Pending);
        _workload.Run(Math.Max(4L * Pending, 200_000));
    }

    /// <summary>Dispatches events (each re-arms itself).</summary>
    [Benchmark(OperationsPerInvoke = EventsPerInvoke)]
    public void ScheduleAndDispatch() => _workload.Run(EventsPerInvoke);
}
