namespace HwEmu.Emulator.Kernel;

/// <summary>
/// A clock of a given frequency. Converts cycle counts to simulated time (picoseconds) exactly: the time of cycle
/// edge N is floor(N * 10^12 / Hz), computed in 128-bit arithmetic, so a 3 GHz clock (period 333.33.. ps) never
/// drifts — edge 3 000 000 000 is exactly one second.
/// </summary>
public sealed class ClockDomain
{
    /// <summary>Picoseconds per second.</summary>
    public const ulong PicosecondsPerSecond = 1_000_000_000_000UL;

    /// <summary>Creates a clock domain.</summary>
    /// <param name="name">Name for reports, e.g. "smmu".</param>
    /// <param name="frequencyHz">Frequency in Hz, at most 10^12 (one edge per picosecond).</param>
    public ClockDomain(string name, ulong frequencyHz)
    {
        if (frequencyHz is 0 or > PicosecondsPerSecond)
            throw new ArgumentOutOfRangeException(nameof(frequencyHz), frequencyHz, $"clock '{name}' must be between 1 Hz and 1 THz");
        Name = name;
        FrequencyHz = frequencyHz;
    }

    /// <summary>Name of the domain.</summary>
    public string Name { get; }

    /// <summary>Frequency in Hz.</summary>
    public ulong FrequencyHz { get; }

    /// <summary>Time of cycle edge <paramref name="cycle"/> counted from time 0: floor(cycle * 10^12 / Hz).</summary>
    /// <exception cref="OverflowException">The edge lies beyond 2^64 - 1 ps (about 213 days).</exception>
    public ulong EdgeTime(ulong cycle) => checked((ulong)((UInt128)cycle * PicosecondsPerSecond / FrequencyHz));

    /// <summary>Number of whole cycle edges at or before <paramref name="time"/> (the cycle count at that time).</summary>
    public ulong CycleAt(ulong time)
    {
        // Largest N with EdgeTime(N) <= time: N = floor((time + 1) * Hz - 1) / 10^12) handles the floor in EdgeTime.
        return (ulong)((((UInt128)time + 1) * FrequencyHz - 1) / PicosecondsPerSecond);
    }

    /// <summary>The first cycle edge at or after <paramref name="time"/>.</summary>
    public ulong NextEdge(ulong time)
    {
        ulong n = CycleAt(time);
        ulong t = EdgeTime(n);
        return t == time ? t : EdgeTime(n + 1);
    }

    /// <summary>
    /// The time <paramref name="cycles"/> cycles after <paramref name="time"/>, on this clock's edges: the edge that
    /// is <paramref name="cycles"/> edges after the first edge at or after <paramref name="time"/>.
    /// </summary>
    public ulong After(ulong time, ulong cycles) => EdgeTime(CycleAt(NextEdge(time)) + cycles);

    /// <summary>Duration of <paramref name="cycles"/> cycles rounded to the nearest picosecond (for reports).</summary>
    public ulong Duration(ulong cycles) => (ulong)(((UInt128)cycles * PicosecondsPerSecond + FrequencyHz / 2) / FrequencyHz);

    /// <summary>Converts a duration in picoseconds to cycles, rounding up (for latency reports).</summary>
    public ulong CyclesIn(ulong durationPs) => (ulong)(((UInt128)durationPs * FrequencyHz + PicosecondsPerSecond - 1) / PicosecondsPerSecond);

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({FrequencyHz} Hz)";
}
