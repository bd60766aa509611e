using HwEmu.Devices.Pcie;
using HwEmu.Emulator.Bus;
using HwEmu.Emulator.Memory;
using NUnit.Framework;

namespace HwEmu.Tests.Workloads;

public class NvmeQueuePairTests
{
    private const ulong Sq = 0x4000_0000, Cq = 0x4000_1000, List = 0x4000_2000, Buf = 0x4010_0000;

    private sealed class MsiSink : IMsiWriter
    {
        public List<(int, ulong, uint)> Sent { get; } = [];
        public void SendMsi(int vector, ulong address, uint data) => Sent.Add((vector, address, data));
    }

    private static (PhysicalMemory Mem, SystemBus Bus) Host()
    {
        var mem = new PhysicalMemory();
        var bus = new SystemBus(mem);
        bus.AddRam(0x4000_0000, 0x100_0000);
        return (mem, bus);
    }

    [Test]
    public void PrpConstruction()
    {
        Span<ulong> list = stackalloc ulong[8];
        Assert.That(NvmeCommand.BuildPrps(0x1000, 4096, 4096, List, list, out ulong p1, out ulong p2), Is.EqualTo(0));
        Assert.That((p1, p2), Is.EqualTo((0x1000UL, 0UL)));
        Assert.That(NvmeCommand.BuildPrps(0x1800, 4096, 4096, List, list, out p1, out p2), Is.EqualTo(0));
        Assert.That((p1, p2), Is.EqualTo((0x1800UL, 0x2000UL)));
        Assert.That(NvmeCommand.BuildPrps(0x1000, 16384, 4096, List, list, out p1, out p2), Is.EqualTo(3));
        Assert.That((p1, p2), Is.EqualTo((0x1000UL, List)));
        Assert.That(list[..3].ToArray(), Is.EqualTo(new ulong[] { 0x2000, 0x3000, 0x4000 }));
    }

    [Test]
    public void SqeBytes()
    {
        var sqe = new byte[64];
        NvmeCommand.WriteSqe(sqe, NvmeCommand.OpRead, 0x1234, 1, 0x1122334455667788, 0x99, 0xabcdef, 7);
        Assert.That(Convert.ToHexString(sqe), Is.EqualTo(
            "02003412" + "01000000" + new string('0', 32) + "8877665544332211" + "9900000000000000" + "EFCDAB0000000000" + "07000000" + new string('0', 24)));
    }

    [Test]
    public void ProcessesCommandsEmitsDmasAndPostsCompletionsWithPhase()
    {
        var (mem, bus) = Host();
        var rec = new DmaRecorder();
        var msi = new MsiSink();
        var msix = new MsixTable("nvme0", 2, 0x2000, 0x3000, msi) { Enabled = true };
        msix.Write(0x2010, 8, 0x0809_0040, default);
        msix.Write(0x2018, 4, 5, default);
        msix.Write(0x201c, 4, 0, default);
        var qp = new NvmeQueuePair(1, Sq, Cq, 4, 1, bus, rec, msix);
        var sqe = new byte[64];
        Span<ulong> list = stackalloc ulong[8];
        // cmd 0: 4 KiB read; cmd 1: 16 KiB write via a PRP list.
        NvmeCommand.WriteSqe(sqe, NvmeCommand.OpRead, 10, 1, Buf, 0, 0, 7);
        mem.Write(Sq, sqe);
        int n = NvmeCommand.BuildPrps(Buf + 0x10000, 16384, 4096, List, list, out ulong p1, out ulong p2);
        for (int i = 0; i < n; i++) mem.Write64(List + (ulong)i * 8, list[i]);
        NvmeCommand.WriteSqe(sqe, NvmeCommand.OpWrite, 11, 1, p1, p2, 8, 31);
        mem.Write(Sq + 64, sqe);
        qp.WriteSqTailDoorbell(2);
        Assert.That(qp.Process(1000), Is.EqualTo(2));

        var expected = new (ulong, int, bool, DmaPurpose)[]
        {
            (Sq, 64, false, DmaPurpose.DescriptorFetch),
            (Buf, 4096, true, DmaPurpose.Data),
            (Cq, 16, true, DmaPurpose.Completion),
            (Sq + 64, 64, false, DmaPurpose.DescriptorFetch),
            (List, 24, false, DmaPurpose.PrpListFetch),
            (Buf + 0x10000, 4096, false, DmaPurpose.Data),
            (Buf + 0x11000, 4096, false, DmaPurpose.Data),
            (Buf + 0x12000, 4096, false, DmaPurpose.Data),
            (Buf + 0x13000, 4096, false, DmaPurpose.Data),
            (Cq + 16, 16, true, DmaPurpose.Completion),
        };
        Assert.That(rec.Requests.Select(r => (r.Address, r.Size, r.Write, r.Purpose)), Is.EqualTo(expected));
        Assert.That(rec.Requests.Select(r => r.Id), Is.EqualTo(Enumerable.Range(0, 10).Select(i => (ulong)i)));

        var cqe = new byte[16];
        mem.Read(Cq, cqe);
        Assert.That(Convert.ToHexString(cqe), Is.EqualTo("0000000000000000" + "01000100" + "0A000100"));
        mem.Read(Cq + 16, cqe);
        Assert.That(Convert.ToHexString(cqe), Is.EqualTo("0000000000000000" + "02000100" + "0B000100"));
        Assert.That(msi.Sent, Is.EqualTo(new[] { (1, 0x0809_0040UL, 5u), (1, 0x0809_0040UL, 5u) }));

        // Host consumes, submits two more: the CQ wraps after entry 3 and the phase flips to 0.
        qp.WriteCqHeadDoorbell(2);
        NvmeCommand.WriteSqe(sqe, 0x7f, 12, 1, Buf, 0, 0, 0);
        mem.Write(Sq + 128, sqe);
        NvmeCommand.WriteSqe(sqe, NvmeCommand.OpRead, 13, 1, Buf, 0, 0, 0);
        mem.Write(Sq + 192, sqe);
        qp.WriteSqTailDoorbell(0);
        Assert.That(qp.Process(2000), Is.EqualTo(2));
        mem.Read(Cq + 32, cqe);
        Assert.That(Convert.ToHexString(cqe[8..]), Is.EqualTo("03000100" + "0C000300"), "invalid opcode: status 0x01 << 17 | P");
        mem.Read(Cq + 48, cqe);
        Assert.That(Convert.ToHexString(cqe[8..]), Is.EqualTo("00000100" + "0D000100"));
        Assert.That((qp.CqTail, qp.Phase), Is.EqualTo((0, false)));
    }

    [Test]
    public void StopsWhenCompletionQueueIsFullAndCoalesces()
    {
        var (mem, bus) = Host();
        var msi = new MsiSink();
        var msix = new MsixTable("n", 1, 0, 0x100, msi) { Enabled = true };
        msix.Write(0xc, 4, 0, default);
        var qp = new NvmeQueuePair(1, Sq, Cq, 4, 0, bus, new DmaRecorder(), msix, coalesce: 2);
        var sqe = new byte[64];
        for (int i = 0; i < 4; i++)
        {
            NvmeCommand.WriteSqe(sqe, NvmeCommand.OpRead, (ushort)i, 1, Buf, 0, 0, 0);
            mem.Write(Sq + (ulong)i * 64, sqe);
        }
        qp.WriteSqTailDoorbell(3);
        Assert.That(qp.Process(0), Is.EqualTo(3));
        Assert.That(qp.Interrupts, Is.EqualTo(1));
        Assert.That(msi.Sent.Count, Is.EqualTo(1));
        qp.WriteSqTailDoorbell(0);
        Assert.That(qp.Process(0), Is.EqualTo(0), "CQ full: tail+1 == head");
        qp.WriteCqHeadDoorbell(3);
        Assert.That(qp.Process(0), Is.EqualTo(1));
        Assert.That(qp.Interrupts, Is.EqualTo(2));
    }

    [Test]
    public void UnmappedSqIsABusErrorNotAnException()
    {
        var (_, bus) = Host();
        var qp = new NvmeQueuePair(1, 0x9000_0000, Cq, 4, 0, bus, new DmaRecorder());
        qp.WriteSqTailDoorbell(1);
        Assert.That(qp.Process(0), Is.EqualTo(0));
        Assert.That(qp.BusErrors, Is.EqualTo(1));
        Assert.That(qp.SqHead, Is.EqualTo(1));
    }
}
