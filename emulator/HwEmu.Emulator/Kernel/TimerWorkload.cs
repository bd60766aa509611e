namespace HwEmu.Emulator.Kernel;

/// <summary>
/// The kernel benchmark workload, shared by <see cref="QuickBenchmarks"/> and the BenchmarkDotNet suite: a
/// simulator with a fixed number of pending timer-like events, each of which re-schedules itself at now + a
/// pseudo-random delay of 1 to 66.5 ns when it fires.
/// </summary>
internal sealed class TimerWorkload : IEventHandler
{
    private readonly Simulator _simulator;
    private ulong _x = 0x9E3779B97F4A7C15UL;
    private long _budget;

    public TimerWorkload(int pending)
    {
        _simulator = new Simulator(seed: 1);
        for (int i = 0; i < pending; i++)
            _simulator.Schedule(NextDelay(), this, (ulong)i);
    }

    public Simulator Simulator => _simulator;

    /// <summary>Dispatches exactly <paramref name="events"/> events (each re-arms itself, so the pending count is constant).</summary>
    public void Run(long events)
    {
        if (events <= 0) return;
        _budget = events;
        _simulator.RunUntilIdle();
    }

    public void OnEvent(ulong payload)
    {
        _simulator.Schedule(NextDelay(), this, payload);
        if (--_budget == 0) _simulator.RequestStop();
    }

    private ulong NextDelay()
    {
        // xorshift64: cheap, deterministic, "random-ish" spread of firing times.
        ulong x = _x;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        _x = x;
        return 1_000 + (x & 0xFFFF);
    }
}
