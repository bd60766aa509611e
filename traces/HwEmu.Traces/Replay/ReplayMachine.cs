using HwEmu.Devices.Gic;
using HwEmu.Devices.Platform;
using HwEmu.Devices.Smmu;
using HwEmu.Emulator.Bus;
using HwEmu.Emulator.Memory;
using HwEmu.Traces.Qemu;

namespace HwEmu.Traces.Replay;

/// <summary>
/// The hardware a replay drives: memory, bus, SMMU, GICv3 and ITS, built from the trace header's platform, with
/// optional overrides of the SMMU's caches and timing taken from a scenario file's <c>platform</c> section.
/// </summary>
public sealed class ReplayMachine
{
    private ReplayMachine(PhysicalMemory memory, SystemBus bus, SmmuV3 smmu, Gicv3 gic, GicV3Its its, string platform)
    {
        Memory = memory;
        Bus = bus;
        Smmu = smmu;
        Gic = gic;
        Its = its;
        Platform = platform;
    }

    /// <summary>Guest physical memory.</summary>
    public PhysicalMemory Memory { get; }
    /// <summary>The system bus (RAM and device frames).</summary>
    public SystemBus Bus { get; }
    /// <summary>The SMMU.</summary>
    public SmmuV3 Smmu { get; }
    /// <summary>The GIC.</summary>
    public Gicv3 Gic { get; }
    /// <summary>The ITS.</summary>
    public GicV3Its Its { get; }
    /// <summary>Description of the platform built.</summary>
    public string Platform { get; }

    /// <summary>
    /// Builds the machine a trace header describes. <paramref name="overrides"/> (from <c>--platform FILE</c>)
    /// replaces the SMMU's TLB, walk-cache and config-cache geometry, translation and walk slots, clock and the
    /// memory timing its walks see; addresses and features stay those of the recorded platform.
    /// </summary>
    /// <exception cref="ReplayException">The header names a platform this version cannot build.</exception>
    public static ReplayMachine Build(string platformText, PlatformSpec? overrides = null)
    {
        if (!QemuVirtPlatform.TryParse(platformText, out var p, out string? error))
        {
            throw new ReplayException($"the trace's platform \"{platformText}\" is not one replay can rebuild (supported: {QemuVirtPlatform.Name})");
        }
        if (error is not null) throw new ReplayException(error);
        SmmuConfig config = p.SmmuConfig();
        string description = p.Describe();
        if (overrides is not null)
        {
            config = Apply(config, overrides);
            description += " with platform overrides";
        }
        var memory = new PhysicalMemory();
        var bus = new SystemBus(memory);
        bus.AddRam(p.RamBase, p.RamSize);
        var smmu = new SmmuV3(bus, config);
        bus.AddDevice(p.SmmuBase, 0x2_0000, smmu);
        var gic = new Gicv3(bus, new GicConfig { Cpus = p.Cpus, DistributorBase = p.GicdBase, RedistributorBase = p.GicrBase });
        gic.Attach();
        var its = new GicV3Its(gic, new ItsConfig { BaseAddress = p.ItsBase });
        its.Attach();
        return new ReplayMachine(memory, bus, smmu, gic, its, description);
    }

    private static SmmuConfig Apply(SmmuConfig c, PlatformSpec spec)
    {
        SmmuSpec s = spec.Smmu;
        var policy = s.TlbPolicy switch
        {
            TlbPolicy.Lru => CacheReplacement.Lru,
            TlbPolicy.Random => CacheReplacement.Random,
            _ => CacheReplacement.RoundRobin, // FIFO fills ways in order: round robin per set
        };
        int perLevel = Math.Max(1, s.WalkCacheEntries / 4);
        return c with
        {
            Tlb = new CacheGeometry(s.TlbEntries, s.TlbWays, policy),
            ConfigCache = new CacheGeometry(s.ConfigCacheEntries, 4, CacheReplacement.RoundRobin),
            WalkCacheS1Entries = [perLevel, perLevel, perLevel, perLevel],
            WalkCacheS2Entries = [perLevel, perLevel, perLevel, perLevel],
            Timing = c.Timing with
            {
                ClockHz = s.ClockHz,
                TranslationSlots = s.TranslationSlots,
                WalkSlots = s.ConcurrentWalks,
                Memory = new MemoryTiming(spec.Memory.LatencyPs, spec.Memory.BytesPerNanosecond, spec.Memory.Outstanding),
            },
        };
    }
}
