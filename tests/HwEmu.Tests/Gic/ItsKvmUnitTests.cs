using NUnit.Framework;
using HwEmu.Devices.Gic;

namespace HwEmu.Tests.Gic;

/// <summary>kvm-unit-tests' ITS scenarios (arm/gic.c; reference §3), written as our own tests.</summary>
public class ItsKvmUnitTests
{
    [Test]
    public void ItsIntrospection_IidrAndTyperAreReadOnly_AndTablesAreDiscoverable()
    {
        var m = new ItsTestMachine();
        foreach (uint v in new uint[] { 0xFFFF_FFFF, 0xA5A5_5A5A, 0 })
        {
            m.ItsWrite(0x4, v, 4);
            m.ItsWrite(0x8, v, 4);
            Assert.That(m.ItsRead(0x4, 4), Is.EqualTo(0x43B));
            Assert.That(m.ItsRead(0x8), Is.EqualTo(0x1F_0001_EFB1UL), "QEMU's GITS_TYPER, as read in the capture");
        }
        ulong typer = m.ItsRead(0x8);
        Assert.That((typer >> 4 & 0xF) + 1, Is.EqualTo(12), "ITE size");
        Assert.That((typer >> 8 & 0x1F) + 1, Is.EqualTo(16), "EventID bits");
        Assert.That((typer >> 13 & 0x1F) + 1, Is.EqualTo(16), "DeviceID bits");
        Assert.That((typer >> 36 & 1) == 1 ? (typer >> 32 & 0xF) + 1 : 16, Is.EqualTo(16), "collection ID bits");
        Assert.That(typer >> 19 & 1, Is.EqualTo(0), "PTA = 0");
        var decoded = new GitsTyper(typer);
        Assert.That((decoded.Physical, decoded.Virtual, decoded.IttEntrySize, decoded.EventIdBits, decoded.DeviceIdBits, decoded.Pta, decoded.CollectionIdBits),
            Is.EqualTo((true, false, 12, 16, 16, false, 16)));
        Assert.That(m.Bus.Read(0x080A_0008, 8, out ulong gicrTyper), Is.EqualTo(HwEmu.Emulator.Bus.BusStatus.Ok));
        Assert.That(gicrTyper & 1, Is.EqualTo(1), "GICR_TYPER.PLPIS");
        ulong b0 = m.ItsRead(0x100), b1 = m.ItsRead(0x108);
        Assert.That(b0, Is.EqualTo(0x0107_0000_0000_0200UL));
        Assert.That(b1, Is.EqualTo(0x0407_0000_0000_0200UL));
        Assert.That(b0 >> 56 & 7, Is.EqualTo(1), "device table");
        Assert.That(b1 >> 56 & 7, Is.EqualTo(4), "collection table");
        Assert.That(b0 >> 8 & 3, Is.EqualTo(2), "64 KiB pages");
        for (ulong n = 2; n < 8; n++) Assert.That(m.ItsRead(0x100 + n * 8), Is.EqualTo(0));
    }

    [Test]
    public void ItsTrigger_AllChecks()
    {
        var m = new ItsTestMachine(cpus: 4).Init();
        m.Setup1();
        Assert.That(m.Its.CommandErrors, Is.EqualTo(0));

        // a. INT delivers exactly once to the mapped CPU.
        m.Send(ItsCommand.Int(2, 20));
        Assert.That(m.Count(3, 8195), Is.EqualTo(1));
        Assert.That(m.TotalDelivered(), Is.EqualTo(1));
        m.Send(ItsCommand.Int(7, 255));
        Assert.That(m.Count(2, 8196), Is.EqualTo(1));
        Assert.That(m.TotalDelivered(), Is.EqualTo(2));

        // b. Disabled + INV: INT leaves the LPI pending, undelivered.
        m.SetConfig(8195, 0xA2);
        m.Send(ItsCommand.Inv(2, 20));
        m.Send(ItsCommand.Int(2, 20));
        Assert.That(m.TotalDelivered(), Is.EqualTo(2));
        Assert.That(m.PendingBit(3, 8195), Is.True);

        // c. Re-enabled without INV: a second INT merges; INVALL delivers exactly one.
        m.SetConfig(8195, 0xA3);
        m.Send(ItsCommand.Int(2, 20));
        Assert.That(m.TotalDelivered(), Is.EqualTo(2), "config is cached until INV/INVALL");
        m.Send(ItsCommand.Invall(3));
        Assert.That(m.Count(3, 8195), Is.EqualTo(2));
        Assert.That(m.TotalDelivered(), Is.EqualTo(3));
        Assert.That(m.PendingBit(3, 8195), Is.False);

        // d. Another INT: one more.
        m.Send(ItsCommand.Int(2, 20));
        Assert.That(m.Count(3, 8195), Is.EqualTo(3));

        // e. No LPI after device unmap.
        m.Send(ItsCommand.Mapd(2, 0, 0, false));
        m.Send(ItsCommand.Int(2, 20));
        Assert.That(m.TotalDelivered(), Is.EqualTo(4));
        Assert.That(m.Its.LastError, Is.EqualTo(ItsCommandError.IntUnmappedInterrupt));
        Assert.That(m.Its.Stalled, Is.False);
        Assert.That(m.ItsRead(0x90), Is.EqualTo((ulong)m.QueueIndex << 5));
    }

    [Test]
    public void ItsTrigger_WithoutConfigCache_DeliversWhenEnabledAndInvalidated()
    {
        var m = new ItsTestMachine(cpus: 4, gic: new GicConfig { CacheLpiConfig = false }).Init();
        m.Setup1();
        m.SetConfig(8195, 0xA2);
        m.Send(ItsCommand.Inv(2, 20));
        m.Send(ItsCommand.Int(2, 20));
        Assert.That(m.TotalDelivered(), Is.EqualTo(0));
        m.SetConfig(8195, 0xA3);
        m.Send(ItsCommand.Int(2, 20));
        m.Send(ItsCommand.Invall(3));
        Assert.That(m.Count(3, 8195), Is.EqualTo(1));
        Assert.That(m.TotalDelivered(), Is.EqualTo(1));
    }

    [Test]
    public void ItsTrigger_NoDeliveryAfterDiscard()
    {
        var m = new ItsTestMachine(cpus: 4).Init();
        m.Setup1();
        m.Send(ItsCommand.Discard(7, 255));
        m.Send(ItsCommand.Int(7, 255));
        Assert.That(m.Msi(7, 255), Is.EqualTo(HwEmu.Emulator.Bus.BusStatus.Ok));
        Assert.That(m.TotalDelivered(), Is.EqualTo(0));
        Assert.That(m.Its.LastError, Is.EqualTo(ItsCommandError.IntUnmappedInterrupt));
        Assert.That(m.Its.LastTranslation.Result, Is.EqualTo(ItsTranslationResult.UnmappedEvent));
    }

    [Test]
    public void ItsPendingMigration_PendingTableScannedOnEnableLpis()
    {
        var m = new ItsTestMachine(cpus: 4).Init();
        int pe0 = 3, pe1 = 2;
        m.SendAll(
            ItsCommand.Mapd(2, 7, ItsTestMachine.Itt(2), true),
            ItsCommand.Mapc((ushort)pe0, (ulong)pe0, true),
            ItsCommand.Mapc((ushort)pe1, (ulong)pe1, true));
        m.RdWrite(pe0, 0, 0, 4);
        m.RdWrite(pe1, 0, 0, 4);
        for (uint i = 0; i < 256; i++)
        {
            int pe = (i & 1) != 0 ? pe0 : pe1;
            m.Send(ItsCommand.Mapti(2, i, 8192 + i, (ushort)pe));
            m.SetConfig(8192 + i, 0xA3);
            ulong pa = ItsTestMachine.PendBase + (ulong)pe * 0x1_0000 + (8192 + i) / 8;
            m.Mem.Write8(pa, (byte)(m.Mem.Read8(pa) | 1 << (int)((8192 + i) % 8)));
        }
        m.SendAll(ItsCommand.Invall((ushort)pe0), ItsCommand.Invall((ushort)pe1));
        Assert.That(m.TotalDelivered(), Is.EqualTo(0), "LPIs disabled");
        m.RdWrite(pe0, 0x78, ItsTestMachine.PendBase + (ulong)pe0 * 0x1_0000);
        m.RdWrite(pe1, 0x78, ItsTestMachine.PendBase + (ulong)pe1 * 0x1_0000);
        m.RdWrite(pe0, 0, 1, 4);
        m.RdWrite(pe1, 0, 1, 4);
        Assert.That(m.Gic.CpuInterfaces[pe0].Delivered, Is.EqualTo(128));
        Assert.That(m.Gic.CpuInterfaces[pe1].Delivered, Is.EqualTo(128));
        Assert.That(m.Count(pe0, 8193), Is.EqualTo(1));
        Assert.That(m.Count(pe1, 8192), Is.EqualTo(1));
        Assert.That(m.Gic.Redistributors[pe0].PendingLpis(), Is.Empty);
    }

    [Test]
    public void ItsMigrateUnmappedCollection_MaptiToUnmappedCollectionThenMapc()
    {
        var m = new ItsTestMachine(cpus: 4).Init();
        m.Setup1();
        m.Send(ItsCommand.Mapti(2, 0, 8192, 0));
        Assert.That(m.Its.CommandErrors, Is.EqualTo(0), "the CTE need not be valid for MAPTI");
        m.SetConfig(8192, 0xA3);
        m.Send(ItsCommand.Int(2, 0));
        Assert.That(m.Its.LastError, Is.EqualTo(ItsCommandError.IntUnmappedCollection));
        m.SendAll(ItsCommand.Mapc(0, 0, true), ItsCommand.Invall(0));
        m.Send(ItsCommand.Int(7, 255));
        Assert.That(m.Count(2, 8196), Is.EqualTo(1));
        Assert.That(m.Mem.Read8(ItsTestMachine.PropTable), Is.EqualTo(0xA3));
        m.Send(ItsCommand.Int(2, 0));
        Assert.That(m.Count(0, 8192), Is.EqualTo(1));
        Assert.That(m.TotalDelivered(), Is.EqualTo(2));
    }

    [Test]
    public void MicroBenchLpi_Sequence_DeliversEveryIteration()
    {
        var m = new ItsTestMachine(cpus: 2).Init();
        m.SetConfig(8199, 0xA3);
        m.SendAll(ItsCommand.Mapd(2, 7, ItsTestMachine.Itt(2), true), ItsCommand.Mapc(1, 1, true), ItsCommand.Invall(1),
            ItsCommand.Mapti(2, 20, 8199, 1));
        for (int i = 0; i < 100; i++) m.Send(ItsCommand.Int(2, 20));
        Assert.That(m.Count(1, 8199), Is.EqualTo(100));
    }
}
