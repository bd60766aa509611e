using HwEmu.Devices.Gic;
using HwEmu.Devices.Pcie;
using HwEmu.Devices.Smmu;
using HwEmu.Emulator.Bus;
using HwEmu.Emulator.Memory;

namespace HwEmu.Devices.Platform.Machine;

/// <summary>Assembles the machine a validated <see cref="Scenario"/> describes.</summary>
public static class MachineBuilder
{
    /// <summary>
    /// Builds the hardware only — memory, bus, SMMU, GIC with ITS or GICv2m, fabric and links — with no host set-up
    /// and no workloads. Two calls with equal scenarios give machines that behave identically.
    /// </summary>
    public static MachineHardware BuildHardware(Scenario scenario) => BuildHardware(scenario, null);

    /// <summary>
    /// <see cref="BuildHardware(Scenario)"/> with the SMMU and MSI-controller register windows behind
    /// <see cref="RecordingMmioDevice"/>s reporting the host's register writes to <paramref name="registerObserver"/>
    /// (none when null).
    /// </summary>
    public static MachineHardware BuildHardware(Scenario scenario, IRunObserver? registerObserver)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        PlatformSpec p = scenario.Platform;
        var memory = new PhysicalMemory();
        var bus = new SystemBus(memory);
        bus.AddRam(p.Memory.Base, p.Memory.Size, "dram");

        var smmu = new SmmuV3(bus, SmmuConfigFor(scenario), "smmuv3");
        bus.AddDevice(p.Smmu.Base, SmmuRegisterWindow, Recorded(smmu, p.Smmu.Base, RunComponents.Smmu, registerObserver));

        MsiControllerSpec msi = p.Msi;
        var gic = new Gicv3(bus, new GicConfig
        {
            Cpus = msi.CpuCount,
            DistributorBase = msi.GicdBase,
            RedistributorBase = msi.GicrBase,
        });
        // Gicv3.Attach() with the distributor and redistributor windows recorded too: a replay needs the host's
        // GICR_PROPBASER/PENDBASER/CTLR.EnableLPIs writes to deliver LPIs as the run did.
        bus.AddDevice(msi.GicdBase, 0x1_0000, Recorded(gic.Distributor, msi.GicdBase, RunComponents.Gic, registerObserver));
        bus.AddDevice(msi.GicrBase, (ulong)msi.CpuCount * GicConfig.RedistributorStride,
            Recorded(gic.RedistributorRegion, msi.GicrBase, RunComponents.Gic, registerObserver));
        // Each requester books DRAM on its own timing model: the SMMU walker and the ITS book their fetches ahead of
        // the simulated clock (a walk's fetches are booked when it starts), and one shared channel model would make
        // DMA data issued 'now' wait behind accesses that really happen later. Cross-requester DRAM contention is
        // therefore not modelled (docs/architecture.md).
        gic.MemoryTiming = new MemoryTimingModel(MemoryTimingOf(p.Memory));
        GicV3Its? its = null;
        GicV2mFrame? v2m = null;
        if (msi.Kind == MsiControllerKind.Its)
        {
            // An ITS caches DTEs, ITEs and collections (as GIC-600 does); without caches every MSI would re-read its tables.
            its = new GicV3Its(gic, ItsConfig.WithCaches() with { BaseAddress = msi.Base });
            bus.AddDevice(msi.Base, GicV3Its.FrameSize, Recorded(its, msi.Base, RunComponents.MsiController, registerObserver));
        }
        else
        {
            v2m = new GicV2mFrame("gicv2m", gic.Distributor, msi.SpiBase, msi.SpiCount);
            bus.AddDevice(msi.Base, GicV2mFrame.FrameSize, Recorded(v2m, msi.Base, RunComponents.MsiController, registerObserver));
        }

        RootComplex fabric = ScenarioFabric.Build(scenario);
        var eps = scenario.Topology.Endpoints;
        var links = new PcieLink[eps.Count];
        var nodes = new int[eps.Count];
        for (int i = 0; i < eps.Count; i++)
        {
            nodes[i] = fabric.Find(eps[i].Name);
            links[i] = new PcieLink(LinkFor(scenario, eps[i]).ToConfig());
        }
        return new MachineHardware(scenario, memory, bus, smmu, gic, its, v2m, fabric, links, nodes, new MemoryTimingModel(MemoryTimingOf(p.Memory)));
    }

    /// <summary>
    /// Builds the whole machine for a run: the hardware, the host's set-up of every device (domains, mappings, MSI
    /// messages, MSI-X tables) and the device models with their workloads, on a new <see cref="HwEmu.Emulator.Kernel.Simulator"/> seeded
    /// with the scenario's seed. Throws <see cref="HostSetupException"/> when the host refuses the scenario.
    /// </summary>
    public static ScenarioMachine Build(Scenario scenario, HostSetupOptions? options = null, IRunObserver? observer = null)
    {
        MachineHardware hw = BuildHardware(scenario, observer);
        var sim = new HwEmu.Emulator.Kernel.Simulator(scenario.Seed);
        var factories = new List<EndpointModelFactory>();
        foreach (DeviceSpec d in scenario.Devices)
        {
            string ep = string.IsNullOrEmpty(d.Endpoint) ? d.Name : d.Endpoint;
            ulong ws = 0;
            foreach (WorkloadSpec w in scenario.Workloads)
                if (w.Device == d.Name && string.IsNullOrEmpty(w.Target)) ws = Math.Max(ws, w.WorkingSet);
            factories.Add(new EndpointModelFactory(d, scenario.Topology.Endpoints[hw.EndpointIndex(ep)], ws));
        }
        CommandObserverBridge? bridge = null;
        if (observer is not null)
        {
            bridge = new CommandObserverBridge(observer, () => sim.Now);
            hw.Smmu.Observer = bridge;
            hw.Gic.Observer = bridge;
        }
        // Every memory write is reported when it happens, set-up included (the drivers' tables and queue entries, the
        // SMMU's CMD_SYNC completion writes into the queue, the DMA API's page-table updates during the run), so a
        // replay sees memory exactly as the models did at each step.
        bool everyWrite = observer is not null && observer.ReportsEveryMemoryWrite;
        if (everyWrite) hw.Memory.WriteObserver = new MemoryWriteReporter(observer!, sim);
        IReadOnlyList<DeviceBinding> bindings = HostSetup.Run(hw, factories, options, observer, out HostSetup setup);
        var machine = new ScenarioMachine(hw, sim, observer, bindings) { Host = setup };
        foreach (EndpointModel m in machine.Devices) setup.ProgramMsix(m);
        if (observer is not null && !everyWrite) setup.ReportMemory(observer);
        if (everyWrite)
        {
            foreach (var region in hw.Bus.Regions)
                if (region.Device is RecordingMmioDevice r) r.Clock = sim; // the drivers' register writes during the run
        }
        setup.CountInvalidations();
        // Set-up happens before time 0: the run starts with idle DRAM (the drivers' table writes and the ITS
        // commands they issued must not delay the first DMA).
        hw.DramTiming.Reset();
        hw.Smmu.MemoryTiming.Reset();
        hw.Gic.MemoryTiming?.Reset();
        return machine;
    }

    private static IMmioDevice Recorded(IMmioDevice device, ulong baseAddress, ushort component, IRunObserver? observer) =>
        observer is null ? device : new RecordingMmioDevice(device, baseAddress, component, observer);

    /// <summary>The DRAM timing parameters of <paramref name="m"/>.</summary>
    public static MemoryTiming MemoryTimingOf(MemorySpec m) => new(m.LatencyPs, m.BytesPerNanosecond, m.Outstanding);

    /// <summary>Size of the SMMU register window (page 0 and page 1, 64 KiB each).</summary>
    public const ulong SmmuRegisterWindow = 0x2_0000;

    /// <summary>The SMMU implementation a scenario's <see cref="SmmuSpec"/> and memory describe.</summary>
    public static SmmuConfig SmmuConfigFor(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        SmmuSpec s = scenario.Platform.Smmu;
        MemorySpec m = scenario.Platform.Memory;
        CacheReplacement policy = s.TlbPolicy switch
        {
            TlbPolicy.Fifo => CacheReplacement.RoundRobin, // round robin per set is FIFO order of fills
            TlbPolicy.Random => CacheReplacement.Random,
            _ => CacheReplacement.Lru,
        };
        // Spread the walk-cache entries over the levels in the proportions of the default geometry.
        int w = Math.Max(4, s.WalkCacheEntries);
        int[] levels = [Math.Max(1, w / 96), Math.Max(1, w * 7 / 96), Math.Max(1, w * 87 / 96), Math.Max(1, w / 96)];
        return new SmmuConfig
        {
            Stage1 = s.Stages != SmmuStages.Stage2,
            Stage2 = s.Stages != SmmuStages.Stage1,
            OutputAddressBits = s.Oas,
            RangeInvalidation = s.RangeInvalidation,
            Seed = scenario.Seed,
            Tlb = new CacheGeometry(s.TlbEntries, s.TlbWays, policy),
            ConfigCache = new CacheGeometry(s.ConfigCacheEntries, 4, CacheReplacement.Lru),
            WalkCacheS1Entries = levels,
            WalkCacheS2Entries = levels,
            Timing = new SmmuTiming
            {
                ClockHz = s.ClockHz,
                TranslationSlots = s.TranslationSlots,
                WalkSlots = s.ConcurrentWalks,
                Memory = MemoryTimingOf(m),
            },
        };
    }

    /// <summary>The link of <paramref name="endpoint"/>: the override of the root port above it, else the platform default.</summary>
    public static LinkSpec LinkFor(Scenario scenario, EndpointSpec endpoint)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(endpoint);
        string rootPort = RootPortOf(scenario.Topology, endpoint.Parent);
        foreach (RootPortSpec rp in scenario.Topology.RootPorts)
            if (rp.Name == rootPort && rp.Link is not null) return rp.Link;
        return scenario.Platform.Link;
    }

    private static string RootPortOf(TopologySpec t, string name)
    {
        for (int guard = 0; guard < 256; guard++)
        {
            foreach (RootPortSpec rp in t.RootPorts) if (rp.Name == name) return name;
            string? parent = null;
            foreach (SwitchSpec sw in t.Switches)
                foreach (SwitchPortSpec dp in sw.DownstreamPorts) if (dp.Name == name) parent = sw.Parent;
            foreach (PciBridgeSpec b in t.Bridges) if (b.Name == name) parent = b.Parent;
            if (parent is null) return name;
            name = parent;
        }
        return name;
    }
}
