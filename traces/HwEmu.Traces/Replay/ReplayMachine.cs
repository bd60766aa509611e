using HwEmu.Devices.Gic;
using HwEmu.Devices.Platform;
using HwEmu.Devices.Platform.Machine;
using HwEmu.Devices.Smmu;
using HwEmu.Emulator.Bus;
using HwEmu.Emulator.Memory;
using HwEmu.Traces.Format;
using HwEmu.Traces.Qemu;

namespace HwEmu.Traces.Replay;

/// <summary>
/// The hardware a replay drives: memory, bus, SMMU, GICv3 with an ITS or a GICv2m frame, built from the trace
/// header — the QEMU virt machine for an imported QEMU log (<see cref="QemuVirtPlatform"/>), or for a
/// <c>hwemu run</c> recording the scenario JSON in the header through <see cref="MachineBuilder.BuildHardware(Scenario)"/> —
/// with optional overrides of the SMMU's caches and timing taken from a scenario file's <c>platform</c> section.
/// </summary>
public sealed class ReplayMachine
{
    private ReplayMachine(PhysicalMemory memory, SystemBus bus, SmmuV3 smmu, Gicv3 gic, GicV3Its? its, GicV2mFrame? v2m, string platform, string name)
    {
        Memory = memory;
        Bus = bus;
        Smmu = smmu;
        Gic = gic;
        Its = its;
        V2m = v2m;
        Platform = platform;
        Name = name;
    }

    /// <summary>Guest physical memory.</summary>
    public PhysicalMemory Memory { get; }
    /// <summary>The system bus (RAM and device frames).</summary>
    public SystemBus Bus { get; }
    /// <summary>The SMMU.</summary>
    public SmmuV3 Smmu { get; }
    /// <summary>The GIC.</summary>
    public Gicv3 Gic { get; }
    /// <summary>The ITS (null with a GICv2m).</summary>
    public GicV3Its? Its { get; }
    /// <summary>The GICv2m frame (null with an ITS).</summary>
    public GicV2mFrame? V2m { get; }
    /// <summary>Description of the platform built.</summary>
    public string Platform { get; }
    /// <summary>Scenario name for the summary.</summary>
    public string Name { get; }
    /// <summary>Simulated length of the recorded run (its scenario's duration; 0 when unknown).</summary>
    public ulong RunDurationPs { get; private init; }
    /// <summary>The scenario of a <c>hwemu run</c> recording (devices, sampling), null for another platform.</summary>
    public Scenario? Scenario { get; private init; }
    /// <summary>SMMU clock of the recorded platform (recorded latencies are in its cycles), before any override.</summary>
    public ulong RecordedSmmuClockHz { get; private init; } = 1_000_000_000;

    /// <summary>
    /// Builds the machine a trace header describes. <paramref name="overrides"/> (from <c>--platform FILE</c>)
    /// replaces the SMMU's TLB, walk-cache and config-cache geometry, translation and walk slots, clock and the
    /// memory timing its walks see; addresses and features stay those of the recorded platform.
    /// </summary>
    /// <exception cref="ReplayException">The header names a platform this version cannot build.</exception>
    public static ReplayMachine Build(TraceHeader header, PlatformSpec? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (header.Scenario.StartsWith('{'))
        {
            Scenario scenario;
            try
            {
                scenario = ScenarioLoader.Parse(header.Scenario, "the trace header's scenario");
            }
            catch (ScenarioException e)
            {
                throw new ReplayException(e.Message, e);
            }
            return Build(scenario, overrides);
        }
        return Build(header.Platform, overrides);
    }

    /// <summary>Builds the hardware of <paramref name="scenario"/> (a <c>hwemu run</c> recording's platform).</summary>
    public static ReplayMachine Build(Scenario scenario, PlatformSpec? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        string description = "scenario " + scenario.Name;
        ulong recordedClock = scenario.Platform.Smmu.ClockHz;
        if (overrides is not null)
        {
            PlatformSpec p = scenario.Platform;
            SmmuSpec o = overrides.Smmu;
            scenario = scenario with
            {
                Platform = p with
                {
                    Smmu = p.Smmu with
                    {
                        ClockHz = o.ClockHz, TlbEntries = o.TlbEntries, TlbWays = o.TlbWays, TlbPolicy = o.TlbPolicy,
                        WalkCacheEntries = o.WalkCacheEntries, ConfigCacheEntries = o.ConfigCacheEntries,
                        TranslationSlots = o.TranslationSlots, ConcurrentWalks = o.ConcurrentWalks,
                    },
                    Memory = p.Memory with
                    {
                        LatencyPs = overrides.Memory.LatencyPs, BytesPerNanosecond = overrides.Memory.BytesPerNanosecond,
                        Outstanding = overrides.Memory.Outstanding,
                    },
                },
            };
            description += " with platform overrides";
        }
        MachineHardware hw = MachineBuilder.BuildHardware(scenario);
        return new ReplayMachine(hw.Memory, hw.Bus, hw.Smmu, hw.Gic, hw.Its, hw.V2m, description, scenario.Name) { RecordedSmmuClockHz = recordedClock, RunDurationPs = scenario.Run.DurationPs, Scenario = scenario };
    }

    /// <summary>Builds the machine a platform description names (<see cref="QemuVirtPlatform"/>).</summary>
    /// <exception cref="ReplayException">Not a platform this version can build.</exception>
    public static ReplayMachine Build(string platformText, PlatformSpec? overrides = null)
    {
        if (!QemuVirtPlatform.TryParse(platformText, out var p, out string? error))
        {
            throw new ReplayException($"the trace's platform \"{platformText}\" is not one replay can rebuild (supported: {QemuVirtPlatform.Name}, or a scenario recorded by hwemu run)");
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
        bus.AddDevice(p.SmmuBase, MachineBuilder.SmmuRegisterWindow, smmu);
        var gic = new Gicv3(bus, new GicConfig { Cpus = p.Cpus, DistributorBase = p.GicdBase, RedistributorBase = p.GicrBase });
        gic.Attach();
        var its = new GicV3Its(gic, new ItsConfig { BaseAddress = p.ItsBase });
        its.Attach();
        return new ReplayMachine(memory, bus, smmu, gic, its, null, description, QemuVirtPlatform.Name) { RecordedSmmuClockHz = p.SmmuConfig().Timing.ClockHz };
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
