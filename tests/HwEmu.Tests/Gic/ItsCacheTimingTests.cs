using NUnit.Framework;
using HwEmu.Devices.Gic;
using HwEmu.Emulator.Memory;

namespace HwEmu.Tests.Gic;

/// <summary>Translation caches (invalidated only by the commands that require it) and the timing layer's latencies.</summary>
public class ItsCacheTimingTests
{
    private static ItsTestMachine Mapped(ItsConfig its, MemoryTimingModel? timing = null)
    {
        var m = new ItsTestMachine(its: its).Init();
        m.Gic.MemoryTiming = timing;
        m.SetConfig(8195, 0xA3);
        m.SetConfig(8196, 0xA3);
        m.SendAll(ItsCommand.Mapd(2, 7, ItsTestMachine.Itt(2), true), ItsCommand.Mapc(3, 3, true), ItsCommand.Mapc(1, 1, true),
            ItsCommand.Mapti(2, 20, 8195, 3));
        return m;
    }

    [Test]
    public void WarmCache_Hits_AndAStaleIteIsUsedUntilACommandInvalidatesIt()
    {
        var m = Mapped(ItsConfig.WithCaches());
        m.Its.Translate(2, 20, 0);
        m.Its.Translate(2, 20, 0);
        Assert.That(m.Its.IteCache.Hits, Is.EqualTo(1));
        Assert.That(m.Its.CollectionCache.Hits, Is.EqualTo(1));
        // Rewriting the ITE behind the ITS's back is not seen (UNPREDICTABLE architecturally; a cache keeps the old one)...
        m.Mem.Write64(ItsTestMachine.Itt(2) + 20 * 12, 1 | 2 | (8196UL << 2) | (3UL << 32));
        m.Its.Translate(2, 20, 0);
        Assert.That(m.Its.LastTranslation.IntId, Is.EqualTo(8195u));
        // ...nor by INV, SYNC or INVALL, which concern the LPI configuration...
        m.SendAll(ItsCommand.Inv(2, 20), ItsCommand.Sync(3), ItsCommand.Invall(3));
        m.Its.Translate(2, 20, 0);
        Assert.That(m.Its.LastTranslation.IntId, Is.EqualTo(8195u));
        // ...but a MAPTI of that event is.
        m.Send(ItsCommand.Mapti(2, 20, 8196, 1));
        m.Its.Translate(2, 20, 0);
        Assert.That(m.Its.LastTranslation.IntId, Is.EqualTo(8196u));
        Assert.That(m.Its.LastTranslation.Cpu, Is.EqualTo(1));
    }

    [Test]
    public void Discard_MapdAndMapc_InvalidateTheCaches()
    {
        var m = Mapped(ItsConfig.WithCaches());
        m.Its.Translate(2, 20, 0);
        m.Send(ItsCommand.Discard(2, 20));
        Assert.That(m.Its.Translate(2, 20, 0), Is.EqualTo(ItsTranslationResult.UnmappedEvent));

        m.Send(ItsCommand.Mapti(2, 20, 8195, 3));
        m.Its.Translate(2, 20, 0);
        m.Send(ItsCommand.Mapd(2, 0, 0, false));
        Assert.That(m.Its.Translate(2, 20, 0), Is.EqualTo(ItsTranslationResult.UnmappedDevice));

        m.Send(ItsCommand.Mapd(2, 7, ItsTestMachine.Itt(2), true));
        m.Its.Translate(2, 20, 0);
        Assert.That(m.Its.LastTranslation.Cpu, Is.EqualTo(3));
        m.Send(ItsCommand.Mapc(3, 1, true));
        m.Its.Translate(2, 20, 0);
        Assert.That(m.Its.LastTranslation.Cpu, Is.EqualTo(1), "MAPC re-targets the cached collection");
        m.Send(ItsCommand.Movi(2, 20, 1));
        Assert.That(m.Its.CommandErrors, Is.EqualTo(0));
    }

    [Test]
    public void CacheOfOneEntry_EvictsButStaysCorrect()
    {
        var m = Mapped(new ItsConfig { DeviceCacheEntries = 1, IteCacheEntries = 1, CollectionCacheEntries = 1 });
        m.Send(ItsCommand.Mapti(2, 21, 8196, 1));
        for (int i = 0; i < 4; i++)
        {
            m.Its.Translate(2, 20, 0);
            Assert.That(m.Its.LastTranslation.IntId, Is.EqualTo(8195u));
            m.Its.Translate(2, 21, 0);
            Assert.That(m.Its.LastTranslation.IntId, Is.EqualTo(8196u));
        }
        Assert.That(m.Count(3, 8195) + m.Count(1, 8196), Is.EqualTo(8));
    }

    [Test]
    public void Latency_UncachedIsThreeTableReadsPlusTheConfigRead_WarmIsCacheHits()
    {
        // 100 ns memory latency, 1 byte per ps transfer; ITS at 1 GHz: 4 pipeline cycles, 1-cycle cache hits.
        var mt = new MemoryTimingModel(new MemoryTiming(LatencyPs: 100_000, BytesPerNanosecond: 1000, MaxOutstanding: 4));
        var m = Mapped(ItsConfig.WithCaches(), mt);
        m.Its.Translate(2, 20, 1_000_000);
        var t = m.Its.LastTranslation;
        // 4 000 pipeline + DTE hit 1 000 (MAPTI read the DTE, so it is cached) + ITE (100 000 + 12) + CTE (100 000 + 8)
        // + config byte (100 000 + 1) + RD 10 000.
        Assert.That(t.LatencyPs, Is.EqualTo(4_000UL + 1_000 + 100_012 + 100_008 + 100_001 + 10_000));
        var d = m.Gic.CpuInterfaces[3].RecentDeliveries()[^1];
        Assert.That(d.DoorbellPs, Is.EqualTo(1_000_000UL));
        Assert.That(d.LatencyPs, Is.EqualTo(t.LatencyPs));
        m.Its.Translate(2, 20, 2_000_000);
        Assert.That(m.Its.LastTranslation.LatencyPs, Is.EqualTo(4_000UL + 1_000 + 1_000 + 10_000), "ITE and collection hits, config cached");
        Assert.That(m.Gic.CpuInterfaces[3].MaxLatencyPs, Is.EqualTo(315_021UL));
    }

    [Test]
    public void Latency_WithoutCaches_ReadsTheTablesEveryTime()
    {
        var mt = new MemoryTimingModel(new MemoryTiming(LatencyPs: 100_000, BytesPerNanosecond: 1000, MaxOutstanding: 4));
        var m = Mapped(new ItsConfig(), mt);
        m.Its.Translate(2, 20, 1_000_000);
        m.Its.Translate(2, 20, 2_000_000);
        Assert.That(m.Its.LastTranslation.LatencyPs, Is.EqualTo(4_000UL + 100_008 + 100_012 + 100_008 + 10_000));
        Assert.That(m.Its.CommandsCompletePs, Is.GreaterThan(0UL), "commands were timed too");
    }

    [Test]
    public void CurrentTime_IsUsedForMmioDoorbells()
    {
        var m = Mapped(ItsConfig.WithCaches());
        m.Its.CurrentTimePs = 5_000_000;
        m.Msi(2, 20);
        Assert.That(m.Its.LastTranslation.DoorbellPs, Is.EqualTo(5_000_000UL));
        // Pipeline, DTE cache hit (filled by MAPTI), redistributor; no memory timing model attached.
        Assert.That(m.Its.LastTranslation.CompletePs, Is.EqualTo(5_000_000UL + 4_000 + 1_000 + 10_000));
    }
}
