using HwEmu.Emulator.Kernel;
using NUnit.Framework;

namespace HwEmu.Tests.Kernel;

public class SimulatorTests
{
    [Test]
    public void EventsRunInTimeOrderAndAdvanceNow()
    {
        var sim = new Simulator();
        var h = new RecordingHandler(sim);
        sim.Schedule(300, h, 3);
        sim.Schedule(100, h, 1);
        sim.ScheduleAt(200, h, 2);
        var result = sim.RunUntilIdle();
        Assert.That(h.Log, Is.EqualTo(new[] { (100UL, 1UL), (200UL, 2UL), (300UL, 3UL) }));
        Assert.That(result, Is.EqualTo(new RunResult(StopReason.Idle, 300, 3)));
        Assert.That(sim.Now, Is.EqualTo(300));
        Assert.That(sim.PendingEvents, Is.Zero);
    }

    [Test]
    public void EqualTimeEventsRunByPriorityThenInsertionOrder()
    {
        var sim = new Simulator();
        var h = new RecordingHandler(sim);
        sim.ScheduleAt(50, h, 1, priority: 5);
        sim.ScheduleAt(50, h, 2, priority: -3);
        sim.ScheduleAt(50, h, 3, priority: 5);
        sim.ScheduleAt(50, h, 4, priority: 0);
        sim.ScheduleAt(50, h, 5, priority: -3);
        sim.ScheduleAt(50, h, 6, priority: int.MinValue);
        sim.ScheduleAt(50, h, 7, priority: int.MaxValue);
        sim.ScheduleAt(49, h, 8, priority: int.MaxValue);
        sim.RunUntilIdle();
        Assert.That(h.Payloads, Is.EqualTo(new ulong[] { 8, 6, 2, 5, 4, 1, 3, 7 }));
    }

    [Test]
    public void ManyEqualTimeEventsKeepInsertionOrder()
    {
        var sim = new Simulator();
        var h = new RecordingHandler(sim);
        for (ulong i = 0; i < 1000; i++) sim.ScheduleAt(7, h, i);
        sim.RunUntilIdle();
        Assert.That(h.Payloads, Is.EqualTo(Enumerable.Range(0, 1000).Select(i => (ulong)i).ToArray()));
    }

    [Test]
    public void EventScheduledAtNowFromAnEventRunsAfterItInTheSameInstant()
    {
        var sim = new Simulator();
        RecordingHandler? h = null;
        h = new RecordingHandler(sim, p =>
        {
            if (p == 1) sim.Schedule(0, h!, 10, priority: -100); // lower priority value, but scheduled later: still next
        });
        sim.ScheduleAt(5, h, 1);
        sim.ScheduleAt(5, h, 2, priority: 1);
        sim.RunUntilIdle();
        Assert.That(h.Log, Is.EqualTo(new[] { (5UL, 1UL), (5UL, 10UL), (5UL, 2UL) }));
    }

    [Test]
    public void ScheduleInThePastIsAProgrammingError()
    {
        var sim = new Simulator();
        var h = new RecordingHandler(sim);
        sim.RunUntil(1000);
        Assert.Throws<ArgumentOutOfRangeException>(() => sim.ScheduleAt(999, h));
        Assert.Throws<ArgumentOutOfRangeException>(() => sim.Schedule(ulong.MaxValue, h));
        Assert.Throws<ArgumentOutOfRangeException>(() => sim.RunUntil(999));
        Assert.Throws<ArgumentNullException>(() => sim.Schedule(1, null!));
        Assert.That(sim.ScheduleAt(1000, h).IsValid, Is.True);
        Assert.That(sim.PendingEvents, Is.EqualTo(1));
    }

    [Test]
    public void CancelBeforeDispatchRemovesTheEvent()
    {
        var sim = new Simulator();
        var h = new RecordingHandler(sim);
        var a = sim.Schedule(10, h, 1);
        var b = sim.Schedule(20, h, 2);
        var c = sim.Schedule(30, h, 3);
        Assert.That(sim.IsPending(b), Is.True);
        Assert.That(sim.Cancel(b), Is.True);
        Assert.That(sim.IsPending(b), Is.False);
        Assert.That(sim.Cancel(b), Is.False, "second cancel");
        Assert.That(sim.PendingEvents, Is.EqualTo(2));
        sim.RunUntilIdle();
        Assert.That(h.Payloads, Is.EqualTo(new ulong[] { 1, 3 }));
        Assert.That(sim.Cancel(a), Is.False, "already ran");
        Assert.That(sim.Cancel(c), Is.False, "already ran");
        Assert.That(sim.Cancel(default), Is.False, "default handle");
        Assert.That(default(EventHandle).IsValid, Is.False);
        Assert.That(sim.Statistics.EventsCancelled, Is.EqualTo(1));
        Assert.That(sim.Statistics.EventsExecuted, Is.EqualTo(2));
    }

    [Test]
    public void HandleOfARunEventDoesNotCancelTheEventReusingItsSlot()
    {
        var sim = new Simulator();
        var h = new RecordingHandler(sim);
        var first = sim.Schedule(10, h, 1);
        sim.RunUntilIdle();
        var second = sim.Schedule(10, h, 2); // reuses the freed slot
        Assert.That(sim.Cancel(first), Is.False);
        Assert.That(sim.IsPending(second), Is.True);
        Assert.That(first, Is.Not.EqualTo(second));
        sim.RunUntilIdle();
        Assert.That(h.Payloads, Is.EqualTo(new ulong[] { 1, 2 }));
    }

    [Test]
    public void CancelFromInsideAnEvent()
    {
        var sim = new Simulator();
        EventHandle victim = default, self = default;
        bool cancelledVictim = false, cancelledSelf = true;
        RecordingHandler? h = null;
        h = new RecordingHandler(sim, p =>
        {
            if (p != 1) return;
            cancelledVictim = sim.Cancel(victim);
            cancelledSelf = sim.Cancel(self);
        });
        self = sim.ScheduleAt(100, h, 1);
        victim = sim.ScheduleAt(100, h, 2); // same time, runs later: cancelling it works
        sim.ScheduleAt(100, h, 3);
        sim.RunUntilIdle();
        Assert.That(cancelledVictim, Is.True);
        Assert.That(cancelledSelf, Is.False, "the running event is no longer pending");
        Assert.That(h.Payloads, Is.EqualTo(new ulong[] { 1, 3 }));
    }

    [Test]
    public void RepeatedRearmAndCancelKeepsTheQueueBounded()
    {
        // A watchdog that is re-armed (cancel + schedule) far more often than it fires: lazy cancellation must not
        // let dead entries accumulate.
        var sim = new Simulator();
        var h = new RecordingHandler(sim);
        var watchdog = sim.Schedule(1_000_000, h, 99);
        var tick = new RecordingHandler(sim);
        for (int i = 0; i < 100_000; i++)
        {
            Assert.That(sim.Cancel(watchdog), Is.True);
            watchdog = sim.Schedule(1_000_000, h, 99);
            sim.Schedule(1, tick);
            sim.RunUntil(sim.Now + 1);
        }
        Assert.That(sim.PendingEvents, Is.EqualTo(1));
        Assert.That(sim.Statistics.EventsCancelled, Is.EqualTo(100_000));
        var queue = typeof(Simulator).GetField("_queue", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .GetValue(sim) as IEventHeap;
        Assert.That(queue!.Count, Is.LessThanOrEqualTo(2100), "dead entries are compacted");
        sim.RunUntilIdle();
        Assert.That(h.Log, Is.EqualTo(new[] { (100_000UL + 1_000_000UL - 1, 99UL) }));
    }

    [Test]
    public void RunUntilRunsEventsAtTheLimitAndStopsThere()
    {
        var sim = new Simulator();
        var h = new RecordingHandler(sim);
        sim.ScheduleAt(999, h, 1);
        sim.ScheduleAt(1000, h, 2);
        sim.ScheduleAt(1000, h, 3, priority: 7);
        sim.ScheduleAt(1001, h, 4);
        var result = sim.RunUntil(1000);
        Assert.That(h.Payloads, Is.EqualTo(new ulong[] { 1, 2, 3 }));
        Assert.That(result, Is.EqualTo(new RunResult(StopReason.TimeLimit, 1000, 3)));
        Assert.That(sim.Now, Is.EqualTo(1000));
        Assert.That(sim.PendingEvents, Is.EqualTo(1));

        // An empty stretch still advances time to the limit.
        result = sim.RunUntil(1000);
        Assert.That(result, Is.EqualTo(new RunResult(StopReason.TimeLimit, 1000, 0)));
        result = sim.RunUntil(5000);
        Assert.That(result, Is.EqualTo(new RunResult(StopReason.TimeLimit, 5000, 1)));
        Assert.That(h.Log[^1], Is.EqualTo((1001UL, 4UL)));
        Assert.That(sim.Now, Is.EqualTo(5000));
    }

    [Test]
    public void RunWhileChecksThePredicateBeforeEachEvent()
    {
        var sim = new Simulator();
        var h = new RecordingHandler(sim);
        for (ulong i = 1; i <= 10; i++) sim.ScheduleAt(i * 10, h, i);
        int checks = 0;
        var result = sim.RunWhile(() => { checks++; return h.Log.Count < 4; });
        Assert.That(result, Is.EqualTo(new RunResult(StopReason.PredicateFalse, 40, 4)));
        Assert.That(checks, Is.EqualTo(5));
        Assert.That(sim.PendingEvents, Is.EqualTo(6));

        result = sim.RunWhile(() => false);
        Assert.That(result, Is.EqualTo(new RunResult(StopReason.PredicateFalse, 40, 0)));

        result = sim.RunWhile(() => true);
        Assert.That(result, Is.EqualTo(new RunResult(StopReason.Idle, 100, 6)));
    }

    [Test]
    public void RequestStopReturnsAfterTheCurrentEvent()
    {
        var sim = new Simulator();
        var h = new RecordingHandler(sim, p => { if (p == 2) sim.RequestStop(); });
        sim.ScheduleAt(10, h, 1);
        sim.ScheduleAt(20, h, 2);
        sim.ScheduleAt(20, h, 3);
        sim.ScheduleAt(30, h, 4);
        var result = sim.RunUntil(1000);
        Assert.That(result, Is.EqualTo(new RunResult(StopReason.StopRequested, 20, 2)));
        Assert.That(sim.Now, Is.EqualTo(20), "a stopped RunUntil does not advance to its limit");
        Assert.That(sim.PendingEvents, Is.EqualTo(2));

        sim.RequestStop(); // outside a run: no effect
        result = sim.RunUntilIdle();
        Assert.That(result, Is.EqualTo(new RunResult(StopReason.Idle, 30, 2)));
        Assert.That(h.Payloads, Is.EqualTo(new ulong[] { 1, 2, 3, 4 }));
    }

    [Test]
    public void RunningFromInsideAnEventIsRejected()
    {
        var sim = new Simulator();
        Exception? caught = null;
        var h = new RecordingHandler(sim, _ =>
        {
            try { sim.RunUntilIdle(); }
            catch (InvalidOperationException e) { caught = e; }
        });
        sim.Schedule(1, h);
        sim.RunUntilIdle();
        Assert.That(caught, Is.Not.Null);
    }

    [Test]
    public void HandlerExceptionPropagatesAndLeavesTheSimulatorUsable()
    {
        var sim = new Simulator();
        var h = new RecordingHandler(sim, p => { if (p == 1) throw new InvalidOperationException("model bug"); });
        sim.ScheduleAt(10, h, 1);
        sim.ScheduleAt(20, h, 2);
        Assert.Throws<InvalidOperationException>(() => sim.RunUntilIdle());
        Assert.That(sim.Now, Is.EqualTo(10));
        Assert.That(sim.PendingEvents, Is.EqualTo(1));
        Assert.That(sim.RunUntilIdle(), Is.EqualTo(new RunResult(StopReason.Idle, 20, 1)));
        Assert.That(h.Payloads, Is.EqualTo(new ulong[] { 1, 2 }));
    }

    [Test]
    public void ScheduleOnClockEdges()
    {
        var sim = new Simulator();
        var clock = new ClockDomain("3ghz", 3_000_000_000);
        var h = new RecordingHandler(sim);
        sim.RunUntil(100); // edges at 0, 333, 666, 1000 ...
        sim.Schedule(clock, 0, h, 0);
        sim.Schedule(clock, 1, h, 1);
        sim.Schedule(clock, 2, h, 2);
        sim.RunUntilIdle();
        Assert.That(h.Log, Is.EqualTo(new[] { (333UL, 0UL), (666UL, 1UL), (1000UL, 2UL) }));
        // At an edge, "next edge" is that edge.
        sim.Schedule(clock, 0, h, 10);
        sim.Schedule(clock, 3, h, 11);
        sim.RunUntilIdle();
        Assert.That(h.Log[3..], Is.EqualTo(new[] { (1000UL, 10UL), (2000UL, 11UL) }));
    }

    [Test]
    public void StatisticsCountEventsAndTime()
    {
        var sim = new Simulator(seed: 5);
        var h = new RecordingHandler(sim);
        for (int i = 0; i < 10; i++) sim.Schedule((ulong)i * 100, h);
        sim.Cancel(sim.Schedule(5, h));
        sim.RunUntilIdle();
        var s = sim.Statistics;
        Assert.That(s.EventsExecuted, Is.EqualTo(10));
        Assert.That(s.EventsCancelled, Is.EqualTo(1));
        Assert.That(s.SimulatedTimePs, Is.EqualTo(900));
        Assert.That(s.WallTime, Is.GreaterThan(TimeSpan.Zero));
        Assert.That(sim.Seed, Is.EqualTo(5));
    }

    [Test]
    public void SchedulingAndDispatchDoNotAllocate()
    {
        var workload = new TimerWorkload(1000);
        workload.Run(2_000_000); // JIT, warm-up, and the queue grown to its steady-state geometry and pool
        long before = GC.GetAllocatedBytesForCurrentThread();
        workload.Run(100_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero);
        Assert.That(workload.Simulator.PendingEvents, Is.EqualTo(1000));
    }
}
