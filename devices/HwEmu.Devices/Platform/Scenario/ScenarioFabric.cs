using HwEmu.Devices.Pcie;

namespace HwEmu.Devices.Platform;

/// <summary>Builds the functional PCIe fabric (<see cref="RootComplex"/>) that a validated <see cref="Scenario"/> describes.</summary>
public static class ScenarioFabric
{
    /// <summary>Size of the MSI doorbell window: the GITS_TRANSLATER page (64 KiB frame) or a GICv2m frame (4 KiB).</summary>
    public static ulong DoorbellWindowSize(MsiControllerSpec msi) => msi.Kind == MsiControllerKind.Its ? 0x1_0000UL : 0x1000UL;

    /// <summary>Start of the MSI doorbell window (ITS translation frame at +0x10000, or the v2m frame).</summary>
    public static ulong DoorbellWindowBase(MsiControllerSpec msi) => msi.Kind == MsiControllerKind.Its ? msi.Base + 0x1_0000 : msi.Base;

    /// <summary>Creates the root complex with every port, bridge, endpoint and BAR of <paramref name="scenario"/>.</summary>
    public static RootComplex Build(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        MsiControllerSpec msi = scenario.Platform.Msi;
        var rc = new RootComplex(Map(scenario.IommuMap, scenario.IommuMapMask), Map(scenario.MsiMap, scenario.MsiMapMask),
            DoorbellWindowBase(msi), DoorbellWindowSize(msi), msi.Position == MsiPosition.Upstream);
        TopologySpec t = scenario.Topology;
        foreach (RootPortSpec rp in t.RootPorts) rc.AddRootPort(rp.Name, Rid(rp.Bdf), rp.SecondaryBus, Acs(rp.Acs));
        // Switches may be listed before the port they hang from: add them once their parent exists.
        var pending = new List<SwitchSpec>(t.Switches);
        var bridges = new List<PciBridgeSpec>(t.Bridges);
        while (pending.Count > 0 || bridges.Count > 0)
        {
            int before = pending.Count + bridges.Count;
            for (int i = 0; i < pending.Count; i++)
            {
                SwitchSpec sw = pending[i];
                int parent = rc.Find(sw.Parent);
                if (parent < 0) continue;
                int usp = rc.AddSwitchUpstreamPort(sw.Name, Rid(sw.UpstreamBdf), parent, sw.InternalBus);
                foreach (SwitchPortSpec dp in sw.DownstreamPorts) rc.AddSwitchDownstreamPort(dp.Name, Rid(dp.Bdf), usp, dp.SecondaryBus, Acs(dp.Acs));
                pending.RemoveAt(i--);
            }
            for (int i = 0; i < bridges.Count; i++)
            {
                int parent = rc.Find(bridges[i].Parent);
                if (parent < 0) continue;
                rc.AddPciBridge(bridges[i].Name, Rid(bridges[i].Bdf), parent, bridges[i].SecondaryBus);
                bridges.RemoveAt(i--);
            }
            if (pending.Count + bridges.Count == before) throw new ArgumentException("scenario topology has a dangling parent; validate it first", nameof(scenario));
        }
        foreach (EndpointSpec ep in t.Endpoints)
        {
            int node = rc.AddEndpoint(ep.Name, Rid(ep.Bdf), rc.Find(ep.Parent));
            foreach (BarSpec bar in ep.Bars) rc.AddBar(node, bar.Address, bar.Size);
        }
        return rc;
    }

    /// <summary>The fabric ACS bits of a scenario ACS description.</summary>
    public static FabricAcs Acs(AcsSpec? acs)
    {
        if (acs is null) return FabricAcs.None;
        FabricAcs a = FabricAcs.None;
        if (acs.SourceValidation) a |= FabricAcs.SourceValidation;
        if (acs.RequestRedirect) a |= FabricAcs.RequestRedirect;
        if (acs.CompletionRedirect) a |= FabricAcs.CompletionRedirect;
        if (acs.UpstreamForwarding) a |= FabricAcs.UpstreamForwarding;
        if (acs.EgressControl) a |= FabricAcs.EgressControl;
        if (acs.DirectTranslatedP2p) a |= FabricAcs.DirectTranslatedP2p;
        return a;
    }

    private static IdMap Map(ValueList<RidMapEntry> entries, uint mask)
    {
        var list = new IdMapEntry[entries.Count];
        for (int i = 0; i < list.Length; i++) list[i] = new IdMapEntry(entries[i].RidBase, entries[i].Base, entries[i].Length);
        return new IdMap(list, mask);
    }

    private static ushort Rid(string bdf)
    {
        if (!RoutingIdText.TryParse(bdf, out ushort rid)) throw new ArgumentException($"bad BDF {bdf}", nameof(bdf));
        return rid;
    }
}
