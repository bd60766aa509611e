using HwEmu.Emulator.Memory;
using NUnit.Framework;

namespace HwEmu.Tests.Memory;

public class MemoryTimingModelTests
{
    [Test]
    public void SingleAccessCostsLatencyPlusTransfer()
    {
        // 25.6 B/ns = 39.0625 ps per byte: a 64-byte line takes exactly 2 500 ps.
        var m = new MemoryTimingModel(new MemoryTiming(LatencyPs: 80_000, BytesPerNanosecond: 25.6, MaxOutstanding: 32));
        Assert.That(m.Access(1_000, 64), Is.EqualTo(1_000 + 80_000 + 2_500UL));
        // Long after: the channel is idle again.
        Assert.That(m.Access(1_000_000, 8), Is.EqualTo(1_000_000 + 80_000 + 313UL)); // ceil(312.5)
        Assert.That(m.Accesses, Is.EqualTo(2));
        Assert.That(m.Bytes, Is.EqualTo(72));
        Assert.That(m.QueueingPs, Is.Zero);
    }

    [Test]
    public void BackToBackAccessesAreBandwidthLimited()
    {
        var m = new MemoryTimingModel(new MemoryTiming(LatencyPs: 80_000, BytesPerNanosecond: 25.6, MaxOutstanding: 32));
        // Issued together: latencies overlap, data transfers serialize on the channel.
        Assert.That(m.Access(0, 64), Is.EqualTo(82_500UL));
        Assert.That(m.Access(0, 64), Is.EqualTo(85_000UL));
        Assert.That(m.Access(100, 64), Is.EqualTo(87_500UL));
        // Issued after the channel frees up but within its latency: only latency counts.
        Assert.That(m.Access(10_000, 64), Is.EqualTo(92_500UL));
        Assert.That(m.QueueingPs, Is.Zero);
    }

    [Test]
    public void OutstandingLimitDelaysRequests()
    {
        // 1 000 B/ns = 1 ps per byte; 2 outstanding.
        var m = new MemoryTimingModel(new MemoryTiming(LatencyPs: 10_000, BytesPerNanosecond: 1000, MaxOutstanding: 2));
        Assert.That(m.Access(0, 1), Is.EqualTo(10_001UL));
        Assert.That(m.Access(0, 1), Is.EqualTo(10_002UL));
        // Both slots busy: the third waits for the first slot (free at 10 001), then pays the full latency.
        Assert.That(m.Access(0, 1), Is.EqualTo(20_002UL));
        Assert.That(m.QueueingPs, Is.EqualTo(10_001UL));
        // The fourth waits for the second slot (free at 10 002).
        Assert.That(m.Access(0, 1), Is.EqualTo(20_003UL));
        Assert.That(m.QueueingPs, Is.EqualTo(10_001UL + 10_002UL));

        m.Reset();
        Assert.That(m.Access(0, 1), Is.EqualTo(10_001UL));
        Assert.That(m.Accesses, Is.EqualTo(1));
        Assert.That(m.QueueingPs, Is.Zero);
    }

    [Test]
    public void InvalidParametersAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryTimingModel(new MemoryTiming(BytesPerNanosecond: 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryTimingModel(new MemoryTiming(BytesPerNanosecond: double.NaN)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryTimingModel(new MemoryTiming(BytesPerNanosecond: double.PositiveInfinity)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryTimingModel(new MemoryTiming(MaxOutstanding: 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryTimingModel(new MemoryTiming(MaxOutstanding: 4097)));
    }
}
