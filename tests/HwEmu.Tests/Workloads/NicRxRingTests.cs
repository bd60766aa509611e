using HwEmu.Devices.Pcie;
using HwEmu.Emulator.Bus;
using HwEmu.Emulator.Memory;
using NUnit.Framework;

namespace HwEmu.Tests.Workloads;

public class NicRxRingTests
{
    [Test]
    public void ReceivesIntoPostedBuffersWritesBackAndDropsWhenEmpty()
    {
        var mem = new PhysicalMemory();
        var bus = new SystemBus(mem);
        bus.AddRam(0x4000_0000, 0x10_0000);
        var rec = new DmaRecorder();
        var ring = new NicRxRing(0x4000_0000, 4, 2048, 0, bus, rec);
        var d = new byte[16];
        for (int i = 0; i < 3; i++)
        {
            NicRxRing.WriteDescriptor(d, 0x4001_0000 + (ulong)i * 0x800);
            mem.Write(0x4000_0000 + (ulong)i * 16, d);
        }
        ring.WriteTail(2);
        Assert.That(ring.Receive(1514, 10), Is.True);
        Assert.That(ring.Receive(9000, 20), Is.True, "truncated to the buffer");
        Assert.That(ring.Receive(64, 30), Is.False);
        Assert.That((ring.Received, ring.Dropped, ring.Head), Is.EqualTo((2L, 1L, 2)));
        Assert.That(rec.Requests.Select(r => (r.Address, r.Size, r.Write, r.Purpose)), Is.EqualTo(new (ulong, int, bool, DmaPurpose)[]
        {
            (0x4000_0000, 16, false, DmaPurpose.DescriptorFetch), (0x4001_0000, 1514, true, DmaPurpose.Data), (0x4000_0000, 16, true, DmaPurpose.Completion),
            (0x4000_0010, 16, false, DmaPurpose.DescriptorFetch), (0x4001_0800, 2048, true, DmaPurpose.Data), (0x4000_0010, 16, true, DmaPurpose.Completion),
        }));
        mem.Read(0x4000_0000, d);
        Assert.That(Convert.ToHexString(d), Is.EqualTo("0000014000000000" + "EA05" + "0000" + "03" + "00" + "0000"));
        mem.Read(0x4000_0010, d);
        Assert.That(Convert.ToHexString(d), Is.EqualTo("0008014000000000" + "0008" + "0000" + "03" + "00" + "0000"));
    }
}
