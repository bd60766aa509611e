using NUnit.Framework;
using HwEmu.Devices.Gic;
using HwEmu.Emulator.Bus;

namespace HwEmu.Tests.Gic;

/// <summary>Each command's exact encoding, its effect on the in-memory tables and on delivery.</summary>
public class ItsCommandTests
{
    [Test]
    public void Encodings_MatchWhatLinuxWroteInTheCapture()
    {
        // Commands 0x0, 0x4, 0x5, 0x11, 0x17 of the command queue in the qemu-virt-its-nvme RAM image.
        Assert.That(ItsCommand.Mapc(0, 0, true), Is.EqualTo(new ItsCommand(0x9, 0, 0x8000_0000_0000_0000, 0)));
        Assert.That(ItsCommand.Mapd(8, 0, 0x481e_3a00, true), Is.EqualTo(new ItsCommand(0x8_0000_0008, 0, 0x8000_0000_481e_3a00, 0)));
        Assert.That(ItsCommand.Mapti(8, 0, 0x2000, 0), Is.EqualTo(new ItsCommand(0x8_0000_000a, 0x2000_0000_0000, 0, 0)));
        Assert.That(ItsCommand.Mapti(8, 1, 0x2001, 0), Is.EqualTo(new ItsCommand(0x8_0000_000a, 0x2001_0000_0001, 0, 0)));
        Assert.That(ItsCommand.Mapd(0x10, 0, 0x433c_c200, true), Is.EqualTo(new ItsCommand(0x10_0000_0008, 0, 0x8000_0000_433c_c200, 0)));
        Assert.That(ItsCommand.Inv(0x10, 1), Is.EqualTo(new ItsCommand(0x10_0000_000c, 1, 0, 0)));
        Assert.That(ItsCommand.Discard(8, 0), Is.EqualTo(new ItsCommand(0x8_0000_000f, 0, 0, 0)));
        Assert.That(ItsCommand.Sync(0), Is.EqualTo(new ItsCommand(0x5, 0, 0, 0)));
        Assert.That(ItsCommand.Invall(0), Is.EqualTo(new ItsCommand(0xd, 0, 0, 0)));
    }

    [Test]
    public void Encodings_OtherCommands()
    {
        Assert.That(ItsCommand.Mapi(3, 0x2005, 7), Is.EqualTo(new ItsCommand(0x3_0000_000b, 0x2005, 7, 0)));
        Assert.That(ItsCommand.Int(3, 9), Is.EqualTo(new ItsCommand(0x3_0000_0003, 9, 0, 0)));
        Assert.That(ItsCommand.Clear(3, 9), Is.EqualTo(new ItsCommand(0x3_0000_0004, 9, 0, 0)));
        Assert.That(ItsCommand.Movi(3, 9, 2), Is.EqualTo(new ItsCommand(0x3_0000_0001, 9, 2, 0)));
        Assert.That(ItsCommand.Movall(1, 2), Is.EqualTo(new ItsCommand(0xe, 0, 0x1_0000, 0x2_0000)));
        Assert.That(ItsCommand.Mapc(5, 0x80A0, true), Is.EqualTo(new ItsCommand(0x9, 0, 0x8000_0000_80A0_0005, 0)));
        var c = ItsCommand.Mapti(0x10, 1, 0x2003, 0);
        Assert.That(c.Type, Is.EqualTo(ItsCommandType.Mapti));
        Assert.That((c.DeviceId, c.EventId, c.PhysicalId, c.Icid), Is.EqualTo((0x10u, 1u, 0x2003u, (ushort)0)));
        Assert.That(c.ToString(), Is.EqualTo("MAPTI DeviceID 0x10 EventID 0x1 ICID 0x0 pINTID 0x2003"));
        Span<byte> b = stackalloc byte[32];
        c.Write(b);
        Assert.That(ItsCommand.Read(b), Is.EqualTo(c));
    }

    [Test]
    public void Mapd_Mapc_Mapti_WriteQemuFormatEntries()
    {
        var m = new ItsTestMachine().Init();
        m.SendAll(ItsCommand.Mapd(2, 7, 0x4200_2000, true), ItsCommand.Mapc(3, 3, true), ItsCommand.Mapti(2, 20, 8195, 3));
        Assert.That(m.Mem.Read64(ItsTestMachine.DevTable + 2 * 8), Is.EqualTo(0x1080_080FUL), "VALID | Size 7 << 1 | (ITT >> 8) << 6");
        Assert.That(m.Mem.Read64(ItsTestMachine.CollTable + 3 * 8), Is.EqualTo(7UL), "VALID | RDbase 3 << 1");
        ulong ite = ItsTestMachine.Itt(2) + 20 * 12;
        Assert.That(m.Mem.Read64(ite), Is.EqualTo(0x0000_0003_0000_800FUL), "VALID | physical | 8195 << 2 | ICID 3 << 32");
        Assert.That(m.Mem.Read32(ite + 8), Is.EqualTo(1023u), "doorbell");
        m.Send(ItsCommand.Mapd(2, 0, 0, false));
        Assert.That(m.Mem.Read64(ItsTestMachine.DevTable + 2 * 8), Is.EqualTo(0UL));
        m.Send(ItsCommand.Mapc(3, 0, false));
        Assert.That(m.Mem.Read64(ItsTestMachine.CollTable + 3 * 8), Is.EqualTo(0UL));
        Assert.That(m.Its.CommandErrors, Is.EqualTo(0));
        Assert.That(m.Its.CommandsProcessed, Is.EqualTo(5));
    }

    [Test]
    public void Mapi_UsesEventIdAsLpi()
    {
        var m = new ItsTestMachine().Init();
        m.SetConfig(8200, 0xA3);
        m.SendAll(ItsCommand.Mapd(1, 15, ItsTestMachine.Itt(1), true), ItsCommand.Mapc(0, 1, true), ItsCommand.Mapi(1, 8200, 0));
        Assert.That(m.Its.CommandErrors, Is.EqualTo(0));
        Assert.That(m.Msi(1, 8200), Is.EqualTo(BusStatus.Ok));
        Assert.That(m.Count(1, 8200), Is.EqualTo(1));
    }

    private static ItsTestMachine Mapped(GicConfig? gic = null)
    {
        var m = new ItsTestMachine(gic: gic).Init();
        m.SetConfig(8195, 0xA3);
        m.SendAll(ItsCommand.Mapd(2, 7, ItsTestMachine.Itt(2), true), ItsCommand.Mapc(3, 3, true), ItsCommand.Mapc(1, 1, true),
            ItsCommand.Mapti(2, 20, 8195, 3));
        return m;
    }

    [Test]
    public void Clear_RemovesAPendingDisabledLpi()
    {
        var m = Mapped();
        m.SetConfig(8195, 0xA2);
        m.Send(ItsCommand.Inv(2, 20));
        m.Send(ItsCommand.Int(2, 20));
        Assert.That(m.PendingBit(3, 8195), Is.True);
        m.Send(ItsCommand.Clear(2, 20));
        Assert.That(m.PendingBit(3, 8195), Is.False);
        m.SetConfig(8195, 0xA3);
        m.Send(ItsCommand.Inv(2, 20));
        Assert.That(m.TotalDelivered(), Is.EqualTo(0));
    }

    [Test]
    public void Clear_WithdrawsAnUnacknowledgedLpi()
    {
        var m = Mapped(new GicConfig { AutoAcknowledge = false });
        m.Send(ItsCommand.Int(2, 20));
        Assert.That(m.Gic.CpuInterfaces[3].IsSignalled(8195), Is.True);
        m.Send(ItsCommand.Clear(2, 20));
        Assert.That(m.Gic.CpuInterfaces[3].IsSignalled(8195), Is.False);
        Assert.That(m.Gic.CpuInterfaces[3].Acknowledge(), Is.EqualTo(GicCpuInterface.Spurious));
    }

    [Test]
    public void Discard_InvalidatesTheIteAndClearsPending()
    {
        var m = Mapped();
        m.SetConfig(8195, 0xA2);
        m.Send(ItsCommand.Inv(2, 20));
        m.Send(ItsCommand.Int(2, 20));
        m.Send(ItsCommand.Discard(2, 20));
        Assert.That(m.PendingBit(3, 8195), Is.False);
        Assert.That(m.Mem.Read64(ItsTestMachine.Itt(2) + 20 * 12), Is.EqualTo(0UL));
        Assert.That(m.Mem.Read32(ItsTestMachine.Itt(2) + 20 * 12 + 8), Is.EqualTo(0u));
        m.Msi(2, 20);
        Assert.That(m.Its.LastTranslation.Result, Is.EqualTo(ItsTranslationResult.UnmappedEvent));
    }

    [Test]
    public void Movi_MovesThePendingStateAndRewritesTheIcid()
    {
        var m = Mapped();
        m.SetConfig(8195, 0xA2);
        m.Send(ItsCommand.Inv(2, 20));
        m.Send(ItsCommand.Int(2, 20));
        m.Send(ItsCommand.Movi(2, 20, 1));
        Assert.That(m.PendingBit(3, 8195), Is.False);
        Assert.That(m.PendingBit(1, 8195), Is.True);
        Assert.That(m.Mem.Read64(ItsTestMachine.Itt(2) + 20 * 12) >> 32 & 0xFFFF, Is.EqualTo(1UL));
        m.SetConfig(8195, 0xA3);
        m.Send(ItsCommand.Invall(1));
        Assert.That(m.Count(1, 8195), Is.EqualTo(1));
        m.Msi(2, 20);
        Assert.That(m.Count(1, 8195), Is.EqualTo(2));
        Assert.That(m.Count(3, 8195), Is.EqualTo(0));
    }

    [Test]
    public void Movall_MovesEveryPendingLpi()
    {
        var m = Mapped();
        m.SetConfig(8195, 0xA2);
        m.SetConfig(8196, 0xA2);
        m.SendAll(ItsCommand.Mapti(2, 21, 8196, 3), ItsCommand.Invall(3), ItsCommand.Int(2, 20), ItsCommand.Int(2, 21));
        Assert.That(m.Gic.Redistributors[3].PendingLpis(), Is.EqualTo(new uint[] { 8195, 8196 }));
        m.Send(ItsCommand.Movall(3, 1));
        Assert.That(m.Gic.Redistributors[3].PendingLpis(), Is.Empty);
        Assert.That(m.Gic.Redistributors[1].PendingLpis(), Is.EqualTo(new uint[] { 8195, 8196 }));
        m.Send(ItsCommand.Movall(1, 1));
        Assert.That(m.Its.CommandErrors, Is.EqualTo(0));
    }

    [Test]
    public void Inv_DeliversAPendingLpiOnceEnabled()
    {
        var m = Mapped();
        m.SetConfig(8195, 0xA2);
        m.SendAll(ItsCommand.Inv(2, 20), ItsCommand.Int(2, 20));
        m.SetConfig(8195, 0xA3);
        m.Send(ItsCommand.Sync(3));
        Assert.That(m.TotalDelivered(), Is.EqualTo(0), "SYNC does not re-read the configuration");
        m.Send(ItsCommand.Inv(2, 20));
        Assert.That(m.Count(3, 8195), Is.EqualTo(1));
    }

    [Test]
    public void RepeatedMsiWhileUnacknowledged_MergesIntoOne()
    {
        var m = Mapped(new GicConfig { AutoAcknowledge = false });
        Assert.That(m.Its.Translate(2, 20, 0), Is.EqualTo(ItsTranslationResult.Delivered));
        Assert.That(m.Its.Translate(2, 20, 0), Is.EqualTo(ItsTranslationResult.Merged));
        Assert.That(m.Gic.CpuInterfaces[3].PendingCount, Is.EqualTo(1));
        Assert.That(m.Gic.CpuInterfaces[3].Acknowledge(100), Is.EqualTo(8195u));
        Assert.That(m.PendingBit(3, 8195), Is.False);
        Assert.That(m.Gic.CpuInterfaces[3].Acknowledge(100), Is.EqualTo(GicCpuInterface.Spurious));
        Assert.That(m.Its.Translate(2, 20, 0), Is.EqualTo(ItsTranslationResult.Delivered));
    }

    [Test]
    public void CpuInterface_AcknowledgesHighestPriorityThenLowestIntid()
    {
        var m = Mapped(new GicConfig { AutoAcknowledge = false });
        m.SetConfig(8196, 0x80 | 3);
        m.SetConfig(8197, 0xA3);
        m.SendAll(ItsCommand.Mapti(2, 21, 8196, 3), ItsCommand.Mapti(2, 22, 8197, 3), ItsCommand.Invall(3));
        m.Its.Translate(2, 22, 0);
        m.Its.Translate(2, 20, 0);
        m.Its.Translate(2, 21, 0);
        var cpu = m.Gic.CpuInterfaces[3];
        Assert.That(cpu.Acknowledge(), Is.EqualTo(8196u), "priority 0x80 beats 0xa0");
        Assert.That(cpu.Acknowledge(), Is.EqualTo(8195u), "tie → lower INTID");
        Assert.That(cpu.Acknowledge(), Is.EqualTo(8197u));
        var log = cpu.RecentDeliveries();
        Assert.That(log.Select(d => d.IntId), Is.EqualTo(new uint[] { 8196, 8195, 8197 }));
    }

    [Test]
    public void LpisDisabledAtTheRedistributor_AreDropped()
    {
        var m = Mapped();
        m.RdWrite(3, 0, 0, 4);
        Assert.That(m.Its.Translate(2, 20, 0), Is.EqualTo(ItsTranslationResult.LpisDisabled));
        Assert.That(m.PendingBit(3, 8195), Is.False);
    }

    [Test]
    public void LpiBeyondPropbaserIdBits_IsDropped()
    {
        var m = new ItsTestMachine().Init(propIdBits: 13); // 14 bits: LPIs 8192..16383
        m.SetConfig(16384, 0xA3);
        m.SendAll(ItsCommand.Mapd(2, 7, ItsTestMachine.Itt(2), true), ItsCommand.Mapc(0, 0, true), ItsCommand.Mapti(2, 1, 16384, 0));
        Assert.That(m.Its.CommandErrors, Is.EqualTo(0), "16384 < 2^GICD_TYPER.IDbits");
        Assert.That(m.Its.Translate(2, 1, 0), Is.EqualTo(ItsTranslationResult.IntIdOutOfRange));
    }

    [Test]
    public void ReplayOfTheCapturedCommandQueue_ReproducesTheTablesLinuxLeft()
    {
        var mem = new HwEmu.Emulator.Memory.PhysicalMemory();
        mem.LoadImageFile(Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "qemu-virt-its-nvme", "ram.bin.gz"), 0x4000_0000);
        var bus = new SystemBus(mem);
        bus.AddRam(0x4000_0000, 0x1000_0000);
        var gic = new Gicv3(bus, new GicConfig { Cpus = 1 });
        gic.Attach();
        var its = new GicV3Its(gic);
        its.Attach();
        var commands = new List<ItsCommandRecord>();
        gic.Observer = new RecordingObserver(commands);
        ulong dte8 = mem.Read64(0x4326_0000 + 8 * 8), dte16 = mem.Read64(0x4326_0000 + 16 * 8);
        ulong ite = mem.Read64(0x433c_c200 + 12);
        // Same register programming as the capture (see ItsRealWorldTests), then CWRITER = 0x20 commands: the 32
        // commands Linux wrote are executed again over the tables they produced.
        bus.Write(0x0808_0100, 8, 0xf907000042590600, BusAttributes.Cpu);
        bus.Write(0x0808_0108, 8, 0xbc070000425a0600, BusAttributes.Cpu);
        bus.Write(0x0808_0080, 8, 0xb80000004258040f, BusAttributes.Cpu);
        bus.Write(0x0808_0000, 4, 1, BusAttributes.Cpu);
        bus.Write(0x0808_0088, 8, 0x20 << 5, BusAttributes.Cpu);
        Assert.That(its.CommandsProcessed, Is.EqualTo(0x20));
        Assert.That(its.CommandErrors, Is.EqualTo(0));
        Assert.That(commands[0x17].Command.ToString(), Is.EqualTo("MAPD DeviceID 0x10 Size 0x0 ITT_addr 0x433cc200 V 1"));
        Assert.That(commands.Count(c => c.Command.Type == ItsCommandType.Sync), Is.EqualTo(14));
        Assert.That(mem.Read64(0x4326_0000 + 8 * 8), Is.EqualTo(dte8));
        Assert.That(mem.Read64(0x4326_0000 + 16 * 8), Is.EqualTo(dte16));
        Assert.That(mem.Read64(0x433c_c200 + 12), Is.EqualTo(ite));
        Assert.That(bus.Read(0x0808_0090, 8, out ulong creadr, BusAttributes.Cpu), Is.EqualTo(BusStatus.Ok));
        Assert.That(creadr, Is.EqualTo(0x400UL));
    }

    private sealed class RecordingObserver(List<ItsCommandRecord> commands) : IGicObserver
    {
        public void OnItsCommand(GicV3Its its, in ItsCommandRecord record) => commands.Add(record);
        public void OnMsiTranslated(GicV3Its its, in MsiTranslation translation) { }
        public void OnInterruptDelivered(in GicDelivery delivery) { }
    }
}
