using System.Diagnostics;
using HwEmu.Emulator.Bus;
using HwEmu.Emulator.Memory;

namespace HwEmu.Devices.Smmu;

/// <summary>
/// A ready-made SMMU with one stage-1 stream (StreamID 1, 4 KiB granule, 48-bit VA, 4-level tables) mapping
/// <see cref="Pages"/> consecutive pages, for benchmarks. Built only through registers and memory.
/// </summary>
public sealed class SmmuBenchmarkFixture
{
    /// <summary>Pages mapped from VA <see cref="BaseVa"/>.</summary>
    public const int Pages = 64;
    /// <summary>First mapped VA.</summary>
    public const ulong BaseVa = 0x0000_7f00_0000_0000;

    private readonly SmmuTransaction[] _transactions = new SmmuTransaction[Pages];

    /// <summary>Builds the fixture; <paramref name="cold"/> disables the TLB and walk caches so every translation walks 4 levels.</summary>
    public SmmuBenchmarkFixture(bool cold)
    {
        var mem = new PhysicalMemory();
        var bus = new SystemBus(mem);
        bus.AddRam(0, 1UL << 32);
        var config = cold ? new SmmuConfig { Tlb = new CacheGeometry(0, 0), WalkCacheLevelMask = 0 } : new SmmuConfig();
        Smmu = new SmmuV3(bus, config);
        const ulong strtab = 0x10_0000, cd = 0x20_0000, l0 = 0x30_0000, l1 = 0x30_1000, l2 = 0x30_2000, l3 = 0x30_3000;
        mem.Write64(strtab + 64, 1UL | 0b101 << 1 | cd);                                   // STE 1: S1 translate
        mem.Write64(cd, 16UL | 1UL << 30 | 1UL << 31 | 5UL << 32 | 1UL << 41 | 1UL << 45 | 1UL << 46 | 1UL << 48); // CD: T0SZ 16, ASID 1
        mem.Write64(cd + 8, l0);
        mem.Write64(l0 + ((BaseVa >> 39) & 511) * 8, l1 | 3);
        mem.Write64(l1 + ((BaseVa >> 30) & 511) * 8, l2 | 3);
        mem.Write64(l2 + ((BaseVa >> 21) & 511) * 8, l3 | 3);
        for (int i = 0; i < Pages; i++)
        {
            ulong va = BaseVa + (ulong)i * 0x1000;
            mem.Write64(l3 + ((va >> 12) & 511) * 8, (0x1_0000_0000UL + (ulong)i * 0x1000) | 3 | 1UL << 10 | 1UL << 6 | 3UL << 53);
            _transactions[i] = SmmuTransaction.Read(1, va + 0x40, 64);
        }
        Smmu.Write(0x80, 8, strtab, BusAttributes.Cpu);
        Smmu.Write(0x88, 4, 8, BusAttributes.Cpu);
        Smmu.Write(0x20, 4, 1, BusAttributes.Cpu);
        for (int i = 0; i < Pages; i++) Translate(i); // warm config (and TLB when enabled)
    }

    /// <summary>The SMMU.</summary>
    public SmmuV3 Smmu { get; }

    /// <summary>Translates the <paramref name="i"/>-th page (modulo <see cref="Pages"/>); returns the PA.</summary>
    public ulong Translate(int i)
    {
        Smmu.Translate(_transactions[i & (Pages - 1)], out var r);
        return r.OutputAddress;
    }
}

/// <summary>Quick, non-BenchmarkDotNet throughput runs of the SMMU (for <c>hwemu</c> self-checks).</summary>
public static class SmmuQuickBenchmarks
{
    /// <summary>Translations that hit the TLB, cycling over 64 pages.</summary>
    public static (string Name, long Operations, double Seconds) TlbHit(long operations = 5_000_000)
        => Run("smmu.translate.tlbhit", new SmmuBenchmarkFixture(cold: false), operations);

    /// <summary>Translations that walk all 4 levels (TLB and walk caches disabled, configuration cached).</summary>
    public static (string Name, long Operations, double Seconds) FullWalk(long operations = 1_000_000)
        => Run("smmu.translate.fullwalk", new SmmuBenchmarkFixture(cold: true), operations);

    private static (string, long, double) Run(string name, SmmuBenchmarkFixture f, long operations)
    {
        ulong sink = 0;
        var sw = Stopwatch.StartNew();
        for (long i = 0; i < operations; i++) sink += f.Translate((int)i);
        sw.Stop();
        if (sink == 0) throw new InvalidOperationException($"{name}: translations failed");
        return (name, operations, sw.Elapsed.TotalSeconds);
    }
}
