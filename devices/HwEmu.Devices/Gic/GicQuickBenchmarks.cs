using System.Diagnostics;
using HwEmu.Emulator.Bus;
using HwEmu.Emulator.Memory;

namespace HwEmu.Devices.Gic;

/// <summary>
/// Quick throughput runs (~0.5 s each) for smoke checks and the CLI; BenchmarkDotNet versions with allocation
/// counts are in perf/HwEmu.Perf/Gic. The machine is programmed only through registers and memory, as a driver would.
/// </summary>
public static class GicQuickBenchmarks
{
    private const ulong Ram = 0x4000_0000, CmdQ = 0x4100_0000, DevTable = 0x4101_0000, CollTable = 0x4102_0000,
        PropTable = 0x4103_0000, PendTable = 0x4110_0000, Itt = 0x4200_0000;

    /// <summary>Devices × events mapped by <see cref="CreateMappedIts"/>.</summary>
    public const int Devices = 4, EventsPerDevice = 16;

    /// <summary>
    /// A 1-CPU GIC with an ITS whose caches hold <see cref="Devices"/> × <see cref="EventsPerDevice"/> mapped events
    /// (LPIs 8192..), CPU interface acknowledging at once.
    /// </summary>
    public static GicV3Its CreateMappedIts(bool caches = true)
    {
        var bus = new SystemBus(new PhysicalMemory());
        bus.AddRam(Ram, 0x1000_0000);
        var gic = new Gicv3(bus, new GicConfig { Cpus = 1, AutoAcknowledge = true });
        gic.Attach();
        var its = new GicV3Its(gic, caches ? ItsConfig.WithCaches() : new ItsConfig());
        its.Attach();
        var cpu = BusAttributes.Cpu;
        ulong its0 = its.Config.BaseAddress;
        bus.Write(its0 + 0x100, 8, DevTable | (1UL << 63) | (1UL << 56) | (7UL << 48) | (2UL << 8), cpu);
        bus.Write(its0 + 0x108, 8, CollTable | (1UL << 63) | (4UL << 56) | (7UL << 48) | (2UL << 8), cpu);
        bus.Write(its0 + 0x80, 8, CmdQ | (1UL << 63) | 15, cpu);
        bus.Write(0x080A_0070, 8, PropTable | 15, cpu);
        bus.Write(0x080A_0078, 8, PendTable, cpu);
        bus.Write(0x080A_0000, 4, 1, cpu);
        bus.Write(its0, 4, 1, cpu);
        uint n = 0;
        Span<byte> b = stackalloc byte[ItsCommand.Size];
        void Send(ItsCommand c, Span<byte> buf)
        {
            c.Write(buf);
            bus.Memory.Write(CmdQ + n * ItsCommand.Size, buf);
            n++;
            bus.Write(its0 + 0x88, 8, (ulong)n << 5, cpu);
        }
        Send(ItsCommand.Mapc(0, 0, true), b);
        for (uint d = 0; d < Devices; d++)
        {
            Send(ItsCommand.Mapd(d, 7, Itt + d * 0x1000, true), b);
            for (uint e = 0; e < EventsPerDevice; e++)
            {
                uint lpi = 8192 + d * EventsPerDevice + e;
                bus.Memory.Write8(PropTable + lpi - 8192, 0xA3);
                Send(ItsCommand.Mapti(d, e, lpi, 0), b);
            }
        }
        Send(ItsCommand.Invall(0), b);
        return its;
    }

    /// <summary>Warm-cache MSI translations, each delivered to and acknowledged by the CPU: "its.translate.warm".</summary>
    public static (string Name, long Operations, double Seconds) ItsTranslateWarm(double seconds = 0.5) => Run("its.translate.warm", CreateMappedIts(true), seconds);

    /// <summary>The same without ITS caches (three table reads per MSI): "its.translate.cold".</summary>
    public static (string Name, long Operations, double Seconds) ItsTranslateCold(double seconds = 0.5) => Run("its.translate.cold", CreateMappedIts(false), seconds);

    private static (string, long, double) Run(string name, GicV3Its its, double seconds)
    {
        ulong now = 0;
        // Untimed warm-up so tiered JIT has produced optimized code before measuring.
        Batches(its, ref now, Math.Min(0.2, seconds));
        long before = its.Gic.CpuInterfaces[0].Delivered;
        var (ops, elapsed) = Batches(its, ref now, seconds);
        long delivered = its.Gic.CpuInterfaces[0].Delivered - before;
        if (delivered != ops) throw new InvalidOperationException($"{name}: {delivered} deliveries for {ops} MSIs");
        return (name, ops, elapsed);
    }

    private static (long Ops, double Seconds) Batches(GicV3Its its, ref ulong now, double seconds)
    {
        long ops = 0;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            for (uint i = 0; i < 4096; i++)
            {
                its.Translate(i & (Devices - 1), (i >> 2) & (EventsPerDevice - 1), now);
                now += 1000;
            }
            ops += 4096;
        }
        sw.Stop();
        return (ops, sw.Elapsed.TotalSeconds);
    }

    /// <summary>GICv2m SETSPI writes through the bus, each delivered: "gicv2m.setspi".</summary>
    public static (string Name, long Operations, double Seconds) GicV2mSetSpi(double seconds = 0.5)
    {
        var bus = new SystemBus(new PhysicalMemory());
        var gic = new Gicv3(bus, new GicConfig { Cpus = 1, AutoAcknowledge = true });
        gic.Attach();
        var frame = new GicV2mFrame("gicv2m", gic.Distributor, 80, 64);
        bus.AddDevice(0x0802_0000, GicV2mFrame.FrameSize, frame);
        bus.Write(0x0800_0000, 4, 2, BusAttributes.Cpu);
        bus.Write(0x0800_0108, 4, 0xFFFF_FFFF, BusAttributes.Cpu);
        bus.Write(0x0800_010C, 4, 0xFFFF_FFFF, BusAttributes.Cpu);
        long ops = 0;
        var sw = Stopwatch.StartNew();
        bool warm = false;
        while (true)
        {
            for (uint i = 0; i < 4096; i++) bus.Write(0x0802_0040, 4, 80 + (i & 63), default);
            ops += 4096;
            if (!warm && sw.Elapsed.TotalSeconds >= Math.Min(0.2, seconds))
            {
                warm = true;   // untimed warm-up done
                ops = 0;
                sw.Restart();
            }
            else if (warm && sw.Elapsed.TotalSeconds >= seconds) break;
        }
        sw.Stop();
        return ("gicv2m.setspi", ops, sw.Elapsed.TotalSeconds);
    }
}
