using HwEmu.Devices.Smmu;
using HwEmu.Emulator.Memory;
using NUnit.Framework;

namespace HwEmu.Tests.Smmu;

public class SmmuTimingTests
{
    // Memory: 50 ns latency, 8 B/ns. An 8-byte descriptor takes 50 000 + 1 000 ps = 51 cycles at 1 GHz, so one
    // descriptor fetch costs FetchIssue 1 + 51 + FetchProcess 1 = 53 cycles. A 64-byte STE or CD: 1 + 58 + 1 = 60.
    private static SmmuConfig Config(int walkSlots = 16) => new()
    {
        Timing = new SmmuTiming
        {
            Memory = new MemoryTiming(LatencyPs: 50_000, BytesPerNanosecond: 8, MaxOutstanding: 4),
            WalkSlots = walkSlots,
        },
    };

    private static (SmmuTestBed Bed, PageTableBuilder Pt) Setup(int walkSlots = 16)
    {
        var (bed, pt) = SmmuTranslationTests.S1Stream(config: Config(walkSlots));
        pt.Map(0x1000, 0xa000, 12);
        pt.Map(0x2000, 0xb000, 12);
        pt.Map(0x80_0000_0000, 0xc000, 12);
        return (bed, pt);
    }

    [Test]
    public void ExactCyclesForEachKindOfTranslation()
    {
        var (bed, _) = Setup();
        // Cold: config lookup 3 + STE 60 + CD 60 + TLB 3 + walk start 1 + walk-cache probes L2,L1,L0 3x4 + 4x53 = 351.
        var cold = bed.Translate(1, 0x1000);
        Assert.That((cold.LatencyCycles, cold.Source), Is.EqualTo((351UL, TranslationSource.FullWalk)));
        // TLB hit: config-cache lookup 3 + TLB lookup 3 = 6.
        var hit = bed.Translate(1, 0x1004);
        Assert.That((hit.LatencyCycles, hit.Source), Is.EqualTo((6UL, TranslationSource.Tlb)));
        // Walk-cache hit at L2 (next page, same level-3 table): 3 + 3 + 1 + one probe 4 + one fetch 53 = 64.
        var wc = bed.Translate(1, 0x2000);
        Assert.That((wc.LatencyCycles, wc.Source, wc.WalkCacheLevel), Is.EqualTo((64UL, TranslationSource.WalkCache, 2)));
        // Full 4-level miss with the configuration cached: 3 + 3 + 1 + 12 + 4x53 = 231.
        bed.Submit(CmdqCommand.TlbiNsnhAll());
        var miss = bed.Translate(1, 0x1000);
        Assert.That((miss.LatencyCycles, miss.Source, miss.DescriptorFetches), Is.EqualTo((231UL, TranslationSource.FullWalk, 4)));
    }

    [Test]
    public void TimedModeMatchesWhenUncontendedAndBooksMemory()
    {
        var (bed, _) = Setup();
        bed.Translate(1, 0x1000); // warm config
        bed.Submit(CmdqCommand.TlbiNsnhAll());
        bed.Smmu.Translate(SmmuTransaction.Read(1, 0x1000), 10_000_000, out var r);
        Assert.That((r.LatencyCycles, r.QueueCycles, r.CompletionTimePs), Is.EqualTo((231UL, 0UL, 10_000_000UL + 231_000)));
        Assert.That(bed.Smmu.MemoryTiming.Accesses, Is.EqualTo(4));
    }

    [Test]
    public void WalksQueueForAWalkSlot()
    {
        var (bed, _) = Setup(walkSlots: 1);
        bed.Translate(1, 0x1000);
        bed.Submit(CmdqCommand.TlbiNsnhAll());
        bed.Smmu.Translate(SmmuTransaction.Read(1, 0x1000), 0, out var a);
        bed.Smmu.Translate(SmmuTransaction.Read(1, 0x80_0000_0000), 0, out var b);
        Assert.That(a.LatencyCycles, Is.EqualTo(231UL));
        // b reaches the walker at cycle 6 but the only walk slot is busy until 231: queued 225, then 13 + 212.
        Assert.That((b.QueueCycles, b.LatencyCycles), Is.EqualTo((225UL, 456UL)));
    }

    [Test]
    public void TranslationsQueueForATranslationSlot()
    {
        var config = Config() with { Timing = Config().Timing with { TranslationSlots = 1 } };
        var (bed, pt) = SmmuTranslationTests.S1Stream(config: config);
        pt.Map(0x1000, 0xa000, 12);
        bed.Translate(1, 0x1000); // functional warm-up: config and TLB filled, no time booked
        bed.Smmu.Translate(SmmuTransaction.Read(1, 0x1000), 5_000, out var a);
        bed.Smmu.Translate(SmmuTransaction.Read(1, 0x1008), 5_000, out var b);
        Assert.That((a.LatencyCycles, a.QueueCycles, a.CompletionTimePs), Is.EqualTo((6UL, 0UL, 11_000UL)));
        Assert.That((b.LatencyCycles, b.QueueCycles, b.CompletionTimePs), Is.EqualTo((12UL, 6UL, 17_000UL)));
    }

    [Test]
    public void BypassAndDisabledCostOneCycle()
    {
        var bed = new SmmuTestBed(Config(), enable: false);
        Assert.That(bed.Translate(1, 0x10).LatencyCycles, Is.EqualTo(1UL));
    }

    [Test]
    public void CommandProcessingTime()
    {
        var (bed, _) = Setup();
        bed.Submit(CmdqCommand.TlbiNsnhAll(), CmdqCommand.Sync());
        // Per command: 16-byte fetch 1 + 52 + 1 = 54, execution 1.
        Assert.That(bed.Smmu.CommandQueue.LastRunCycles, Is.EqualTo(2UL * 55));
    }

    private sealed class Recorder : ISmmuObserver
    {
        public int Translations, Commands, Events;
        public void OnTranslation(in SmmuTransaction transaction, in TranslationResult result) => Translations++;
        public void OnCommand(in CmdqCommand command, CmdqError error, int cycles) => Commands++;
        public void OnEvent(in SmmuEventRecord record, bool written) => Events++;
    }

    [Test]
    public void ObserverSeesTranslationsCommandsAndEvents()
    {
        var (bed, _) = Setup();
        var rec = new Recorder();
        bed.Smmu.Observer = rec;
        bed.Translate(1, 0x1000);
        bed.Translate(1, 0x9000_0000);
        bed.Submit(CmdqCommand.Sync());
        Assert.That((rec.Translations, rec.Commands, rec.Events), Is.EqualTo((2, 1, 1)));
    }
}

public class SmmuQuickBenchmarkTests
{
    [Test]
    public void QuickBenchmarksRunAndAllocateNothingPerTranslation()
    {
        var f = new SmmuBenchmarkFixture(cold: true);
        Assert.That(f.Translate(3), Is.EqualTo(0x1_0000_3040UL));
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) f.Translate(i);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0), "full walks allocate nothing");
        var w = new SmmuBenchmarkFixture(cold: false);
        before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) w.Translate(i);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0), "TLB hits allocate nothing");
        var (name, ops, secs) = SmmuQuickBenchmarks.TlbHit(100_000);
        Assert.That((name, ops), Is.EqualTo(("smmu.translate.tlbhit", 100_000L)));
        Assert.That(secs, Is.GreaterThan(0));
        Assert.That(SmmuQuickBenchmarks.FullWalk(10_000).Name, Is.EqualTo("smmu.translate.fullwalk"));
    }
}
