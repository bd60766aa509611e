using NUnit.Framework;
using HwEmu.Campaigns;
using HwEmu.Emulator.Kernel;

namespace HwEmu.Tests.Campaigns;

/// <summary>Workers reuse one memory and one simulator per thread: every run must equal a run on fresh ones.</summary>
public class MachineReuseTests
{
    private sealed class Recorder(Simulator sim, List<(ulong, ulong)> log) : IEventHandler
    {
        public void OnEvent(ulong payload)
        {
            log.Add((sim.Now, payload));
            if (payload < 40) sim.Schedule(payload % 7 * 1000, this, payload + 3, priority: (int)(payload % 3));
        }
    }

    private static List<(ulong, ulong)> Schedule(Simulator sim)
    {
        var log = new List<(ulong, ulong)>();
        var r = new Recorder(sim, log);
        for (ulong i = 0; i < 5; i++) sim.ScheduleAt(i * 500, r, i);
        var cancelled = sim.ScheduleAt(700, r, 99);
        sim.Cancel(cancelled);
        sim.RunUntilIdle();
        return log;
    }

    [Test]
    public void SimulatorReset_RunsTheSameScheduleAsANewSimulator()
    {
        var fresh = Schedule(new Simulator());
        var reused = new Simulator();
        Schedule(reused);
        reused.ScheduleAt(reused.Now + 5, new Recorder(reused, []), 100); // left pending: Reset must drop it
        reused.Reset();
        Assert.That((reused.Now, reused.PendingEvents, reused.Statistics.EventsExecuted), Is.EqualTo((0UL, 0, 0L)));
        Assert.That(Schedule(reused), Is.EqualTo(fresh));
        Assert.That(fresh, Has.Count.GreaterThan(20));
    }

    [Test]
    public void EveryRunOnTheReusedMachine_EqualsTheRunOnAFreshOne()
    {
        var c = CampaignLoader.Load(Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "campaigns", "all-models.json"));
        int differing = 0, compared = 0;
        // Every 7th run: all 16 models, with the thread's memory and simulator used by the run before.
        for (int run = 0; run < c.TotalRuns; run += 7)
        {
            var plan = FaultPlan.Derive(c, run);
            var spec = c.Faults[plan.Fault].Machine;
            var reused = CampaignRunner.Execute(spec, plan);
            var fresh = new RunObservation();
            new PassthroughMachine(spec, plan, fresh).Run();
            compared++;
            if (!reused.Dma.SequenceEqual(fresh.Dma) || !reused.Interrupts.SequenceEqual(fresh.Interrupts)
                || !reused.Detections.SequenceEqual(fresh.Detections) || reused.Hang != fresh.Hang
                || reused.InjectedPs != fresh.InjectedPs || reused.StepsCompleted != fresh.StepsCompleted || reused.Exception != null)
                differing++;
        }
        Assert.That(compared, Is.GreaterThan(200));
        Assert.That(differing, Is.Zero);
    }
}
