using HwEmu.Devices.Gic;
using HwEmu.Devices.Pcie;
using HwEmu.Devices.Smmu;
using HwEmu.Emulator.Bus;
using HwEmu.Emulator.Memory;

namespace HwEmu.Devices.Platform.Machine;

/// <summary>
/// The hardware a <see cref="Scenario"/> describes, assembled but not programmed: DRAM behind a system bus, the
/// SMMUv3, the GICv3 with an ITS or a GICv2m frame, the PCIe fabric (<see cref="RootComplex"/>) and one link per
/// endpoint. No host software has run: the SMMU is disabled (SMMU_GBPA decides) and the ITS has no tables. This is
/// what the replay engine rebuilds a recorded platform from; <see cref="MachineBuilder"/> makes it.
/// </summary>
public sealed class MachineHardware
{
    internal MachineHardware(Scenario scenario, PhysicalMemory memory, SystemBus bus, SmmuV3 smmu, Gicv3 gic, GicV3Its? its,
        GicV2mFrame? v2m, RootComplex fabric, PcieLink[] links, int[] endpointNodes, MemoryTimingModel dram)
    {
        Scenario = scenario;
        Memory = memory;
        Bus = bus;
        Smmu = smmu;
        Gic = gic;
        Its = its;
        V2m = v2m;
        Fabric = fabric;
        Links = links;
        EndpointNodes = endpointNodes;
        DramTiming = dram;
    }

    /// <summary>The scenario the machine was built from.</summary>
    public Scenario Scenario { get; }
    /// <summary>Emulated physical memory (DRAM pages are created on first write).</summary>
    public PhysicalMemory Memory { get; }
    /// <summary>Address map: DRAM, SMMU registers, GIC, ITS or GICv2m frame.</summary>
    public SystemBus Bus { get; }
    /// <summary>The SMMUv3 (its <see cref="SmmuV3.MemoryTiming"/> times its table walks).</summary>
    public SmmuV3 Smmu { get; }
    /// <summary>The GICv3 (distributor, redistributors, CPU interfaces).</summary>
    public Gicv3 Gic { get; }
    /// <summary>The ITS when the scenario's MSI controller is an ITS, else null.</summary>
    public GicV3Its? Its { get; }
    /// <summary>The GICv2m frame when the scenario's MSI controller is GICv2m, else null.</summary>
    public GicV2mFrame? V2m { get; }
    /// <summary>The PCIe routing fabric.</summary>
    public RootComplex Fabric { get; }
    /// <summary>Link of each endpoint, in <see cref="TopologySpec.Endpoints"/> order.</summary>
    public IReadOnlyList<PcieLink> Links { get; }
    /// <summary>Fabric node index of each endpoint, in <see cref="TopologySpec.Endpoints"/> order.</summary>
    public IReadOnlyList<int> EndpointNodes { get; }

    /// <summary>DRAM timing of DMA data accesses (the SMMU and the ITS book their table reads on their own models).</summary>
    public MemoryTimingModel DramTiming { get; }

    /// <summary>Index of endpoint <paramref name="name"/> in <see cref="TopologySpec.Endpoints"/>, or -1.</summary>
    public int EndpointIndex(string name)
    {
        var eps = Scenario.Topology.Endpoints;
        for (int i = 0; i < eps.Count; i++) if (eps[i].Name == name) return i;
        return -1;
    }
}
