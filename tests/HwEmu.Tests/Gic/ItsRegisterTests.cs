using NUnit.Framework;
using HwEmu.Devices.Gic;
using HwEmu.Emulator.Bus;

namespace HwEmu.Tests.Gic;

/// <summary>The declared ITS register file: reset values, read-only fields, side effects, table geometry.</summary>
public class ItsRegisterTests
{
    [Test]
    public void ResetValues()
    {
        var m = new ItsTestMachine();
        Assert.That(m.ItsRead(0x0, 4), Is.EqualTo(0x8000_0000UL), "Quiescent, disabled");
        Assert.That(m.ItsRead(0x80), Is.EqualTo(0UL));
        Assert.That(m.ItsRead(0x88), Is.EqualTo(0UL));
        Assert.That(m.ItsRead(0x90), Is.EqualTo(0UL));
        Assert.That(m.ItsRead(0xFFE8, 4), Is.EqualTo(0x3BUL), "GITS_PIDR2 as read by Linux in the capture");
    }

    [Test]
    public void Baser_EntrySizeAndTypeAreReadOnly_AndHigherBasersAreRazWi()
    {
        var m = new ItsTestMachine();
        m.ItsWrite(0x100, 0x7800_0000_0000_0400UL);   // what Linux 6.1 probes with (trace)
        Assert.That(m.ItsRead(0x100), Is.EqualTo(0x7907_0000_0000_0400UL), "read back as in the trace");
        m.ItsWrite(0x110, ulong.MaxValue);
        Assert.That(m.ItsRead(0x110), Is.EqualTo(0UL));
    }

    [Test]
    public void CbaserAndBaser_AreReadOnlyWhileEnabled()
    {
        var m = new ItsTestMachine().Init();
        ulong cb = m.ItsRead(0x80), b0 = m.ItsRead(0x100);
        m.ItsWrite(0x80, 0);
        m.ItsWrite(0x100, 0);
        Assert.That(m.ItsRead(0x80), Is.EqualTo(cb));
        Assert.That(m.ItsRead(0x100), Is.EqualTo(b0));
        Assert.That(m.ItsRead(0x0, 4), Is.EqualTo(1UL), "Enabled, not quiescent");
    }

    [Test]
    public void CwriterWrittenAs32BitHalves_ProcessesTheQueue()
    {
        var m = new ItsTestMachine().Init();
        Span<byte> b = stackalloc byte[32];
        ItsCommand.Mapc(0, 0, true).Write(b);
        m.Mem.Write(ItsTestMachine.CmdQ, b);
        m.ItsWrite(0x88, 0x20, 4);
        m.ItsWrite(0x8C, 0, 4);
        Assert.That(m.ItsRead(0x90, 4), Is.EqualTo(0x20UL));
        Assert.That(m.Its.CommandsProcessed, Is.EqualTo(1));
    }

    [Test]
    public void BadAccesses_AreRazWiOrSlaveErrors_NeverExceptions()
    {
        var m = new ItsTestMachine();
        Assert.That(m.Bus.Read(ItsTestMachine.ItsBase + 0x200, 4, out ulong v, BusAttributes.Cpu), Is.EqualTo(BusStatus.Ok));
        Assert.That(v, Is.EqualTo(0UL));
        Assert.That(m.Bus.Write(ItsTestMachine.ItsBase + 0x200, 4, 5, BusAttributes.Cpu), Is.EqualTo(BusStatus.Ok));
        Assert.That(m.Bus.Read(ItsTestMachine.ItsBase, 1, out _, BusAttributes.Cpu), Is.EqualTo(BusStatus.SlaveError));
        Assert.That(m.Bus.Read(ItsTestMachine.ItsBase + 0x1_0040, 4, out v, BusAttributes.Cpu), Is.EqualTo(BusStatus.Ok));
        Assert.That(v, Is.EqualTo(0UL), "translation page reads RES0");
        Assert.That(m.Bus.Write(ItsTestMachine.Translater, 8, 0, default), Is.EqualTo(BusStatus.SlaveError));
        Assert.That(m.Its.Registers.BadAccesses, Is.EqualTo(3));
    }

    [Test]
    public void Dump_UsesTheDeclaredNames()
    {
        var m = new ItsTestMachine().Init();
        string dump = m.Its.Dump();
        Assert.That(dump, Does.Contain("GITS_CTLR"));
        Assert.That(dump, Does.Contain("GITS_TYPER           0x00008  0x0000001f0001efb1"));
        Assert.That(dump, Does.Contain($"GITS_CBASER          0x00080  0x{ItsTestMachine.CmdQ | 15 | (1UL << 63):x16}"));
        Assert.That(dump, Does.Contain("GITS_BASER0"));
        Assert.That(dump, Does.Not.Contain("GITS_BASER2"), "array instances at reset are left out");
        Assert.That(m.Gic.Redistributors[0].Registers.Dump(), Does.Contain("GICR_PROPBASER"));
        Assert.That(m.Its.Registers.Registers.Select(r => r.Name), Does.Contain("GITS_TRANSLATER"));
    }

    [Test]
    public void TwoLevelDeviceTable_4KiBPages()
    {
        var m = new ItsTestMachine();
        ulong baser = ItsTestMachine.DevTable | (1UL << 63) | (1UL << 62) | (1UL << 56) | (7UL << 48) | (0UL << 8) | 0; // 1 page of L1
        m.Init(deviceBaser: baser);
        Assert.That(m.Its.DeviceTable.Entries, Is.EqualTo(65536UL), "512 L1 entries × 512 DTEs, capped at 2^16");
        m.Send(ItsCommand.Mapd(600, 1, ItsTestMachine.Itt(600), true));
        Assert.That(m.Its.LastError, Is.EqualTo(ItsCommandError.MapdDeviceOor), "no level-2 page for 600/512 = 1");
        m.Mem.Write64(ItsTestMachine.DevTable + 8, 0x4300_0000UL | (1UL << 63));
        m.Send(ItsCommand.Mapd(600, 1, ItsTestMachine.Itt(600), true));
        Assert.That(m.Its.CommandErrors, Is.EqualTo(1));
        Assert.That(m.Mem.Read64(0x4300_0000 + (600 - 512) * 8), Is.EqualTo(1UL | (1 << 1) | ((ItsTestMachine.Itt(600) >> 8) << 6)));
        m.SetConfig(8300, 0xA3);
        m.SendAll(ItsCommand.Mapc(0, 0, true), ItsCommand.Mapti(600, 3, 8300, 0));
        Assert.That(m.Its.Translate(600, 3, 0), Is.EqualTo(ItsTranslationResult.Delivered));
        Assert.That(m.Its.Translate(100, 3, 0), Is.EqualTo(ItsTranslationResult.UnmappedDevice));
    }

    [TestCase(0UL, 4096, 2UL, 1536UL)]
    [TestCase(1UL, 16384, 0UL, 2048UL)]
    [TestCase(2UL, 65536, 0UL, 8192UL)]
    [TestCase(3UL, 65536, 1UL, 16384UL)]
    public void FlatTableGeometry(ulong pageSizeField, int pageSize, ulong sizeField, ulong entries)
    {
        var t = new ItsTable((1UL << 63) | 0x4100_0000UL | (pageSizeField << 8) | sizeField, 8, 16);
        Assert.That(t.PageSize, Is.EqualTo(pageSize));
        Assert.That(t.Entries, Is.EqualTo(entries));
        Assert.That(t.Base, Is.EqualTo(0x4100_0000UL));
    }

    [Test]
    public void Table64KiBPages_TakeAddressBits51To48FromBits15To12()
    {
        var t = new ItsTable((1UL << 63) | 0x0000_1234_5678_0000UL | (0xAUL << 12) | (2UL << 8), 8, 16);
        Assert.That(t.Base, Is.EqualTo(0x000A_1234_5678_0000UL));
    }

    [Test]
    public void Pta_RdBaseIsTheRedistributorAddress()
    {
        var m = new ItsTestMachine(its: new ItsConfig { Pta = true }).Init();
        Assert.That(m.ItsRead(0x8) >> 19 & 1, Is.EqualTo(1UL));
        ulong rd2 = m.Gic.Redistributors[2].BaseAddress;
        Assert.That(rd2, Is.EqualTo(0x080A_0000UL + 2 * 0x2_0000));
        m.SetConfig(8195, 0xA3);
        m.SendAll(ItsCommand.Mapd(2, 7, ItsTestMachine.Itt(2), true), ItsCommand.Mapc(1, rd2 >> 16, true), ItsCommand.Mapti(2, 20, 8195, 1));
        Assert.That(m.Its.CommandErrors, Is.EqualTo(0));
        m.Msi(2, 20);
        Assert.That(m.Count(2, 8195), Is.EqualTo(1));
        m.Send(ItsCommand.Mapc(1, 2, true));
        Assert.That(m.Its.LastError, Is.EqualTo(ItsCommandError.MapcProcnumOor), "a processor number is not an RD address");
    }

    [Test]
    public void RedistributorRegisters()
    {
        var m = new ItsTestMachine(cpus: 2);
        Assert.That(m.Bus.Read(0x080A_0008, 8, out ulong t0, BusAttributes.Cpu), Is.EqualTo(BusStatus.Ok));
        Assert.That(m.Bus.Read(0x080C_0008, 8, out ulong t1, BusAttributes.Cpu), Is.EqualTo(BusStatus.Ok));
        Assert.That(t0, Is.EqualTo(1UL), "PLPIS, processor 0, not last");
        Assert.That(t1, Is.EqualTo(0x0000_0001_0000_0111UL), "PLPIS, Last, processor 1, Aff0 1");
        m.RdWrite(0, 0x70, 0x425b078f);
        m.RdWrite(0, 0x0, 1, 4);
        m.RdWrite(0, 0x70, 0);
        Assert.That(m.Gic.Redistributors[0].Registers.Get("GICR_PROPBASER"), Is.EqualTo(0x425b078fUL), "ignored while EnableLPIs");
        m.RdWrite(0, 0x14, 0, 4);
        Assert.That(m.Bus.Read(0x080A_0014, 4, out ulong waker, BusAttributes.Cpu), Is.EqualTo(BusStatus.Ok));
        Assert.That(waker, Is.EqualTo(0UL), "awake: ChildrenAsleep follows ProcessorSleep");
        Assert.That(m.Bus.Read(0x080E_0000, 4, out _, BusAttributes.Cpu), Is.EqualTo(BusStatus.DecodeError));
    }
}
