using System.Diagnostics;
using HwEmu.Emulator.Memory;

namespace HwEmu.Emulator.Kernel;

/// <summary>
/// Short (about half a second each) self-timed versions of the kernel and memory benchmarks, for
/// <c>hwemu bench --quick</c>. Numbers are indicative; the BenchmarkDotNet suite in perf/HwEmu.Perf is the reference.
/// </summary>
public static class QuickBenchmarks
{
    /// <summary>Pages populated for <see cref="MemoryRead64Random"/>: 256 MiB, the size of the reference guest RAM.</summary>
    public const int RandomPages = 65_536;

    /// <summary>Precomputed random addresses read by <see cref="MemoryRead64Random"/>.</summary>
    public const int RandomAddresses = 1 << 20;

    private const double TargetSeconds = 0.5;

    /// <summary>All benchmarks in their documented order.</summary>
    public static IReadOnlyList<BenchmarkResult> All() =>
    [
        EventDispatch(1),
        EventDispatch(1_000),
        EventDispatch(1_000_000),
        MemoryRead64Hot(),
        MemoryRead64Random(),
    ];

    /// <summary>
    /// Timer-like events: each dispatched event re-schedules itself at now + a pseudo-random delay, so
    /// <paramref name="pending"/> events are always pending. Name "kernel.events.pending{N}".
    /// </summary>
    public static BenchmarkResult EventDispatch(int pending)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pending, 1);
        var workload = new TimerWorkload(pending);
        // Warm-up: JIT tiers, and the event queue settled on its geometry (it adapts once per epoch of at least
        // `pending` events), as in any simulation that has run for a while.
        workload.Run(Math.Max(2L * pending, 100_000));
        const long batch = 1_000_000;
        return Measure($"kernel.events.pending{pending}", batch, () => workload.Run(batch));
    }

    /// <summary>64-bit reads cycling through one 4 KiB page. Name "memory.read64.hot".</summary>
    public static BenchmarkResult MemoryRead64Hot()
    {
        var memory = new PhysicalMemory();
        const ulong Base = 0x4000_0000;
        for (ulong off = 0; off < PhysicalMemory.PageSize; off += 8) memory.Write64(Base + off, off * 0x0101_0101UL + 1);
        ulong sink = 0;
        const long batch = 4_000_000;
        var result = Measure("memory.read64.hot", batch, () =>
        {
            ulong acc = 0;
            for (long i = 0; i < batch; i++)
                acc += memory.Read64(Base + ((ulong)i * 8 & (PhysicalMemory.PageSize - 8)));
            sink += acc;
        });
        GC.KeepAlive(sink);
        return result;
    }

    /// <summary>
    /// 64-bit reads at <see cref="RandomAddresses"/> precomputed random aligned addresses spread over
    /// <see cref="RandomPages"/> populated pages. Name "memory.read64.random1m".
    /// </summary>
    public static BenchmarkResult MemoryRead64Random()
    {
        var (memory, addresses) = RandomReadSetup();
        ulong sink = 0;
        var result = Measure("memory.read64.random1m", addresses.Length, () =>
        {
            ulong acc = 0;
            foreach (ulong pa in addresses) acc += memory.Read64(pa);
            sink += acc;
        });
        GC.KeepAlive(sink);
        return result;
    }

    /// <summary>The populated memory and precomputed addresses of the random-read benchmark.</summary>
    internal static (PhysicalMemory Memory, ulong[] Addresses) RandomReadSetup()
    {
        const ulong Base = 0x4000_0000;
        var memory = new PhysicalMemory();
        for (ulong p = 0; p < RandomPages; p++) memory.Write64(Base + (p << PhysicalMemory.PageShift), p + 1);
        var random = new DeterministicRandom(1, "memory.read64.random1m");
        var addresses = new ulong[RandomAddresses];
        for (int i = 0; i < addresses.Length; i++)
            addresses[i] = Base + random.Next((ulong)RandomPages * PhysicalMemory.PageSize / 8) * 8;
        return (memory, addresses);
    }

    /// <summary>Runs <paramref name="body"/> (which performs <paramref name="opsPerCall"/> operations) until about half a second has passed.</summary>
    private static BenchmarkResult Measure(string name, long opsPerCall, Action body)
    {
        body(); // warm-up
        long ops = 0;
        long start = Stopwatch.GetTimestamp();
        double seconds;
        do
        {
            body();
            ops += opsPerCall;
            seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        while (seconds < TargetSeconds);
        return new BenchmarkResult(name, ops, seconds);
    }
}
