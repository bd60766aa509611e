using HwEmu.Devices.Pcie;
using NUnit.Framework;

namespace HwEmu.Tests.Pcie;

public class PcieLinkTests
{
    // Gen4 x4: 16 GT/s * 4 lanes * 128/130 / 8 bits = 7.8769.. B/ns, i.e. exactly 126.953125 ps per byte
    // (1000 * 8 * 130 / (16 * 4 * 128) = 1040000 / 8192), so expected times below are exact.
    private static readonly PcieLinkConfig Gen4x4 = new(PcieGeneration.Gen4, 4, MaxPayloadSize: 256, MaxReadRequestSize: 512,
        ReadCompletionBoundary: 64, Tags: 32, PropagationPs: 150_000);

    [TestCase(PcieGeneration.Gen1, 1, 0.25)]
    [TestCase(PcieGeneration.Gen2, 1, 0.5)]
    [TestCase(PcieGeneration.Gen3, 1, 8.0 * 128 / 130 / 8)]
    [TestCase(PcieGeneration.Gen5, 16, 32.0 * 16 * 128 / 130 / 8)]
    [TestCase(PcieGeneration.Gen6, 16, 64.0 * 16 * 236 / 256 / 8)]
    public void BandwidthFollowsGenerationAndEncoding(PcieGeneration gen, int width, double bytesPerNs)
        => Assert.That(new PcieLinkConfig(gen, width).BytesPerNanosecond, Is.EqualTo(bytesPerNs).Within(1e-12));

    [Test]
    public void PostedWriteSplitsAtMpsAndAddsHeaderAndFraming()
    {
        var link = new PcieLink(Gen4x4);
        // 4 KiB at a 32-bit address: 16 TLPs of 256 B, each with a 3-DW header (12 B) and 8 B of framing/seq/LCRC.
        Assert.That(Tlp.WriteTlpCount(0x1000_0000, 4096, 256), Is.EqualTo(16));
        ulong arrive = link.PostedWrite(0, 0x1000_0000, 4096);
        Assert.That(link.UpstreamBytes, Is.EqualTo(16 * (12 + 8) + 4096));
        Assert.That(arrive, Is.EqualTo(4416UL * 126_953_125 / 1_000_000 + 150_000));
    }

    [Test]
    public void SixtyFourBitAddressesUseFourDwordHeaders()
    {
        Assert.That(Tlp.RequestHeaderBytes(0xffff_ffff), Is.EqualTo(12));
        Assert.That(Tlp.RequestHeaderBytes(0x1_0000_0000), Is.EqualTo(16));
    }

    [TestCase(0x1000UL, 4096, 256, 16)]
    [TestCase(0x1080UL, 256, 256, 2)]   // crosses an MPS-aligned boundary
    [TestCase(0x1F80UL, 256, 4096, 2)]  // crosses a 4 KiB boundary
    [TestCase(0x1000UL, 1, 256, 1)]
    public void RequestsNeverCrossAlignmentOr4KiB(ulong address, int length, int max, int expected)
        => Assert.That(Tlp.WriteTlpCount(address, length, max), Is.EqualTo(expected));

    [TestCase(0x1000UL, 512, 256, 64, 2)]
    [TestCase(0x1020UL, 512, 256, 64, 3)]   // 224 to the RCB boundary, 256, 32
    [TestCase(0x1000UL, 64, 256, 64, 1)]
    public void CompletionsSplitOnRcb(ulong address, int length, int mps, int rcb, int expected)
        => Assert.That(Tlp.CompletionCount(address, length, mps, rcb), Is.EqualTo(expected));

    [Test]
    public void ReadIsRequestUpstreamThenCompletionsDownstream()
    {
        var link = new PcieLink(Gen4x4);
        // 512 B at 0x2000: one request TLP (12 + 8 B) upstream; two 256 B completions (12 + 8 B each) downstream.
        ulong atRc = link.ReadRequest(0, 0x2000, 512, out int tag);
        Assert.That(atRc, Is.EqualTo(2540UL + 150_000)); // 20 B * 126.953125 ps = 2539.0625 -> 2540 ps (rounded up)
        ulong done = link.CompleteRead(1_000_000, 0x2000, 512, tag);
        Assert.That(link.DownstreamBytes, Is.EqualTo(2 * 20 + 512));
        Assert.That(done, Is.EqualTo(1_000_000UL + 70_079 + 150_000)); // 552 B * 126.953125 ps = 70078.125 -> 70079 ps
    }

    [Test]
    public void BackToBackWritesNeverExceedLinkBandwidth()
    {
        var link = new PcieLink(Gen4x4);
        ulong last = 0;
        for (int i = 0; i < 1000; i++) last = link.PostedWrite(0, 0x1000_0000 + (ulong)i * 4096, 4096);
        double seconds = (last - Gen4x4.PropagationPs) / 1e12;
        double bytesPerNs = link.UpstreamBytes / (seconds * 1e9);
        Assert.That(bytesPerNs, Is.LessThanOrEqualTo(Gen4x4.BytesPerNanosecond));
        Assert.That(bytesPerNs, Is.GreaterThan(Gen4x4.BytesPerNanosecond * 0.999)); // saturated: reached, not exceeded
    }

    [Test]
    public void ATagIsHeldUntilItsCompletionArrives()
    {
        var link = new PcieLink(Gen4x4 with { Tags = 1 });
        link.ReadRequest(0, 0x2000, 64, out int t0);
        ulong done = link.CompleteRead(5_000_000, 0x2000, 64, t0);
        ulong second = link.ReadRequest(0, 0x3000, 64, out int t1);
        Assert.That(t1, Is.EqualTo(t0));
        Assert.That(link.TagWaitPs, Is.EqualTo(done));
        Assert.That(second, Is.GreaterThan(done));
    }

    [Test]
    public void BadParametersAreRejectedWithTheirName()
    {
        var ex = Assert.Throws<ArgumentException>(() => new PcieLinkConfig(Width: 3).Validate());
        Assert.That(ex!.ParamName, Is.EqualTo("Width"));
        ex = Assert.Throws<ArgumentException>(() => new PcieLinkConfig(MaxPayloadSize: 200).Validate());
        Assert.That(ex!.ParamName, Is.EqualTo("MaxPayloadSize"));
    }
}
