using NUnit.Framework;
using HwEmu.Devices.Gic;
using HwEmu.Emulator.Bus;

namespace HwEmu.Tests.Gic;

/// <summary>The declared-register machinery: sub-word merges, splits, masks, write hooks.</summary>
public class GicRegisterFileTests
{
    [Test]
    public void ByteWritesMergeIntoTheRegister_AndReachTheHook()
    {
        var seen = new List<(int, ulong, ulong)>();
        var file = new GicRegisterFile("test",
        [
            new GicRegister("PRIO", 0x400, 4, 0, GicRegisterAccess.ReadWrite, "bytes", count: 2, onWrite: (i, p, v) => seen.Add((i, p, v))),
            new GicRegister("WIDE", 0x10, 8, 0x1111_2222_3333_4444, GicRegisterAccess.ReadWrite, "64-bit", writableMask: 0xFFFF_0000_FFFF_FFFF),
            new GicRegister("RO", 0x20, 4, 0xABCD, GicRegisterAccess.ReadOnly, "read-only"),
        ], minAccessSize: 1);
        Assert.That(file.Write(0x405, 1, 0xA0), Is.EqualTo(BusStatus.Ok));
        Assert.That(file.Read(0x404, 4, out ulong v), Is.EqualTo(BusStatus.Ok));
        Assert.That(v, Is.EqualTo(0xA000UL));
        Assert.That(seen, Is.EqualTo(new[] { (1, 0UL, 0xA000UL) }));
        Assert.That(file.Read(0x405, 1, out v), Is.EqualTo(BusStatus.Ok));
        Assert.That(v, Is.EqualTo(0xA0UL));
        file.Write(0x14, 4, 0xFFFF_FFFF);
        Assert.That(file.Get("WIDE"), Is.EqualTo(0xFFFF_2222_3333_4444UL), "bits [47:32] are not writable");
        Assert.That(file.Read(0x400, 8, out v), Is.EqualTo(BusStatus.Ok), "an 8-byte access over two 32-bit registers is split");
        Assert.That(v, Is.EqualTo(0xA000UL << 32));
        file.Write(0x20, 4, 0);
        Assert.That(file.Get("RO"), Is.EqualTo(0xABCDUL));
        Assert.That(file.IgnoredWrites, Is.EqualTo(1));
        Assert.That(file.Read(0x402, 4, out _), Is.EqualTo(BusStatus.SlaveError), "misaligned");
        Assert.That(file.Dump(), Does.Contain("PRIO1                0x00404  0x0000a000"));
        Assert.Throws<ArgumentException>(() => _ = new GicRegisterFile("bad",
            [new GicRegister("A", 0, 8, 0, GicRegisterAccess.ReadWrite, ""), new GicRegister("B", 4, 4, 0, GicRegisterAccess.ReadWrite, "")]));
    }

    [Test]
    public void DistributorPriorityBytes_OrderSpiAcknowledgement()
    {
        var bus = new SystemBus(new HwEmu.Emulator.Memory.PhysicalMemory());
        var gic = new Gicv3(bus, new GicConfig { Cpus = 1, AutoAcknowledge = false });
        gic.Attach();
        bus.Write(0x0800_0000, 4, 2, BusAttributes.Cpu);
        bus.Write(0x0800_0104, 4, 0b11, BusAttributes.Cpu);        // enable SPIs 32, 33
        bus.Write(0x0800_0420, 1, 0x80, BusAttributes.Cpu);        // priority of 32
        bus.Write(0x0800_0421, 1, 0x40, BusAttributes.Cpu);        // priority of 33
        gic.Distributor.RaiseSpi(32);
        gic.Distributor.RaiseSpi(33);
        Assert.That(gic.CpuInterfaces[0].Acknowledge(), Is.EqualTo(33u));
        Assert.That(gic.CpuInterfaces[0].Acknowledge(), Is.EqualTo(32u));
        Assert.That(gic.Distributor.IsPending(32), Is.False);
    }

    [Test]
    public void GicrInvlpir_ReReadsOneLpiConfiguration()
    {
        var m = new ItsTestMachine().Init();
        m.SetConfig(8195, 0xA2);
        m.SendAll(ItsCommand.Mapd(2, 7, ItsTestMachine.Itt(2), true), ItsCommand.Mapc(3, 3, true), ItsCommand.Mapti(2, 20, 8195, 3),
            ItsCommand.Inv(2, 20), ItsCommand.Int(2, 20));
        m.SetConfig(8195, 0xA3);
        Assert.That(m.TotalDelivered(), Is.EqualTo(0));
        m.RdWrite(3, 0xA0, 8195);
        Assert.That(m.Count(3, 8195), Is.EqualTo(1));
    }
}
