using System.Numerics;
using HwEmu.Emulator.Kernel;
using NUnit.Framework;

namespace HwEmu.Tests.Kernel;

public class ClockDomainTests
{
    [Test]
    public void ThreeGigahertzIsExact()
    {
        var c = new ClockDomain("cpu", 3_000_000_000);
        Assert.That(c.EdgeTime(0), Is.EqualTo(0));
        Assert.That(c.EdgeTime(1), Is.EqualTo(333));
        Assert.That(c.EdgeTime(2), Is.EqualTo(666));
        Assert.That(c.EdgeTime(3), Is.EqualTo(1000));
        Assert.That(c.EdgeTime(3_000_000_000), Is.EqualTo(ClockDomain.PicosecondsPerSecond));
        Assert.That(c.EdgeTime(3_000_000_001), Is.EqualTo(ClockDomain.PicosecondsPerSecond + 333));
        Assert.That(c.CycleAt(332), Is.EqualTo(0));
        Assert.That(c.CycleAt(333), Is.EqualTo(1));
        Assert.That(c.CycleAt(665), Is.EqualTo(1));
        Assert.That(c.CycleAt(666), Is.EqualTo(2));
        Assert.That(c.CycleAt(999), Is.EqualTo(2));
        Assert.That(c.CycleAt(1000), Is.EqualTo(3));
        Assert.That(c.CycleAt(ClockDomain.PicosecondsPerSecond), Is.EqualTo(3_000_000_000));
        Assert.That(c.NextEdge(1), Is.EqualTo(333));
        Assert.That(c.NextEdge(333), Is.EqualTo(333));
        Assert.That(c.NextEdge(334), Is.EqualTo(666));
        Assert.That(c.After(0, 3), Is.EqualTo(1000));
        Assert.That(c.After(1, 2), Is.EqualTo(1000));
        Assert.That(c.After(333, 0), Is.EqualTo(333));
        Assert.That(c.CyclesIn(1000), Is.EqualTo(3));
        Assert.That(c.CyclesIn(1001), Is.EqualTo(4));
        Assert.That(c.Duration(1), Is.EqualTo(333));
        Assert.That(c.Duration(2), Is.EqualTo(667));
    }

    [Test]
    public void IntegerPeriods()
    {
        var c = new ClockDomain("smmu", 250_000_000); // 4 ns
        Assert.That(c.EdgeTime(1), Is.EqualTo(4000));
        Assert.That(c.EdgeTime(250_000_000), Is.EqualTo(ClockDomain.PicosecondsPerSecond));
        Assert.That(c.CycleAt(3999), Is.EqualTo(0));
        Assert.That(c.CycleAt(4000), Is.EqualTo(1));
        Assert.That(c.NextEdge(4001), Is.EqualTo(8000));
        Assert.That(c.After(4001, 2), Is.EqualTo(16000));
        Assert.That(c.CyclesIn(8000), Is.EqualTo(2));

        var slow = new ClockDomain("rtc", 1);
        Assert.That(slow.EdgeTime(1), Is.EqualTo(ClockDomain.PicosecondsPerSecond));
        Assert.That(slow.CycleAt(ClockDomain.PicosecondsPerSecond - 1), Is.EqualTo(0));
        Assert.That(slow.CycleAt(ClockDomain.PicosecondsPerSecond), Is.EqualTo(1));
        Assert.That(slow.NextEdge(1), Is.EqualTo(ClockDomain.PicosecondsPerSecond));
        Assert.That(slow.EdgeTime(18_446_744), Is.EqualTo(18_446_744 * ClockDomain.PicosecondsPerSecond));
        Assert.That(slow.CycleAt(ulong.MaxValue), Is.EqualTo(18_446_744));

        var max = new ClockDomain("ps", ClockDomain.PicosecondsPerSecond);
        Assert.That(max.EdgeTime(12345), Is.EqualTo(12345));
        Assert.That(max.CycleAt(ulong.MaxValue), Is.EqualTo(ulong.MaxValue));
    }

    [Test]
    public void InvalidFrequenciesAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClockDomain("zero", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClockDomain("fast", ClockDomain.PicosecondsPerSecond + 1));
    }

    [Test]
    public void EdgeTimesBeyondSixtyFourBitsThrowInsteadOfWrapping()
    {
        var slow = new ClockDomain("rtc", 1);
        Assert.Throws<OverflowException>(() => slow.EdgeTime(18_446_745));
        Assert.Throws<OverflowException>(() => slow.After(0, 18_446_745));
    }

    private static readonly ulong[] Frequencies =
        [1, 7, 32_768, 100_000_000, 250_000_000, 333_333_333, 1_000_000_000, 2_100_000_000, 3_000_000_000, 999_999_999_989];

    [Test]
    public void RoundTripsHoldForRandomTimesAndCycles([ValueSource(nameof(Frequencies))] ulong hz)
    {
        var c = new ClockDomain("c", hz);
        var r = new DeterministicRandom(hz, "clock-roundtrip");
        ulong maxCycle = c.CycleAt(ulong.MaxValue / 2);
        for (int i = 0; i < 20_000; i++)
        {
            ulong cycle = r.Next(maxCycle);
            ulong t = c.EdgeTime(cycle);
            Assert.That(c.CycleAt(t), Is.EqualTo(cycle));
            Assert.That(c.NextEdge(t), Is.EqualTo(t));
            Assert.That(c.EdgeTime(cycle + 1), Is.GreaterThan(t), "edges strictly increase");

            ulong time = r.Next(ulong.MaxValue / 2);
            ulong n = c.CycleAt(time);
            Assert.That(c.EdgeTime(n), Is.LessThanOrEqualTo(time));
            Assert.That(c.EdgeTime(n + 1), Is.GreaterThan(time));
            ulong next = c.NextEdge(time);
            Assert.That(next, Is.GreaterThanOrEqualTo(time));
            Assert.That(c.EdgeTime(n) == time ? next == time : next == c.EdgeTime(n + 1), Is.True);
            ulong k = r.Next(1000);
            ulong after = c.After(time, k);
            Assert.That(c.CycleAt(after), Is.EqualTo(c.CycleAt(next) + k));
            Assert.That(c.NextEdge(after), Is.EqualTo(after));
            // Exactness: edge N is floor(N * 10^12 / Hz), with no accumulated rounding.
            Assert.That(t, Is.EqualTo((ulong)(new BigInteger(cycle) * 1_000_000_000_000 / hz)));
        }
    }
}
