using HwEmu.Devices.Host;
using HwEmu.Devices.Host.Iommu;
using HwEmu.Devices.Pcie;
using HostMsiKind = HwEmu.Devices.Host.MsiControllerKind;

namespace HwEmu.Devices.Platform.Machine;

/// <summary>
/// The host's view of a scenario (<see cref="HostPlatform"/> for <see cref="HostSystem"/>), made from the same
/// <see cref="TopologySpec"/> that <see cref="ScenarioFabric"/> turns into the routing fabric, so the IOMMU groups
/// Linux forms and the routes the fabric takes always agree: the ACS controls a port has in the scenario are the ones
/// both see (the host model does not enable more), the bridges alias the same requester IDs, and the iommu-map and
/// msi-map are the same tables.
/// </summary>
public static class ScenarioHostPlatform
{
    /// <summary>Name of the SMMU node in the host's device tree.</summary>
    public static string IommuName(Scenario scenario) => $"smmuv3@{scenario.Platform.Smmu.Base:x}";

    /// <summary>Name of the MSI controller node in the host's device tree.</summary>
    public static string MsiName(Scenario scenario) =>
        (scenario.Platform.Msi.Kind == MsiControllerKind.Its ? "its@" : "v2m@") + scenario.Platform.Msi.Base.ToString("x", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Builds the host platform of <paramref name="scenario"/>.</summary>
    public static HostPlatform Build(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        string iommu = IommuName(scenario), msi = MsiName(scenario);
        MsiControllerSpec m = scenario.Platform.Msi;
        MsiControllerDescription controller = m.Kind == MsiControllerKind.Its
            ? MsiControllerDescription.Its(msi, m.Base)
            : MsiControllerDescription.GicV2m(msi, m.Base);
        if (m.Position == MsiPosition.Upstream) controller = controller with { UpstreamOfIommu = true };
        HostBridgeSpec hb = scenario.Topology.HostBridge;
        return new HostPlatform
        {
            Name = scenario.Name,
            IommuName = iommu,
            IommuBase = scenario.Platform.Smmu.Base,
            IommuOutputBits = Math.Min(scenario.Platform.Smmu.Oas, 48),
            Topology = Topology(scenario.Topology),
            IommuMap = Map(scenario.IommuMap, scenario.IommuMapMask, iommu),
            MsiMap = m.Kind == MsiControllerKind.Its ? Map(scenario.MsiMap, scenario.MsiMapMask, msi) : null,
            MsiControllers = [controller],
            MsiParent = m.Kind == MsiControllerKind.Its ? null : msi,
            HostBridgeWindows =
            [
                new HostBridgeWindow(hb.Mmio32Base, hb.Mmio32Base + hb.Mmio32Size - 1),
                new HostBridgeWindow(hb.Mmio64Base, hb.Mmio64Base + hb.Mmio64Size - 1),
            ],
        };
    }

    /// <summary>The PCI topology the host enumerates: root ports, switches, bridges and endpoints with their ACS controls.</summary>
    public static PciTopology Topology(TopologySpec t)
    {
        ArgumentNullException.ThrowIfNull(t);
        var topo = new PciTopology { KernelEnablesAcs = false };
        foreach (RootPortSpec rp in t.RootPorts)
            topo.Add(Port(rp.Bdf, PciFunctionKind.RootPort, rp.Name, rp.SecondaryBus, rp.Acs));
        foreach (SwitchSpec sw in t.Switches)
        {
            topo.Add(Port(sw.UpstreamBdf, PciFunctionKind.SwitchUpstreamPort, sw.Name, sw.InternalBus, null));
            foreach (SwitchPortSpec dp in sw.DownstreamPorts)
                topo.Add(Port(dp.Bdf, PciFunctionKind.SwitchDownstreamPort, dp.Name, dp.SecondaryBus, dp.Acs));
        }
        foreach (PciBridgeSpec b in t.Bridges)
            topo.Add(new PciFunction(Bdf(b.Bdf), PciFunctionKind.PcieToPciBridge, b.Name) { SecondaryBus = b.SecondaryBus, ClassCode = 0x060400, BindsDriver = false });
        foreach (EndpointSpec ep in t.Endpoints)
        {
            bool conventional = false;
            foreach (PciBridgeSpec b in t.Bridges) if (b.Name == ep.Parent) conventional = true;
            topo.Add(new PciFunction(Bdf(ep.Bdf), conventional ? PciFunctionKind.ConventionalDevice : PciFunctionKind.Endpoint, ep.Name));
        }
        return topo;
    }

    private static PciFunction Port(string bdf, PciFunctionKind kind, string name, int secondaryBus, AcsSpec? acs)
    {
        PciAcs control = Acs(acs);
        return new PciFunction(Bdf(bdf), kind, name)
        {
            SecondaryBus = secondaryBus,
            ClassCode = 0x060400,
            // pcieport binds to root and switch ports, so (device tree) they are probed and grouped like endpoints.
            BindsDriver = true,
            HasAcsCapability = acs is not null,
            AcsCapability = acs is null ? PciAcs.None : control | PciAcs.Required,
            AcsControl = control,
        };
    }

    /// <summary>The host-side ACS control bits of a scenario ACS description.</summary>
    public static PciAcs Acs(AcsSpec? acs)
    {
        if (acs is null) return PciAcs.None;
        PciAcs a = PciAcs.None;
        if (acs.SourceValidation) a |= PciAcs.SV;
        if (acs.RequestRedirect) a |= PciAcs.RR;
        if (acs.CompletionRedirect) a |= PciAcs.CR;
        if (acs.UpstreamForwarding) a |= PciAcs.UF;
        if (acs.EgressControl) a |= PciAcs.EC;
        if (acs.DirectTranslatedP2p) a |= PciAcs.DT;
        return a;
    }

    private static RidMap Map(ValueList<RidMapEntry> entries, uint mask, string target)
    {
        var list = new List<HwEmu.Devices.Pcie.RidMapEntry>();
        foreach (RidMapEntry e in entries) list.Add(new HwEmu.Devices.Pcie.RidMapEntry(e.RidBase, target, e.Base, e.Length));
        return new RidMap(list, mask);
    }

    private static PciBdf Bdf(string text)
    {
        if (!PciBdf.TryParse(text, out PciBdf bdf)) throw new ArgumentException($"bad BDF {text}", nameof(text));
        return bdf;
    }
}
