using HwEmu.Devices.Pcie;
using HwEmu.Emulator.Bus;
using HwEmu.Emulator.Kernel;
using NUnit.Framework;

namespace HwEmu.Tests.Workloads;

public class DmaStreamGeneratorTests
{
    [Test]
    public void SequentialWrapsAtWorkingSetEnd()
    {
        var g = new DmaStreamGenerator(new DmaStreamConfig(0x1_0000_0000, 0x4000, 0x1000, Pattern: DmaPattern.Sequential, QueueDepth: 8), new DeterministicRandom(1, "w"));
        var addrs = new List<ulong>();
        for (int i = 0; i < 6; i++)
        {
            Assert.That(g.TryNext(100, out DmaRequest r), Is.True);
            Assert.That((r.Id, r.Size, r.Write, r.IssuePs), Is.EqualTo(((ulong)i, 0x1000, false, 100UL)));
            addrs.Add(r.Address);
        }
        Assert.That(addrs, Is.EqualTo(new ulong[] { 0x1_0000_0000, 0x1_0000_1000, 0x1_0000_2000, 0x1_0000_3000, 0x1_0000_0000, 0x1_0000_1000 }));
    }

    [Test]
    public void ClosedLoopStopsAtQueueDepth()
    {
        var g = new DmaStreamGenerator(new DmaStreamConfig(0, 1 << 20, 4096, QueueDepth: 2), new DeterministicRandom(1, "w"));
        Assert.That(g.TryNext(0, out _), Is.True);
        Assert.That(g.TryNext(0, out _), Is.True);
        Assert.That(g.TryNext(0, out _), Is.False);
        g.Complete();
        Assert.That(g.TryNext(5, out DmaRequest r), Is.True);
        Assert.That(r.IssuePs, Is.EqualTo(5));
        Assert.That(g.Outstanding, Is.EqualTo(2));
    }

    [Test]
    public void OpenLoopIssueTimesHaveNoDrift()
    {
        // 3 million per second: 333333.33.. ps apart; the k-th is at floor(k * 1e12 / 3e6).
        var g = new DmaStreamGenerator(new DmaStreamConfig(0, 1 << 20, 4096, RatePerSecond: 3e6), new DeterministicRandom(1, "w"), startPs: 1000);
        var times = new List<ulong>();
        for (int i = 0; i < 4; i++) { g.TryNext(0, out DmaRequest r); times.Add(r.IssuePs); }
        Assert.That(times, Is.EqualTo(new ulong[] { 1000, 334_333, 667_666, 1_001_000 }));
    }

    [Test]
    public void RandomIsAlignedInRangeDeterministicAndMixesDirections()
    {
        var cfg = new DmaStreamConfig(0x8000_0000, 1 << 24, 4096, ReadFraction: 0.7, QueueDepth: 1_000_000);
        var a = new DmaStreamGenerator(cfg, new DeterministicRandom(42, "nvme0/randread"));
        var b = new DmaStreamGenerator(cfg, new DeterministicRandom(42, "nvme0/randread"));
        int writes = 0;
        for (int i = 0; i < 20_000; i++)
        {
            a.TryNext(0, out DmaRequest x);
            b.TryNext(0, out DmaRequest y);
            Assert.That(x, Is.EqualTo(y));
            Assert.That(x.Address % 4096, Is.EqualTo(0));
            Assert.That(x.Address, Is.InRange(0x8000_0000UL, 0x8000_0000UL + (1 << 24) - 4096));
            if (x.Write) writes++;
        }
        Assert.That(writes, Is.InRange(5700, 6300)); // 30 % of 20000, within ~6 sigma
    }

    [Test]
    public void ZipfFavoursLowSlots()
    {
        var g = new DmaStreamGenerator(new DmaStreamConfig(0, 1000 * 4096, 4096, Pattern: DmaPattern.Zipf, QueueDepth: 1_000_000, ZipfTheta: 0.99), new DeterministicRandom(7, "z"));
        var counts = new int[1000];
        for (int i = 0; i < 50_000; i++) { g.TryNext(0, out DmaRequest r); counts[r.Address / 4096]++; }
        // Zipf(0.99) over 1000 items: rank 1 has probability 1/H(1000,0.99) ~ 0.13.
        Assert.That(counts[0], Is.InRange(5500, 7500));
        Assert.That(counts[0], Is.GreaterThan(counts[1]));
        Assert.That(counts[1], Is.GreaterThan(counts[100]));
    }

    [Test]
    public void ZetaMatchesDirectSumAndTailApproximation()
    {
        double direct = 0;
        for (int i = 1; i <= 1000; i++) direct += 1.0 / Math.Pow(i, 0.5);
        Assert.That(DmaStreamGenerator.Zeta(1000, 0.5), Is.EqualTo(direct).Within(1e-9));
        // Beyond the exact range the tail integral is accurate to far better than 1e-6 relative.
        double z = DmaStreamGenerator.Zeta(1UL << 22, 0.5);
        double expected = 2 * Math.Sqrt(1 << 22) - 1.4603545088095868 + 0.5 / Math.Sqrt(1 << 22); // 2 sqrt(n) + zeta(1/2) + 1/(2 sqrt n)
        Assert.That(z, Is.EqualTo(expected).Within(1e-6 * expected));
    }

    [Test]
    public void BadConfigsThrow()
    {
        var r = new DeterministicRandom(1, "x");
        Assert.Throws<ArgumentException>(() => new DmaStreamGenerator(new DmaStreamConfig(0, 100, 4096), r));
        Assert.Throws<ArgumentException>(() => new DmaStreamGenerator(new DmaStreamConfig(0, 8192, 4096, ReadFraction: 2), r));
        Assert.Throws<ArgumentException>(() => new DmaStreamGenerator(new DmaStreamConfig(0, 8192, 4096, QueueDepth: 0), r));
        Assert.Throws<ArgumentException>(() => new DmaStreamGenerator(new DmaStreamConfig(0, 8192, 4096, ZipfTheta: 1), r));
        Assert.Throws<ArgumentException>(() => new DmaStreamGenerator(new DmaStreamConfig(ulong.MaxValue, 8192, 4096), r));
    }

    [Test]
    public void TryNextDoesNotAllocate()
    {
        var g = new DmaStreamGenerator(new DmaStreamConfig(0, 1 << 30, 4096, ReadFraction: 0.5, Pattern: DmaPattern.Zipf, QueueDepth: int.MaxValue), new DeterministicRandom(1, "w"));
        g.TryNext(0, out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) g.TryNext(0, out _);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0));
    }
}

public class MsixTableTests
{
    private sealed class Sink : IMsiWriter
    {
        public List<(int Vector, ulong Address, uint Data)> Sent { get; } = [];
        public void SendMsi(int vector, ulong address, uint data) => Sent.Add((vector, address, data));
    }

    private static (MsixTable T, Sink S) Make(int vectors = 70)
    {
        var s = new Sink();
        var t = new MsixTable("nvme0-msix", vectors, 0x2000, 0x3000, s) { Enabled = true };
        return (t, s);
    }

    private static void Program(MsixTable t, int v, ulong addr, uint data, bool mask)
    {
        ulong b = 0x2000 + (ulong)v * 16;
        Assert.That(t.Write(b, 4, (uint)addr, default), Is.EqualTo(BusStatus.Ok));
        Assert.That(t.Write(b + 4, 4, addr >> 32, default), Is.EqualTo(BusStatus.Ok));
        Assert.That(t.Write(b + 8, 4, data, default), Is.EqualTo(BusStatus.Ok));
        Assert.That(t.Write(b + 12, 4, mask ? 1u : 0u, default), Is.EqualTo(BusStatus.Ok));
    }

    [Test]
    public void ResetStateIsMaskedAndZero()
    {
        var (t, _) = Make();
        Assert.That(t.Read(0x2000 + 16 * 5 + 12, 4, out ulong ctl, default), Is.EqualTo(BusStatus.Ok));
        Assert.That(ctl, Is.EqualTo(1));
        Assert.That(t.Read(0x2000 + 16 * 5, 8, out ulong addr, default), Is.EqualTo(BusStatus.Ok));
        Assert.That(addr, Is.EqualTo(0));
    }

    [Test]
    public void UnmaskedVectorSendsItsMessage()
    {
        var (t, s) = Make();
        Program(t, 3, 0x0809_0040, 0x21, false);
        Assert.That(t.Trigger(3), Is.True);
        Assert.That(s.Sent, Is.EqualTo(new[] { (3, 0x0809_0040UL, 0x21u) }));
        Assert.That(t.IsPending(3), Is.False);
    }

    [Test]
    public void MaskedVectorSetsPendingAndUnmaskDelivers()
    {
        var (t, s) = Make();
        Program(t, 65, 0x1_0809_0040, 7, true);
        Assert.That(t.Trigger(65), Is.False);
        Assert.That(t.IsPending(65), Is.True);
        // PBA QWORD 1 bit 1; DWORD read at +8 returns bits 64..95.
        Assert.That(t.Read(0x3008, 8, out ulong q, default), Is.EqualTo(BusStatus.Ok));
        Assert.That(q, Is.EqualTo(2));
        Assert.That(t.Read(0x3008, 4, out ulong d, default), Is.EqualTo(BusStatus.Ok));
        Assert.That(d, Is.EqualTo(2));
        Assert.That(s.Sent, Is.Empty);
        Assert.That(t.Write(0x2000 + 65 * 16 + 12, 4, 0, default), Is.EqualTo(BusStatus.Ok));
        Assert.That(s.Sent, Is.EqualTo(new[] { (65, 0x1_0809_0040UL, 7u) }));
        Assert.That(t.IsPending(65), Is.False);
        Assert.That(t.MaskedTriggers, Is.EqualTo(1));
    }

    [Test]
    public void FunctionMaskHoldsAllVectors()
    {
        var (t, s) = Make();
        Program(t, 0, 0x1000, 1, false);
        Program(t, 1, 0x1000, 2, false);
        t.FunctionMask = true;
        t.Trigger(1);
        t.Trigger(0);
        Assert.That(s.Sent, Is.Empty);
        t.FunctionMask = false;
        Assert.That(s.Sent.Select(m => m.Data), Is.EqualTo(new uint[] { 1, 2 }), "delivered in vector order");
    }

    [Test]
    public void PbaIsReadOnlyAndBadAccessesAreErrors()
    {
        var (t, _) = Make();
        Program(t, 0, 0x1000, 1, true);
        t.Trigger(0);
        Assert.That(t.Write(0x3000, 8, 0, default), Is.EqualTo(BusStatus.Ok));
        Assert.That(t.IsPending(0), Is.True);
        Assert.That(t.Read(0x2002, 4, out _, default), Is.EqualTo(BusStatus.SlaveError));
        Assert.That(t.Read(0x2000, 2, out _, default), Is.EqualTo(BusStatus.SlaveError));
        Assert.That(t.Read(0x1000, 4, out _, default), Is.EqualTo(BusStatus.DecodeError));
        Assert.That(t.Read(0x2000 + 70 * 16, 4, out _, default), Is.EqualTo(BusStatus.DecodeError));
        // Reserved Vector Control bits read as zero.
        Assert.That(t.Write(0x200c, 4, 0xffff_fffe, default), Is.EqualTo(BusStatus.Ok));
        t.Read(0x200c, 4, out ulong ctl, default);
        Assert.That(ctl, Is.EqualTo(0));
    }

    [Test]
    public void DisabledOrOutOfRangeSendsNothing()
    {
        var (t, s) = Make();
        Program(t, 0, 0x1000, 1, false);
        t.Enabled = false;
        Assert.That(t.Trigger(0), Is.False);
        t.Enabled = true;
        Assert.That(t.Trigger(70), Is.False);
        Assert.That(t.Trigger(-1), Is.False);
        Assert.That(s.Sent, Is.Empty);
    }
}
