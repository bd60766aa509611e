using HwEmu.Devices.Smmu;
using HwEmu.Emulator.Bus;
using NUnit.Framework;

namespace HwEmu.Tests.Smmu;

public class SmmuRegisterTests
{
    [Test]
    public void IdRegistersReflectTheConfiguration()
    {
        var bed = new SmmuTestBed(new SmmuConfig { Stage2 = false, Granule16K = false, OutputAddressBits = 44, RangeInvalidation = false, Msi = false });
        ulong idr0 = bed.ReadReg(SmmuRegister.Idr0);
        Assert.That(idr0 & 3, Is.EqualTo(2UL), "S1P only");
        Assert.That((idr0 >> 2) & 3, Is.EqualTo(2UL), "TTF AArch64");
        Assert.That((idr0 >> 13) & 1, Is.EqualTo(0UL), "no MSI");
        Assert.That((idr0 >> 27) & 3, Is.EqualTo(1UL), "2-level stream tables");
        Assert.That(bed.ReadReg(SmmuRegister.Idr5), Is.EqualTo(4UL | 1 << 4 | 1 << 6));
        Assert.That((bed.ReadReg(SmmuRegister.Idr3) >> 10) & 1, Is.EqualTo(0UL));
        Assert.That(bed.ReadReg(SmmuRegister.Idr1), Is.EqualTo(16UL | 20 << 6 | 19 << 16 | 19 << 21));
        Assert.That(bed.ReadReg(SmmuRegister.Aidr), Is.EqualTo(1UL));
    }

    [Test]
    public void DefaultIdr0()
    {
        // S2P, S1P, TTF=2, COHACC, HYP, ASID16, MSI, SEV, VMID16, CD2L, TTENDIAN=LE, STALL_MODEL=1, ST_LEVEL=1.
        Assert.That(new SmmuConfig().Idr0, Is.EqualTo(0x094C_721Bu));
    }

    [Test]
    public void Cr0IsAcknowledgedAndBaseRegistersLockWhileEnabled()
    {
        var bed = new SmmuTestBed();
        Assert.That(bed.ReadReg(SmmuRegister.Cr0Ack), Is.EqualTo(0b1101UL));
        bed.Reg(SmmuRegister.StrtabBase, 0x4000);
        Assert.That(bed.ReadReg(SmmuRegister.StrtabBase), Is.EqualTo(SmmuTestBed.StrtabBase), "ignored while SMMUEN = 1");
        bed.Reg(SmmuRegister.CmdqBase, 0x4000);
        Assert.That(bed.ReadReg(SmmuRegister.CmdqBase), Is.EqualTo(SmmuTestBed.CmdqBase | SmmuTestBed.CmdqLog2));
        bed.Reg(SmmuRegister.Cr0, 0);
        bed.Reg(SmmuRegister.StrtabBase, 0x4000_0000_0000_4001UL);
        Assert.That(bed.ReadReg(SmmuRegister.StrtabBase), Is.EqualTo(0x4000_0000_0000_4000UL), "RA kept, low bits RES0");
    }

    [Test]
    public void SixtyFourBitRegistersTakeThirtyTwoBitHalves()
    {
        var bed = new SmmuTestBed(enable: false);
        bed.Reg(SmmuRegister.Cr0, 0);
        var s = bed.Smmu;
        Assert.That(s.Write(0x80, 4, 0x1234_5678, BusAttributes.Cpu), Is.EqualTo(BusStatus.Ok));
        Assert.That(s.Write(0x84, 4, 0x4000_0001, BusAttributes.Cpu), Is.EqualTo(BusStatus.Ok));
        Assert.That(bed.ReadReg(SmmuRegister.StrtabBase), Is.EqualTo(0x4000_0001_1234_5640UL));
        s.Read(0x84, 4, out ulong hi, BusAttributes.Cpu);
        Assert.That(hi, Is.EqualTo(0x4000_0001UL));
        Assert.That(s.Read(0x82, 4, out _, BusAttributes.Cpu), Is.EqualTo(BusStatus.SlaveError), "misaligned");
        Assert.That(s.Read(0x20, 8, out _, BusAttributes.Cpu), Is.EqualTo(BusStatus.SlaveError), "64-bit access to a 32-bit register");
        Assert.That(s.Read(0x800, 4, out ulong rsv, BusAttributes.Cpu), Is.EqualTo(BusStatus.Ok));
        Assert.That(rsv, Is.EqualTo(0UL), "reserved: RAZ");
    }

    [Test]
    public void EventQueuePointersLiveOnPageOne()
    {
        var bed = new SmmuTestBed();
        bed.Translate(999, 0);
        bed.Smmu.Read(0x100A8, 4, out ulong prod, BusAttributes.Cpu);
        Assert.That(prod, Is.EqualTo(1UL));
        bed.Smmu.Write(0x100AC, 4, 1, BusAttributes.Cpu);
        Assert.That(bed.Smmu.Registers[SmmuRegister.EventqCons], Is.EqualTo(1UL));
    }

    [Test]
    public void DumpUsesTheDeclaredNames()
    {
        var bed = new SmmuTestBed();
        string dump = bed.Smmu.DumpRegisters();
        Assert.That(dump, Does.Contain("SMMU_STRTAB_BASE_CFG   0x00088 = 0x00000008"));
        Assert.That(dump, Does.Contain("SMMU_EVENTQ_PROD       0x100a8 = 0x00000000"));
        Assert.That(dump.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(Enum.GetValues<SmmuRegister>().Length));
    }

    [Test]
    public void GerrorToggleAndAcknowledge()
    {
        var bed = new SmmuTestBed();
        bed.Submit(new CmdqCommand(0xff, 0));
        Assert.That(bed.ReadReg(SmmuRegister.Gerror), Is.EqualTo(1UL));
        bed.Reg(SmmuRegister.Gerrorn, 1);
        bed.Reg(SmmuRegister.CmdqProd, bed.ReadReg(SmmuRegister.CmdqProd)); // still the illegal command at CONS
        Assert.That(bed.ReadReg(SmmuRegister.Gerror), Is.EqualTo(0UL), "second error toggles the bit back");
    }
}
