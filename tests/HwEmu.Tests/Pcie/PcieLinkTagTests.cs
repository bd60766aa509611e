using HwEmu.Devices.Pcie;
using NUnit.Framework;

namespace HwEmu.Tests.Pcie;

public class PcieLinkTagTests
{
    [Test]
    public void ARequestWaitsForTheEarliestFreedTagAndTakesTheLowestAmongEqualOnes()
    {
        var link = new PcieLink(new PcieLinkConfig(Tags: 3, PropagationPs: 0));
        link.ReadRequest(0, 0x1000, 64, out int a);
        link.ReadRequest(0, 0x2000, 64, out int b);
        link.ReadRequest(0, 0x3000, 64, out int c);
        Assert.That((a, b, c), Is.EqualTo((0, 1, 2)));
        ulong tb = link.CompleteRead(5_000_000, 0x2000, 64, b);
        ulong tc = link.CompleteRead(9_000_000, 0x3000, 64, c);
        link.ReleaseTag(a, 9_000_000 + (tc - 9_000_000)); // same free time as c
        // The earliest is b: a fourth request waits for it.
        link.ReadRequest(1_000, 0x4000, 64, out int d);
        Assert.That(d, Is.EqualTo(b));
        Assert.That(link.TagWaitPs, Is.EqualTo(tb - 1_000));
        // a and c free at the same time: the lower tag goes first.
        link.ReadRequest(1_000, 0x5000, 64, out int e);
        Assert.That(e, Is.EqualTo(a));
    }

    [Test]
    public void MoreReadsInFlightThanTagsAreCountedNotCrashed()
    {
        var link = new PcieLink(new PcieLinkConfig(Tags: 1));
        link.ReadRequest(0, 0x1000, 64, out int first);
        ulong arrive = link.ReadRequest(0, 0x2000, 64, out int second);
        Assert.That(first, Is.EqualTo(0));
        Assert.That(second, Is.EqualTo(-1));
        Assert.That(link.TagOverruns, Is.EqualTo(1));
        Assert.That(arrive, Is.LessThan(1_000_000UL));
        Assert.That(link.CompleteRead(arrive, 0x2000, 64, second), Is.GreaterThan(arrive)); // tag -1: nothing to free
    }
}
