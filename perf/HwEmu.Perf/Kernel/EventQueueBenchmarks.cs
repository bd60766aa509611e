using BenchmarkDotNet.Attributes;
using HwEmu.Emulator.Kernel;

namespace HwEmu.Perf.Kernel;

/// <summary>
/// The candidate event-queue structures under the classic "hold" model: remove the earliest entry and insert one
/// at its time plus a pseudo-random delay of 1 to 66.5 ns, with a constant number of pending entries. This is
/// what a simulator does when each event re-arms itself. Reported time is per hold operation.
/// </summary>
[MemoryDiagnoser]
public class EventQueueBenchmarks
{
    private const int OpsPerInvoke = 100_000;

    private DaryEventHeap<BinaryArity> _binary = null!;
    private DaryEventHeap<QuaternaryArity> _quaternary = null!;
    private RadixEventQueue _radix = null!;
    private CalendarEventQueue _calendar = null!;
    private ulong _x;
    private ulong _sequence;

    /// <summary>Entries pending at all times.</summary>
    [Params(1, 1_000, 1_000_000)]
    public int Pending { get; set; }

    /// <summary>Fills the four structures with the same entries.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _binary = new DaryEventHeap<BinaryArity>();
        _quaternary = new DaryEventHeap<QuaternaryArity>();
        _radix = new RadixEventQueue();
        _calendar = new CalendarEventQueue();
        _x = 0x9E3779B97F4A7C15UL;
        for (int i = 0; i < Pending; i++)
        {
            var e = new EventEntry(NextDelay(), 0, ++_sequence, i);
            _binary.Push(e);
            _quaternary.Push(e);
            _radix.Push(e);
            _calendar.Push(e);
        }
        // Let the calendar queue settle on its geometry (an adaptation epoch is at least Pending removals), as it
        // has in any simulation that has run for a while.
        Hold(_calendar, Math.Max(4 * Pending, 200_000));
    }

    /// <summary>Binary heap.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = OpsPerInvoke)]
    public void Binary() => Hold(_binary);

    /// <summary>4-ary heap.</summary>
    [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
    public void Quaternary() => Hold(_quaternary);

    /// <summary>Radix heap (monotone integer priority queue).</summary>
    [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
    public void Radix() => Hold(_radix);

    /// <summary>Calendar queue: timing wheel with adaptive bucket width (the simulator's queue).</summary>
    [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
    public void Calendar() => Hold(_calendar);

    // Generic over the concrete sealed type so every call is direct, as in the simulator.
    private void Hold<TQueue>(TQueue queue, int operations = OpsPerInvoke) where TQueue : class, IEventHeap
    {
        for (int i = 0; i < operations; i++)
        {
            var root = queue.Root;
            queue.ReplaceRoot(new EventEntry(root.Time + NextDelay(), 0, ++_sequence, root.Slot));
        }
    }

    private ulong NextDelay()
    {
        ulong x = _x;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        _x = x;
        return 1_000 + (x & 0xFFFF);
    }
}
