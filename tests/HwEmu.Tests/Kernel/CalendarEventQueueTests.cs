using HwEmu.Emulator.Kernel;
using NUnit.Framework;

namespace HwEmu.Tests.Kernel;

/// <summary>
/// The calendar queue (the simulator's event queue): exact (time, priority, sequence) order across its three tiers
/// and across geometry changes, against a sorted-set reference; adaptation of the geometry; no allocation.
/// </summary>
public class CalendarEventQueueTests
{
    private static readonly Comparer<EventEntry> Order = Comparer<EventEntry>.Create((a, b) =>
        EventEntry.Precedes(a, b) ? -1 : EventEntry.Precedes(b, a) ? 1 : 0);

    /// <summary>
    /// 150 000 random operations in phases whose delay scales differ by up to 2^40 (so the geometry is rebuilt
    /// several times while entries are held), with same-time bursts, far-future entries (overflow) and insertions
    /// before the last removed time (after a run stopped at a time limit).
    /// </summary>
    [Test]
    public void RandomPhasedWorkloadMatchesSortedReference()
    {
        var queue = new CalendarEventQueue();
        var reference = new SortedSet<EventEntry>(Order);
        var random = new DeterministicRandom(21, "calendar-phases");
        int[] scaleBits = [6, 16, 30, 0, 3, 44, 12, 20, 8, 63];
        ulong now = 0, seq = 1;
        int pops = 0, farFuture = 0;
        for (int op = 0; op < 150_000; op++)
        {
            int bits = scaleBits[op / 15_000];
            ulong kind = random.Next(100);
            if (kind < 50 || queue.Count == 0)
            {
                ulong delay = bits == 0 ? 0 : random.NextUInt64() >> (64 - bits);
                ulong time;
                if (kind < 3 && now > 0) time = now - 1 - random.Next(Math.Min(now, 1000)); // before the boundary
                else if (kind < 5) { time = ulong.MaxValue - random.Next(4); farFuture++; }
                else time = ulong.MaxValue - now < delay ? ulong.MaxValue : now + delay;
                var entry = new EventEntry(time, (int)random.Next(3) - 1, seq++, op);
                queue.Push(entry);
                reference.Add(entry);
            }
            else if (kind < 80)
            {
                Assert.That(queue.Root, Is.EqualTo(reference.Min), $"op {op}");
                now = reference.Min.Time;
                reference.Remove(reference.Min);
                queue.RemoveRoot();
                pops++;
            }
            else
            {
                Assert.That(queue.Root, Is.EqualTo(reference.Min), $"op {op}");
                now = reference.Min.Time;
                reference.Remove(reference.Min);
                ulong delay = bits == 0 ? 0 : random.NextUInt64() >> (64 - bits);
                var entry = new EventEntry(ulong.MaxValue - now < delay ? ulong.MaxValue : now + delay, (int)random.Next(3) - 1, seq++, op);
                queue.ReplaceRoot(entry);
                reference.Add(entry);
                pops++;
            }
            Assert.That(queue.Count, Is.EqualTo(reference.Count));
        }
        while (queue.Count > 0)
        {
            Assert.That(queue.Root, Is.EqualTo(reference.Min));
            reference.Remove(reference.Min);
            queue.RemoveRoot();
        }
        Assert.That(reference, Is.Empty);
        Assert.That(pops, Is.GreaterThan(60_000));
        Assert.That(farFuture, Is.GreaterThan(1_000));
        Assert.That(queue.Rebuilds, Is.GreaterThanOrEqualTo(3), "the phases must exercise geometry changes");
    }

    [Test]
    public void SameTimeBurstRunsByPriorityThenInsertionOrder()
    {
        var queue = new CalendarEventQueue();
        ulong seq = 1;
        // Wheel entries on either side of the burst, and a far-future one in the overflow.
        queue.Push(new EventEntry(0, 0, seq++, 0));
        queue.Push(new EventEntry(999, 0, seq++, 1));
        queue.Push(new EventEntry(1001, 0, seq++, 2));
        queue.Push(new EventEntry(ulong.MaxValue, 0, seq++, 3));
        var burst = new List<EventEntry>();
        for (int i = 0; i < 10_000; i++)
        {
            var e = new EventEntry(1000, i % 3 - 1, seq++, 10 + i);
            burst.Add(e);
            queue.Push(e);
        }
        var popped = new List<EventEntry>();
        while (queue.Count > 0) { popped.Add(queue.Root); queue.RemoveRoot(); }
        var expected = new List<EventEntry>
        {
            new(0, 0, 1, 0), new(999, 0, 2, 1),
        };
        expected.AddRange(burst.Where(e => e.Priority == -1));
        expected.AddRange(burst.Where(e => e.Priority == 0));
        expected.AddRange(burst.Where(e => e.Priority == 1));
        expected.Add(new EventEntry(1001, 0, 3, 2));
        expected.Add(new EventEntry(ulong.MaxValue, 0, 4, 3));
        Assert.That(popped, Is.EqualTo(expected));
    }

    [Test]
    public void FarFutureEntriesComeBackThroughTheOverflowInOrder()
    {
        var queue = new CalendarEventQueue();
        ulong seq = 1;
        ulong[] times = [5, ulong.MaxValue, 1UL << 63, 70_000, 1UL << 40, (1UL << 40) + 1, 1UL << 40, ulong.MaxValue - 1, 6, 65_535 * 16];
        foreach (ulong t in times) queue.Push(new EventEntry(t, 0, seq++, 0));
        var popped = new List<ulong>();
        while (queue.Count > 0) { popped.Add(queue.Root.Time); queue.RemoveRoot(); }
        Assert.That(popped, Is.EqualTo(times.Order().ToList()));
    }

    /// <summary>
    /// The geometry follows the spacing of the events: 8 ps buckets for ~34 ps spacing (1 000 timers, delays
    /// 1-66.5 ns), 8 ns buckets when the same timers are 1 000 times slower, 1 ps buckets and the largest wheel for
    /// 100 000 timers.
    /// </summary>
    [Test]
    public void GeometryAdaptsToTheEventSpacing()
    {
        var queue = new CalendarEventQueue();
        ulong seq = 1, x = 0x9E3779B97F4A7C15UL;
        ulong Delay(ulong scale)
        {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            return (1_000 + (x & 0xFFFF)) * scale;
        }
        void Hold(int ops, ulong scale)
        {
            ulong previous = queue.Root.Time;
            for (int i = 0; i < ops; i++)
            {
                var root = queue.Root;
                Assert.That(root.Time, Is.GreaterThanOrEqualTo(previous));
                previous = root.Time;
                queue.ReplaceRoot(new EventEntry(root.Time + Delay(scale), 0, seq++, root.Slot));
            }
        }
        for (int i = 0; i < 1000; i++) queue.Push(new EventEntry(Delay(1), 0, seq++, i));
        Hold(20_000, 1);
        // Spacing 33.8 ps: width 8 ps; window 2 x 1 000 x 33 ps / 8 ps = 8 250 buckets -> 2^14: the initial geometry.
        Assert.That((queue.Shift, queue.WheelBits, queue.Rebuilds), Is.EqualTo((3, 14, 0)));
        Hold(40_000, 1_000);
        // Spacing 33.8 ns: width 8 ns (2^13 ps); window 2 x 1 000 x 33.8 ns / 8.2 ns = 8 244 buckets -> 2^14.
        Assert.That((queue.Shift, queue.WheelBits), Is.EqualTo((13, 14)));
        Assert.That(queue.Rebuilds, Is.GreaterThanOrEqualTo(1));
        for (int i = 0; i < 99_000; i++) queue.Push(new EventEntry(queue.Root.Time + Delay(1), 0, seq++, 1000 + i));
        Hold(400_000, 1);
        // Spacing 0.3 ps: 1 ps buckets; window 2 x 100 000 buckets, clamped to the largest wheel.
        Assert.That((queue.Shift, queue.WheelBits), Is.EqualTo((0, CalendarEventQueue.MaxWheelBits)));
        Assert.That(queue.Count, Is.EqualTo(100_000));
        Assert.That(queue.PoolSize, Is.LessThanOrEqualTo(queue.Count), "the node pool is bounded by the entries held");
    }

    /// <summary>Cancelled-entry compaction (Entries + Rebuild) keeps the order, with entries in all three tiers.</summary>
    [Test]
    public void RebuildAfterFilteringKeepsAllTiersInOrder()
    {
        var queue = new CalendarEventQueue();
        var random = new DeterministicRandom(22, "calendar-rebuild");
        ulong seq = 1;
        for (int i = 0; i < 20_000; i++)
        {
            ulong time = random.Next(4) switch { 0 => random.Next(100), 1 => random.Next(100_000), 2 => random.Next(1UL << 40), _ => ulong.MaxValue };
            queue.Push(new EventEntry(time, 0, seq++, i));
        }
        for (int i = 0; i < 500; i++) queue.RemoveRoot();
        var entries = queue.Entries;
        int kept = 0;
        for (int i = 0; i < entries.Length; i++)
            if (entries[i].Slot % 5 != 0) entries[kept++] = entries[i];
        var expected = entries[..kept].ToArray().Order(Order).ToList();
        queue.Rebuild(kept);
        var popped = new List<EventEntry>();
        while (queue.Count > 0) { popped.Add(queue.Root); queue.RemoveRoot(); }
        Assert.That(popped, Is.EqualTo(expected));
    }

    [Test]
    public void SteadyStateDoesNotAllocateEvenWithOverflowTraffic()
    {
        var queue = new CalendarEventQueue();
        ulong seq = 1, x = 0x9E3779B97F4A7C15UL;
        for (int i = 0; i < 1000; i++) queue.Push(new EventEntry((ulong)i * 37, 0, seq++, i));
        void Hold(int ops)
        {
            for (int i = 0; i < ops; i++)
            {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                var root = queue.Root;
                // One entry in 64 goes far beyond the window, through the overflow.
                ulong delay = (x & 63) == 0 ? 10_000_000 + (x >> 40) : 1_000 + (x & 0xFFFF);
                queue.ReplaceRoot(new EventEntry(root.Time + delay, 0, seq++, root.Slot));
            }
        }
        Hold(1_000_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Hold(200_000);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        Assert.That(queue.Count, Is.EqualTo(1000));
    }
}
