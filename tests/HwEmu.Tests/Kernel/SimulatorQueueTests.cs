using HwEmu.Emulator.Kernel;
using NUnit.Framework;

namespace HwEmu.Tests.Kernel;

/// <summary>
/// The simulator on top of its calendar queue with many events pending: cancellation anywhere in the queue,
/// a long randomized differential run against a reference, and zero allocation at every benchmarked size.
/// </summary>
public class SimulatorQueueTests
{
    [Test]
    public void CancelHeadMiddleAndTailAmongManyPendingEvents()
    {
        var sim = new Simulator();
        var h = new RecordingHandler(sim);
        var handles = new EventHandle[1000];
        // 1 000 timers 34 ps apart (wheel), plus two far-future events (overflow).
        for (int i = 0; i < 1000; i++) handles[i] = sim.ScheduleAt(1_000 + (ulong)i * 34, h, (ulong)i);
        var far = sim.ScheduleAt(1UL << 50, h, 5000);
        var farther = sim.ScheduleAt(ulong.MaxValue, h, 5001);
        Assert.That(sim.Cancel(handles[0]), Is.True, "head");
        Assert.That(sim.Cancel(handles[500]), Is.True, "middle");
        Assert.That(sim.Cancel(handles[999]), Is.True, "tail of the wheel");
        Assert.That(sim.Cancel(farther), Is.True, "tail of the queue");
        sim.RunUntil(1_000 + 100 * 34);
        Assert.That(h.Payloads, Is.EqualTo(Enumerable.Range(1, 100).Select(i => (ulong)i).ToArray()));
        // Now the head is event 101, already moved into the current bucket.
        Assert.That(sim.Cancel(handles[101]), Is.True, "head after a partial run");
        Assert.That(sim.Cancel(handles[100]), Is.False, "already ran");
        h.Log.Clear();
        sim.RunUntilIdle();
        var expected = Enumerable.Range(102, 897).Where(i => i != 500).Select(i => (ulong)i).Append(5000UL).ToArray();
        Assert.That(h.Payloads, Is.EqualTo(expected));
        Assert.That(h.Log[^1].Time, Is.EqualTo(1UL << 50));
        Assert.That(sim.Cancel(far), Is.False);
        Assert.That(sim.Statistics.EventsCancelled, Is.EqualTo(5));
    }

    /// <summary>
    /// 120 000 operations (schedule with phase-dependent delay scales from 0 to 2^40 ps and random priorities,
    /// cancel, run to a limit), where some events schedule a follow-up from inside their handler, against a sorted
    /// reference that replays the same rules.
    /// </summary>
    [Test]
    public void SimulatorMatchesReferenceOver120000Operations()
    {
        var sim = new Simulator();
        var reference = new SortedSet<(ulong Time, int Priority, ulong Seq)>();
        var handles = new List<(EventHandle Handle, (ulong, int, ulong) Key)>();
        var random = new DeterministicRandom(23, "sim-queue-stress");
        var log = new List<ulong>();
        ulong seq = 0; // mirrors the simulator's sequence: one per schedule call
        var handler = new FollowUpHandler(sim, log);
        int[] scaleBits = [5, 16, 0, 28, 10, 40, 3, 20];
        long executed = 0;
        for (int op = 0; op < 120_000; op++)
        {
            int bits = scaleBits[op / 15_000];
            ulong kind = random.Next(100);
            if (kind < 60)
            {
                ulong delay = bits == 0 ? 0 : random.Next(1UL << bits);
                int priority = (int)random.Next(3) - 1;
                ulong s = ++seq;
                var handle = sim.Schedule(delay, handler, s, priority);
                var key = (sim.Now + delay, priority, s);
                reference.Add(key);
                handles.Add((handle, key));
            }
            else if (kind < 80 && handles.Count > 0)
            {
                int i = (int)random.Next((ulong)handles.Count);
                var (handle, key) = handles[i];
                handles[i] = handles[^1];
                handles.RemoveAt(handles.Count - 1);
                Assert.That(sim.Cancel(handle), Is.EqualTo(reference.Remove(key)), $"op {op}");
            }
            else
            {
                ulong limit = sim.Now + (bits == 0 ? 1 : random.Next(1UL << bits) * 4);
                var expected = new List<ulong>();
                handler.NextSequence = seq;
                while (reference.Count > 0 && reference.Min.Time <= limit)
                {
                    var e = reference.Min;
                    reference.Remove(e);
                    expected.Add(e.Seq);
                    if (FollowUpHandler.HasFollowUp(e.Seq)) reference.Add(FollowUpHandler.FollowUp(e.Time, e.Seq, ++seq));
                }
                log.Clear();
                var result = sim.RunUntil(limit);
                Assert.That(log, Is.EqualTo(expected), $"op {op}");
                Assert.That(handler.NextSequence, Is.EqualTo(seq));
                Assert.That(sim.Now, Is.EqualTo(limit));
                executed += result.EventsExecuted;
            }
            Assert.That(sim.PendingEvents, Is.EqualTo(reference.Count), $"op {op}");
        }
        Assert.That(executed, Is.GreaterThan(20_000));
    }

    /// <summary>Records payloads; an event whose payload passes <see cref="HasFollowUp"/> schedules a follow-up.</summary>
    private sealed class FollowUpHandler(Simulator simulator, List<ulong> log) : IEventHandler
    {
        public ulong NextSequence { get; set; }

        public static bool HasFollowUp(ulong seq) => seq % 5 == 0;

        public static (ulong Time, int Priority, ulong Seq) FollowUp(ulong now, ulong seq, ulong newSeq) =>
            (now + seq % 97, (int)(seq % 3) - 1, newSeq);

        public void OnEvent(ulong payload)
        {
            log.Add(payload);
            if (!HasFollowUp(payload)) return;
            var (time, priority, s) = FollowUp(simulator.Now, payload, ++NextSequence);
            simulator.ScheduleAt(time, this, s, priority);
        }
    }

    [TestCase(1)]
    [TestCase(1_000)]
    [TestCase(100_000)]
    public void SchedulingAndDispatchDoNotAllocateAtAnyQueueSize(int pending)
    {
        var workload = new TimerWorkload(pending);
        // Warm-up long enough for the queue to settle on its geometry (an epoch is at least `pending` events).
        workload.Run(Math.Max(1_000_000, 4L * pending));
        long before = GC.GetAllocatedBytesForCurrentThread();
        workload.Run(200_000);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        Assert.That(workload.Simulator.PendingEvents, Is.EqualTo(pending));
    }
}
