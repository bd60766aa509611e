using NUnit.Framework;
using HwEmu.Devices.Gic;

namespace HwEmu.Tests.Gic;

/// <summary>Observer hooks, the KVM table format, and the no-allocation hot path.</summary>
public class GicObserverAllocationTests
{
    private sealed class CountingObserver : IGicObserver
    {
        public int Commands, Msis, Deliveries;
        public MsiTranslation LastMsi;
        public ItsCommandRecord LastCommand;
        public void OnItsCommand(GicV3Its its, in ItsCommandRecord record) { Commands++; LastCommand = record; }
        public void OnMsiTranslated(GicV3Its its, in MsiTranslation translation) { Msis++; LastMsi = translation; }
        public void OnInterruptDelivered(in GicDelivery delivery) => Deliveries++;
    }

    [Test]
    public void Observer_SeesEveryCommandMsiAndDelivery()
    {
        var m = new ItsTestMachine().Init();
        var o = new CountingObserver();
        m.Gic.Observer = o;
        m.SetConfig(8195, 0xA3);
        m.SendAll(ItsCommand.Mapd(2, 7, ItsTestMachine.Itt(2), true), ItsCommand.Mapc(3, 3, true), ItsCommand.Mapti(2, 20, 8195, 3),
            ItsCommand.Int(2, 20), ItsCommand.Int(2, 99));
        Assert.That(o.Commands, Is.EqualTo(5));
        Assert.That(o.LastCommand.Error, Is.EqualTo(ItsCommandError.IntUnmappedInterrupt));
        Assert.That(o.LastCommand.Offset, Is.EqualTo(4u));
        m.Msi(2, 20);
        m.Msi(5, 20);
        Assert.That(o.Msis, Is.EqualTo(2));
        Assert.That(o.LastMsi.Result, Is.EqualTo(ItsTranslationResult.UnmappedDevice));
        Assert.That(o.Deliveries, Is.EqualTo(2));
    }

    [Test]
    public void WarmTranslation_AllocatesNothing()
    {
        var m = new ItsTestMachine(its: ItsConfig.WithCaches()).Init();
        m.SetConfig(8195, 0xA3);
        m.SendAll(ItsCommand.Mapd(2, 7, ItsTestMachine.Itt(2), true), ItsCommand.Mapc(3, 3, true), ItsCommand.Mapti(2, 20, 8195, 3));
        for (int i = 0; i < 100; i++) m.Msi(2, 20);
        // Run the identical loop once first: tier-up and on-stack replacement of the loop itself allocate a little
        // on this thread the first time, which is JIT work, not the model's.
        WarmLoop(m);
        long before = GC.GetAllocatedBytesForCurrentThread();
        WarmLoop(m);
        long after = GC.GetAllocatedBytesForCurrentThread();
        Assert.That(after - before, Is.EqualTo(0));
        Assert.That(m.Count(3, 8195), Is.EqualTo(40_100));
    }

    private static void WarmLoop(ItsTestMachine m)
    {
        for (int i = 0; i < 10_000; i++)
        {
            m.Its.Translate(2, 20, (ulong)i * 1000);
            m.Msi(2, 20);
        }
    }

    [Test]
    public void KvmAbiFormat_EntriesAndListedCollections()
    {
        var m = new ItsTestMachine(its: new ItsConfig { TableFormat = KvmItsTableFormat.Instance }).Init();
        Assert.That(m.ItsRead(0x8) >> 4 & 0xF, Is.EqualTo(7UL), "8-byte ITEs");
        m.SetConfig(8195, 0xA3);
        m.SendAll(ItsCommand.Mapd(2, 7, ItsTestMachine.Itt(2), true), ItsCommand.Mapc(9, 3, true), ItsCommand.Mapc(4, 1, true),
            ItsCommand.Mapti(2, 20, 8195, 9));
        Assert.That(m.Its.CommandErrors, Is.EqualTo(0));
        Assert.That(m.Mem.Read64(ItsTestMachine.DevTable + 2 * 8), Is.EqualTo((1UL << 63) | ((ItsTestMachine.Itt(2) >> 8) << 5) | 7));
        Assert.That(m.Mem.Read64(ItsTestMachine.CollTable), Is.EqualTo((1UL << 63) | (3UL << 16) | 9), "first list slot: ICID 9");
        Assert.That(m.Mem.Read64(ItsTestMachine.CollTable + 8), Is.EqualTo((1UL << 63) | (1UL << 16) | 4));
        Assert.That(m.Mem.Read64(ItsTestMachine.Itt(2) + 20 * 8), Is.EqualTo((8195UL << 16) | 9));
        m.Msi(2, 20);
        Assert.That(m.Count(3, 8195), Is.EqualTo(1));
        // Unmapping ICID 9 moves the last entry (ICID 4) into its slot.
        m.Send(ItsCommand.Mapc(9, 0, false));
        Assert.That(m.Mem.Read64(ItsTestMachine.CollTable), Is.EqualTo((1UL << 63) | (1UL << 16) | 4));
        Assert.That(m.Mem.Read64(ItsTestMachine.CollTable + 8), Is.EqualTo(0UL));
        Assert.That(m.Its.Translate(2, 20, 0), Is.EqualTo(ItsTranslationResult.UnmappedCollection));
        m.Send(ItsCommand.Movi(2, 20, 4));
        Assert.That(m.Its.LastError, Is.EqualTo(ItsCommandError.MoviUnmappedCollection), "the event's own collection is gone");
        m.Send(ItsCommand.Mapti(2, 20, 8195, 4));
        m.Msi(2, 20);
        Assert.That(m.Count(1, 8195), Is.EqualTo(1));
    }
}
