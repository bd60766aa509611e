using HwEmu.Emulator.Kernel;
using NUnit.Framework;

namespace HwEmu.Tests.Kernel;

/// <summary>The candidate queue structures, and the simulator on top, against a sorted-set reference.</summary>
public class EventHeapTests
{
    private static readonly string[] Heaps = ["binary", "4-ary", "radix", "calendar"];

    private static IEventHeap Create(string kind) => kind switch
    {
        "binary" => new DaryEventHeap<BinaryArity>(4),
        "4-ary" => new DaryEventHeap<QuaternaryArity>(4),
        "radix" => new RadixEventQueue(),
        _ => new CalendarEventQueue(),
    };

    private static readonly Comparer<EventEntry> Order = Comparer<EventEntry>.Create((a, b) =>
        EventEntry.Precedes(a, b) ? -1 : EventEntry.Precedes(b, a) ? 1 : 0);

    [TestCaseSource(nameof(Heaps))]
    public void RandomPushPopReplaceMatchesSortedReference(string kind)
    {
        var heap = Create(kind);
        var reference = new SortedSet<EventEntry>(Order);
        var random = new DeterministicRandom(11, "heap-stress");
        ulong seq = 1;
        for (int op = 0; op < 60_000; op++)
        {
            ulong op10 = random.Next(10);
            // Small time and priority ranges so that ties on time, and on time and priority, are frequent.
            var entry = new EventEntry(random.Next(64), (int)random.Next(3) - 1, seq++, op);
            if (op10 < 5 || heap.Count == 0)
            {
                heap.Push(entry);
                reference.Add(entry);
            }
            else if (op10 < 8)
            {
                Assert.That(heap.Root, Is.EqualTo(reference.Min));
                reference.Remove(reference.Min);
                heap.RemoveRoot();
            }
            else
            {
                Assert.That(heap.Root, Is.EqualTo(reference.Min));
                reference.Remove(reference.Min);
                heap.ReplaceRoot(entry);
                reference.Add(entry);
            }
            Assert.That(heap.Count, Is.EqualTo(reference.Count));
        }
        while (heap.Count > 0)
        {
            Assert.That(heap.Root, Is.EqualTo(reference.Min));
            reference.Remove(reference.Min);
            heap.RemoveRoot();
        }
        Assert.That(reference, Is.Empty);
    }

    /// <summary>
    /// Simulation-like use: insertions never precede the last removed time, times span the whole 64-bit range
    /// (so every radix bucket is used), with frequent exact ties.
    /// </summary>
    [TestCaseSource(nameof(Heaps))]
    public void MonotoneWideRangeMatchesSortedReference(string kind)
    {
        var heap = Create(kind);
        var reference = new SortedSet<EventEntry>(Order);
        var random = new DeterministicRandom(14, "heap-monotone");
        ulong now = 0, seq = 1;
        for (int op = 0; op < 60_000; op++)
        {
            if (random.Next(100) < 55 || heap.Count == 0)
            {
                int bits = (int)random.Next(65);
                ulong delay = bits == 0 ? 0 : random.NextUInt64() >> (64 - bits);
                ulong time = ulong.MaxValue - now < delay ? ulong.MaxValue : now + delay;
                var entry = new EventEntry(time, (int)random.Next(2), seq++, op);
                heap.Push(entry);
                reference.Add(entry);
            }
            else
            {
                Assert.That(heap.Root, Is.EqualTo(reference.Min));
                now = reference.Min.Time;
                reference.Remove(reference.Min);
                heap.RemoveRoot();
            }
            Assert.That(heap.Count, Is.EqualTo(reference.Count));
        }
        while (heap.Count > 0)
        {
            Assert.That(heap.Root, Is.EqualTo(reference.Min));
            reference.Remove(reference.Min);
            heap.RemoveRoot();
        }
    }

    [TestCaseSource(nameof(Heaps))]
    public void RebuildAfterFilteringRestoresHeapOrder(string kind)
    {
        var heap = Create(kind);
        var random = new DeterministicRandom(12, "heap-rebuild");
        for (int i = 0; i < 5000; i++) heap.Push(new EventEntry(random.Next(1000), 0, (ulong)i + 1, i));
        var entries = heap.Entries;
        int kept = 0;
        for (int i = 0; i < entries.Length; i++)
            if (entries[i].Slot % 3 != 0) entries[kept++] = entries[i];
        heap.Rebuild(kept);
        Assert.That(heap.Count, Is.EqualTo(kept));
        var popped = new List<EventEntry>();
        while (heap.Count > 0) { popped.Add(heap.Root); heap.RemoveRoot(); }
        Assert.That(popped.All(e => e.Slot % 3 != 0), Is.True);
        Assert.That(popped, Is.Ordered.Using((IComparer<EventEntry>)Order));
        Assert.That(popped, Has.Count.EqualTo(5000 - 1667));
    }

    [Test]
    public void RadixQueuePoolIsBoundedByThePeakEntryCount()
    {
        var queue = new RadixEventQueue();
        var random = new DeterministicRandom(15, "radix-pool");
        ulong seq = 1;
        queue.Push(new EventEntry(0, 0, seq++, -1)); // boundary at 0: everything after goes to buckets
        for (int i = 0; i < 5000; i++)
            queue.Push(new EventEntry(1 + random.Next(1UL << 40), 0, seq++, i));
        int peak = queue.PoolSize;
        Assert.That(peak, Is.EqualTo(5000));
        // A long steady phase with wide-ranging delays reuses nodes: the pool does not grow with the number of operations.
        ulong previous = 0;
        for (int i = 0; i < 200_000; i++)
        {
            var root = queue.Root;
            Assert.That(root.Time, Is.GreaterThanOrEqualTo(previous));
            previous = root.Time;
            queue.ReplaceRoot(new EventEntry(root.Time + 1 + random.Next(1UL << (int)random.Next(48)), 0, seq++, i));
        }
        Assert.That(queue.Count, Is.EqualTo(5001));
        Assert.That(queue.PoolSize, Is.LessThanOrEqualTo(queue.Count), "never more nodes than entries");
    }

    /// <summary>The simulator under random schedule / cancel / run operations, against a sorted reference.</summary>
    [Test]
    public void SimulatorMatchesReferenceUnderRandomScheduleAndCancel()
    {
        var sim = new Simulator();
        var log = new List<ulong>();
        var handler = new RecordingHandler(sim, p => log.Add(p));
        var reference = new SortedSet<(ulong Time, int Priority, ulong Seq)>();
        var handles = new List<(EventHandle Handle, (ulong, int, ulong) Key)>();
        var random = new DeterministicRandom(13, "sim-stress");
        ulong seq = 0;
        for (int op = 0; op < 40_000; op++)
        {
            ulong kind = random.Next(100);
            if (kind < 55)
            {
                ulong time = sim.Now + random.Next(500);
                int priority = (int)random.Next(4) - 2;
                seq++;
                var h = sim.ScheduleAt(time, handler, seq, priority);
                reference.Add((time, priority, seq));
                handles.Add((h, (time, priority, seq)));
            }
            else if (kind < 80 && handles.Count > 0)
            {
                int i = (int)random.Next((ulong)handles.Count);
                var (h, key) = handles[i];
                handles[i] = handles[^1];
                handles.RemoveAt(handles.Count - 1);
                Assert.That(sim.Cancel(h), Is.EqualTo(reference.Remove(key)));
            }
            else
            {
                ulong limit = sim.Now + random.Next(300);
                var expected = reference.Where(k => k.Time <= limit).ToList();
                log.Clear();
                sim.RunUntil(limit);
                Assert.That(log, Is.EqualTo(expected.Select(k => k.Seq).ToList()));
                foreach (var k in expected) reference.Remove(k);
                Assert.That(sim.Now, Is.EqualTo(limit));
            }
            Assert.That(sim.PendingEvents, Is.EqualTo(reference.Count));
        }
        log.Clear();
        sim.RunUntilIdle();
        Assert.That(log, Is.EqualTo(reference.Select(k => k.Seq).ToList()));
    }
}
