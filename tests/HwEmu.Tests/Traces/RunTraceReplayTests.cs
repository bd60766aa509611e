using HwEmu.Devices.Platform;
using HwEmu.Devices.Platform.Machine;
using HwEmu.Devices.Platform.Reporting;
using HwEmu.Traces.Format;
using HwEmu.Traces.Recording;
using HwEmu.Traces.Replay;
using NUnit.Framework;

namespace HwEmu.Tests.Traces;

/// <summary>A trace recorded by <c>hwemu run</c> replays on the recorded platform with every result matched.</summary>
public class RunTraceReplayTests
{
    private static (byte[] Trace, RunResults Run) Record(Scenario s, HostSetupOptions? options = null)
    {
        var ms = new MemoryStream();
        RunResults results;
        using (var recorder = RunTraceRecorder.Create(ms, s, "test", leaveOpen: true))
        {
            var machine = MachineBuilder.Build(s, options, recorder);
            results = machine.Run();
            recorder.Complete();
        }
        return (ms.ToArray(), results);
    }

    private static ReplayResult Replay(byte[] trace, PlatformSpec? overrides = null)
    {
        using var reader = new TraceReader(new MemoryStream(trace));
        var script = ReplayScript.Load(reader);
        var machine = ReplayMachine.Build(script.Header, overrides);
        return ReplayEngine.Run(script, machine, machine.Name);
    }

    [Test]
    public void EveryTranslationAndMsiOfARunMatchesAndTheSmmuFiguresAreTheRunsOwn()
    {
        Scenario s = BuiltInScenarios.PassthroughIts with { Run = new RunSpec { DurationPs = 20_000_000, SampleIntervalPs = 10_000_000 } };
        var (trace, run) = Record(s);
        var r = Replay(trace);
        Assert.That(r.Translations.Replayed, Is.EqualTo(run.Translation.Translations).And.GreaterThan(100));
        Assert.That((r.Translations.Mismatched, r.Translations.Unverified, r.Msis.Mismatched), Is.EqualTo((0L, 0L, 0L)), string.Join("\n", r.Mismatches));
        Assert.That(r.Translations.Matched, Is.EqualTo(r.Translations.Replayed));
        Assert.That(r.Msis.Matched, Is.EqualTo(r.Msis.Replayed).And.GreaterThan(0));
        RunResults p = r.Results;
        Assert.That((p.Translation.TlbHits, p.Translation.TlbMisses, p.Translation.Walks, p.Translation.WalkReads, p.Translation.ConfigCacheHits, p.Translation.ConfigCacheMisses),
            Is.EqualTo((run.Translation.TlbHits, run.Translation.TlbMisses, run.Translation.Walks, run.Translation.WalkReads, run.Translation.ConfigCacheHits, run.Translation.ConfigCacheMisses)));
        Assert.That(p.Faults, Is.EqualTo(run.Faults));
        // Latencies too: each MSI's issue time is found, and the set-up's commands were consumed as queued (warm ITS caches).
        static IEnumerable<(uint, int, long, ulong, ulong, ulong)> Irqs(RunResults x) => x.Interrupts.Select(i =>
            (i.Intid, i.Cpu, i.Count, i.DeliveryLatency.Percentile(50), i.DeliveryLatency.Percentile(99), i.DeliveryLatency.Max));
        Assert.That(Irqs(p), Is.EqualTo(Irqs(run)));
        Assert.That(p.MsiBypasses, Is.EqualTo(run.MsiBypasses));
        Assert.That(p.SimulatedPs, Is.EqualTo(run.SimulatedPs));
        Assert.That(p.TranslationLatency.Count, Is.EqualTo(run.TranslationLatency.Count));
    }

    [Test]
    public void AGicv2mRunReplaysWithTheSameSpis()
    {
        // VFIO with a GICv2m needs allow_unsafe_interrupts; the SPIs are paired by INTID (no DeviceID in the write).
        Scenario s = BuiltInScenarios.PassthroughIts with
        {
            Platform = BuiltInScenarios.PassthroughIts.Platform with
            {
                Msi = new MsiControllerSpec { Kind = MsiControllerKind.Gicv2m, Base = 0x0802_0000, SpiBase = 80, SpiCount = 64, CpuCount = 4 },
            },
            Run = new RunSpec { DurationPs = 20_000_000, SampleIntervalPs = 10_000_000 },
        };
        var (trace, run) = Record(s, new HostSetupOptions { AllowUnsafeInterrupts = true });
        var r = Replay(trace);
        Assert.That(r.Msis.Replayed, Is.GreaterThan(10));
        Assert.That((r.Msis.Matched, r.Translations.Matched, r.MismatchCount), Is.EqualTo((r.Msis.Replayed, r.Translations.Replayed, 0L)));
        Assert.That(r.Results.Interrupts.Select(i => (i.Intid, i.Cpu, i.Count)), Is.EqualTo(run.Interrupts.Select(i => (i.Intid, i.Cpu, i.Count))));
        Assert.That(r.Results.Interrupts.First().Intid, Is.InRange(80u, 143u), "SPIs of the frame");
    }

    [Test]
    public void TheRunsScenarioRebuildsTheHardwareAndOverridesChangeOnlyTheSmmu()
    {
        Scenario s = BuiltInScenarios.PassthroughIts with { Run = new RunSpec { DurationPs = 5_000_000, SampleIntervalPs = 5_000_000 } };
        var (trace, _) = Record(s);
        var r = Replay(trace, new PlatformSpec { Smmu = new SmmuSpec { TlbEntries = 16, TlbWays = 4 } });
        Assert.That(r.Platform, Is.EqualTo("scenario " + s.Name + " with platform overrides"));
        Assert.That(r.MismatchCount, Is.EqualTo(0));
        Assert.That(Replay(trace).Platform, Is.EqualTo("scenario " + s.Name));
    }
}
