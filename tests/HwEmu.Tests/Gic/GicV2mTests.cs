using NUnit.Framework;
using HwEmu.Devices.Gic;
using HwEmu.Emulator.Bus;
using HwEmu.Emulator.Memory;

namespace HwEmu.Tests.Gic;

/// <summary>GICv2m MSI frames and the SPI side of the distributor.</summary>
public class GicV2mTests
{
    private static (Gicv3 Gic, SystemBus Bus, GicV2mFrame Frame) Machine(bool enableGroup = true)
    {
        var bus = new SystemBus(new PhysicalMemory());
        var gic = new Gicv3(bus, new GicConfig { Cpus = 2 });
        gic.Attach();
        // QEMU virt: one frame at 0x08020000, SPIs 80..143 (reference §1.1).
        var frame = new GicV2mFrame("gicv2m", gic.Distributor, 80, 64);
        bus.AddDevice(0x0802_0000, GicV2mFrame.FrameSize, frame);
        if (enableGroup) Assert.That(bus.Write(0x0800_0000, 4, 2, BusAttributes.Cpu), Is.EqualTo(BusStatus.Ok));
        return (gic, bus, frame);
    }

    private static void EnableSpi(SystemBus bus, uint intId, int cpu)
    {
        Assert.That(bus.Write(0x0800_0100 + intId / 32 * 4, 4, 1UL << (int)(intId % 32), BusAttributes.Cpu), Is.EqualTo(BusStatus.Ok));
        Assert.That(bus.Write(0x0800_6100 + (intId - 32) * 8, 8, (ulong)cpu, BusAttributes.Cpu), Is.EqualTo(BusStatus.Ok));
    }

    [Test]
    public void MsiTyper_DecodesAsLinuxDoes()
    {
        var (_, bus, _) = Machine();
        Assert.That(bus.Read(0x0802_0008, 4, out ulong typer, BusAttributes.Cpu), Is.EqualTo(BusStatus.Ok));
        Assert.That(typer, Is.EqualTo(0x0050_0040UL), "QEMU virt");
        Assert.That((typer >> 16) & 0x3FF, Is.EqualTo(80UL), "spi_start");
        Assert.That(typer & 0x3FF, Is.EqualTo(64UL), "nr_spis");
        Assert.That(bus.Read(0x0802_0FCC, 4, out ulong iidr, BusAttributes.Cpu), Is.EqualTo(BusStatus.Ok));
        Assert.That(iidr, Is.EqualTo(0x0510_0000UL));
        Assert.That(bus.Read(0x0802_0040, 4, out ulong setspi, BusAttributes.Cpu), Is.EqualTo(BusStatus.Ok));
        Assert.That(setspi, Is.EqualTo(0UL), "write-only");
    }

    [Test]
    public void SetSpi_RaisesThatSpi_FromAnyWriter()
    {
        var (gic, bus, frame) = Machine();
        EnableSpi(bus, 85, 1);
        Assert.That(bus.Write(0x0802_0040, 4, 85, new BusAttributes(RequesterId: 0x8, DeviceId: 0x8)), Is.EqualTo(BusStatus.Ok));
        Assert.That(bus.Write(0x0802_0040, 4, 85, new BusAttributes(RequesterId: 0x10, DeviceId: 0x10)), Is.EqualTo(BusStatus.Ok));
        Assert.That(gic.CpuInterfaces[1].Count(85), Is.EqualTo(2), "no DeviceID check");
        Assert.That(gic.CpuInterfaces[0].Delivered, Is.EqualTo(0));
        Assert.That(frame.Raised, Is.EqualTo(2));
        Assert.That(bus.Write(0x0802_0040, 2, 85, default), Is.EqualTo(BusStatus.Ok), "16-bit writes are accepted");
        Assert.That(gic.CpuInterfaces[1].Count(85), Is.EqualTo(3));
    }

    [TestCase(79u)]
    [TestCase(144u)]
    [TestCase(0x3FFu)]
    public void OutOfRangeSpi_IsDroppedAndCounted(uint data)
    {
        var (gic, bus, frame) = Machine();
        for (uint id = 32; id < 288; id++) gic.Distributor.Registers.Write(0x100 + id / 32 * 4, 4, 0xFFFF_FFFF);
        Assert.That(bus.Write(0x0802_0040, 4, data, default), Is.EqualTo(BusStatus.Ok));
        Assert.That(frame.Dropped, Is.EqualTo(1));
        Assert.That(gic.CpuInterfaces[0].Delivered + gic.CpuInterfaces[1].Delivered, Is.EqualTo(0));
        Assert.That(gic.Distributor.IsPending(data), Is.False);
    }

    [Test]
    public void DisabledSpi_StaysPendingUntilEnabled()
    {
        var (gic, bus, frame) = Machine();
        frame.SetSpi(90, 1000);
        Assert.That(gic.Distributor.IsPending(90), Is.True);
        Assert.That(gic.CpuInterfaces[0].Delivered, Is.EqualTo(0));
        EnableSpi(bus, 90, 0);
        Assert.That(gic.CpuInterfaces[0].Count(90), Is.EqualTo(1));
        Assert.That(gic.Distributor.IsPending(90), Is.False);
        Assert.That(bus.Read(0x0800_0208, 4, out ulong ispendr2, BusAttributes.Cpu), Is.EqualTo(BusStatus.Ok));
        Assert.That(ispendr2, Is.EqualTo(0UL));
    }

    [Test]
    public void GroupDisabled_HoldsSpis()
    {
        var (gic, bus, frame) = Machine(enableGroup: false);
        EnableSpi(bus, 90, 0);
        frame.SetSpi(90, 0);
        Assert.That(gic.CpuInterfaces[0].Delivered, Is.EqualTo(0));
        bus.Write(0x0800_0000, 4, 2, BusAttributes.Cpu);
        Assert.That(gic.CpuInterfaces[0].Count(90), Is.EqualTo(1));
    }

    [Test]
    public void SeveralFrames_EachRaiseTheirOwnRange()
    {
        var (gic, bus, f0) = Machine();
        var f1 = new GicV2mFrame("gicv2m-1", gic.Distributor, 144, 32);
        bus.AddDevice(0x0802_1000, GicV2mFrame.FrameSize, f1);
        EnableSpi(bus, 150, 1);
        EnableSpi(bus, 81, 0);
        bus.Write(0x0802_1040, 4, 150, default);
        bus.Write(0x0802_1040, 4, 81, default);   // 81 belongs to frame 0
        bus.Write(0x0802_0040, 4, 81, default);
        Assert.That(gic.CpuInterfaces[1].Count(150), Is.EqualTo(1));
        Assert.That(gic.CpuInterfaces[0].Count(81), Is.EqualTo(1));
        Assert.That(f1.Dropped, Is.EqualTo(1));
        Assert.That(f0.Raised + f1.Raised, Is.EqualTo(2));
    }

    [Test]
    public void WiredSpi_FromTheSmmu()
    {
        var (gic, bus, _) = Machine();
        EnableSpi(bus, 106, 1);   // QEMU virt SMMU event queue interrupt (serial.log: GICv3 106 Edge arm-smmu-v3-evtq)
        Assert.That(gic.Distributor.RaiseSpi(106, 0), Is.True);
        Assert.That(gic.Distributor.RaiseSpi(2000, 0), Is.False);
        Assert.That(gic.Distributor.DroppedSpis, Is.EqualTo(1));
        Assert.That(gic.CpuInterfaces[1].Count(106), Is.EqualTo(1));
        Assert.That(gic.ProcInterrupts(), Does.Contain("   106           0           1  SPI"));
    }

    [Test]
    public void DistributorTyper()
    {
        var (_, bus, _) = Machine();
        Assert.That(bus.Read(0x0800_0004, 4, out ulong typer, BusAttributes.Cpu), Is.EqualTo(BusStatus.Ok));
        Assert.That(typer & 0x1F, Is.EqualTo(8UL), "(256 + 32) / 32 − 1");
        Assert.That(typer >> 17 & 1, Is.EqualTo(1UL), "LPIS");
        Assert.That((typer >> 19 & 0x1F) + 1, Is.EqualTo(16UL), "IDbits");
    }

    [Test]
    public void FrameOutsideTheSpiRange_IsRejectedAtConstruction()
    {
        var (gic, _, _) = Machine();
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new GicV2mFrame("bad", gic.Distributor, 16, 4));
    }
}
