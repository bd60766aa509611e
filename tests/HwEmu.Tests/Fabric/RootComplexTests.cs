using HwEmu.Devices.Pcie;
using HwEmu.Devices.Platform;
using NUnit.Framework;

namespace HwEmu.Tests.Fabric;

public class IdMapTests
{
    [Test]
    public void IdentityMapsEveryRid()
    {
        for (int rid = 0; rid < 0x10000; rid += 257)
        {
            Assert.That(IdMap.Identity.TryMap((ushort)rid, out uint id), Is.True);
            Assert.That(id, Is.EqualTo((uint)rid));
        }
    }

    [Test]
    public void EntriesBasesLengthsAndFirstMatchWins()
    {
        // Like a devicetree "iommu-map = <0x0 &smmu 0x10000 0x100>, <0x100 &smmu 0x20000 0x100>, <0x80 &smmu 0x9999 0x10>".
        var map = new IdMap([new IdMapEntry(0, 0x10000, 0x100), new IdMapEntry(0x100, 0x20000, 0x100), new IdMapEntry(0x80, 0x9999, 0x10)]);
        Assert.That(map.TryMap(0x0000, out uint a) && a == 0x10000, Is.True);
        Assert.That(map.TryMap(0x00ff, out uint b) && b == 0x100ff, Is.True);
        Assert.That(map.TryMap(0x0100, out uint c) && c == 0x20000, Is.True);
        Assert.That(map.TryMap(0x0185, out uint d) && d == 0x20085, Is.True);
        Assert.That(map.TryMap(0x0085, out uint e) && e == 0x10085, Is.True, "earlier entry wins over the overlapping third");
        Assert.That(map.TryMap(0x0200, out _), Is.False);
        Assert.That(map.TryMap(0xffff, out _), Is.False);
    }

    [Test]
    public void MaskIsAppliedBeforeLookup()
    {
        // iommu-map-mask = 0xfff8: all functions of a device share one StreamID.
        var map = new IdMap([new IdMapEntry(0x0100, 0x40, 0x100)], 0xfff8);
        for (ushort fn = 0; fn < 8; fn++)
        {
            Assert.That(map.TryMap((ushort)(0x0108 | fn), out uint id), Is.True);
            Assert.That(id, Is.EqualTo(0x48u));
        }
        // Mask 0 (all RIDs to one ID, as for a single-StreamID host bridge).
        var single = new IdMap([new IdMapEntry(0, 7, 1)], 0);
        Assert.That(single.TryMap(0xabcd, out uint s) && s == 7, Is.True);
    }

    [Test]
    public void ExhaustiveAgainstReferenceDefinition()
    {
        IdMapEntry[] entries = [new(0x10, 0x1000, 0x30), new(0x300, 0, 0x200), new(0x8000, 0xffff_0000, 0x8000)];
        foreach (uint mask in new uint[] { 0xffff, 0xff00, 0x7fff })
        {
            var map = new IdMap(entries, mask);
            for (int rid = 0; rid < 0x10000; rid++)
            {
                uint m = (uint)rid & mask;
                uint? expected = null;
                foreach (IdMapEntry e in entries)
                    if (m >= e.RidBase && m < e.RidBase + e.Length) { expected = e.Base + m - e.RidBase; break; }
                bool ok = map.TryMap((ushort)rid, out uint id);
                if (ok != expected.HasValue || (ok && id != expected)) Assert.Fail($"rid 0x{rid:x4} mask 0x{mask:x}: got {ok}/{id:x}, expected {expected:x}");
            }
        }
    }
}

public class RootComplexTests
{
    private const ulong ItsDoorbell = 0x0809_0000;

    // rp0 (00:01.0, bus 1) - sw0 usp 01:00.0 (bus 2) - dp0 02:00.0 (bus 3, no ACS) - a 03:00.0 BAR 0x10000000
    //                                                 - dp1 02:01.0 (bus 4, no ACS) - b 04:00.0 BAR 0x10100000
    //                                                 - dp2 02:02.0 (bus 5, ACS)    - c 05:00.0 BAR 0x10200000
    // rp1 (00:02.0, bus 6) - br0 06:00.0 PCIe-to-PCI (bus 7) - d 07:01.0 BAR 0x10300000, e 07:02.0 BAR 0x10400000
    // rp2 (00:03.0, bus 8) - f 08:00.0 BAR 0x10500000
    private static (RootComplex Rc, Dictionary<string, int> N) Build(bool msiUpstream = false, FabricAcs dp1Acs = FabricAcs.None, IdMap? iommu = null)
    {
        var rc = new RootComplex(iommu ?? IdMap.Identity, new IdMap([new IdMapEntry(0, 0x1_0000, 0x10000)]), ItsDoorbell, 0x10000, msiUpstream);
        var n = new Dictionary<string, int>();
        n["rp0"] = rc.AddRootPort("rp0", 0x0008, 1);
        n["usp"] = rc.AddSwitchUpstreamPort("usp", 0x0100, n["rp0"], 2);
        n["dp0"] = rc.AddSwitchDownstreamPort("dp0", 0x0200, n["usp"], 3, FabricAcs.None);
        n["dp1"] = rc.AddSwitchDownstreamPort("dp1", 0x0208, n["usp"], 4, dp1Acs);
        n["dp2"] = rc.AddSwitchDownstreamPort("dp2", 0x0210, n["usp"], 5, FabricAcs.SourceValidation | FabricAcs.RequestRedirect | FabricAcs.CompletionRedirect | FabricAcs.UpstreamForwarding);
        n["a"] = rc.AddEndpoint("a", 0x0300, n["dp0"]);
        n["b"] = rc.AddEndpoint("b", 0x0400, n["dp1"]);
        n["c"] = rc.AddEndpoint("c", 0x0500, n["dp2"]);
        n["rp1"] = rc.AddRootPort("rp1", 0x0010, 6);
        n["br0"] = rc.AddPciBridge("br0", 0x0600, n["rp1"], 7);
        n["d"] = rc.AddEndpoint("d", 0x0708, n["br0"]);
        n["e"] = rc.AddEndpoint("e", 0x0710, n["br0"]);
        n["rp2"] = rc.AddRootPort("rp2", 0x0018, 8);
        n["f"] = rc.AddEndpoint("f", 0x0800, n["rp2"]);
        rc.AddBar(n["a"], 0x1000_0000, 0x4000);
        rc.AddBar(n["b"], 0x1010_0000, 0x10_0000);
        rc.AddBar(n["c"], 0x1020_0000, 0x10_0000);
        rc.AddBar(n["d"], 0x1030_0000, 0x1000);
        rc.AddBar(n["e"], 0x1040_0000, 0x1000);
        rc.AddBar(n["f"], 0x1050_0000, 0x1000);
        return (rc, n);
    }

    [Test]
    public void HostMemoryGoesToSmmuWithStreamIdOfRid()
    {
        var (rc, n) = Build();
        FabricRoute r = rc.Route(n["a"], 0x1_0000_0000, false);
        Assert.That(r, Is.EqualTo(new FabricRoute(FabricRouteKind.ToSmmu, 0x0300, 0x0300, 0x1_0300, false, -1, -1, false)));
    }

    [Test]
    public void PeerBarBelowSwitchWithoutAcsIsPeerToPeer()
    {
        var (rc, n) = Build();
        FabricRoute r = rc.Route(n["a"], 0x1010_0800, true);
        Assert.That(r.Kind, Is.EqualTo(FabricRouteKind.PeerToPeer));
        Assert.That(r.Peer, Is.EqualTo(n["b"]));
        Assert.That(r.RoutedAt, Is.EqualTo(n["dp0"]));
        Assert.That(rc.PeerToPeerCount, Is.EqualTo(1));
        // Reads too (non-posted requests are routed the same way).
        Assert.That(rc.Route(n["b"], 0x1000_0000, false).Peer, Is.EqualTo(n["a"]));
        Assert.That(rc.PeerToPeerCount, Is.EqualTo(2));
    }

    [Test]
    public void IngressPortAcsRequestRedirectSendsPeerRequestUpstream()
    {
        var (rc, n) = Build();
        // c's own port has Request Redirect: its request to a's BAR is redirected to the root complex and the SMMU.
        FabricRoute r = rc.Route(n["c"], 0x1000_0000, true);
        Assert.That(r, Is.EqualTo(new FabricRoute(FabricRouteKind.ToSmmu, 0x0500, 0x0500, 0x1_0500, false, -1, n["dp2"], true)));
        Assert.That(rc.AcsRedirectCount, Is.EqualTo(1));
        Assert.That(rc.PeerToPeerCount, Is.EqualTo(0));
        // Toward c from a (a's ingress port has no ACS): still P2P; redirect is decided at the ingress port.
        Assert.That(rc.Route(n["a"], 0x1020_0000, true).Kind, Is.EqualTo(FabricRouteKind.PeerToPeer));
    }

    [TestCase(FabricAcs.RequestRedirect, true)]
    [TestCase(FabricAcs.EgressControl, true)]
    [TestCase(FabricAcs.SourceValidation | FabricAcs.UpstreamForwarding, false)]
    [TestCase(FabricAcs.CompletionRedirect, false)]
    [TestCase(FabricAcs.None, false)]
    public void WhichAcsBitsRedirect(FabricAcs acs, bool redirected)
    {
        var (rc, n) = Build(dp1Acs: acs);
        FabricRoute r = rc.Route(n["b"], 0x1000_0000, false);
        Assert.That(r.Kind, Is.EqualTo(redirected ? FabricRouteKind.ToSmmu : FabricRouteKind.PeerToPeer));
        Assert.That(r.RedirectedByAcs, Is.EqualTo(redirected));
    }

    [Test]
    public void PeerUnderAnotherRootPortGoesThroughSmmu()
    {
        var (rc, n) = Build();
        FabricRoute r = rc.Route(n["a"], 0x1050_0000, true);
        Assert.That(r.Kind, Is.EqualTo(FabricRouteKind.ToSmmu));
        Assert.That(r.RedirectedByAcs, Is.False);
    }

    [Test]
    public void OwnBarIsNotPeerToPeer()
    {
        var (rc, n) = Build();
        Assert.That(rc.Route(n["a"], 0x1000_0000, false).Kind, Is.EqualTo(FabricRouteKind.ToSmmu));
    }

    [Test]
    public void DevicesBehindPciBridgeUseSecondaryBusDevfn0Alias()
    {
        var (rc, n) = Build();
        Assert.That(rc.UpstreamRequesterId(n["d"]), Is.EqualTo(0x0700));
        Assert.That(rc.UpstreamRequesterId(n["e"]), Is.EqualTo(0x0700));
        Assert.That(rc.DmaAliases(n["d"]), Is.EqualTo(new ushort[] { 0x0708, 0x0700 }));
        FabricRoute r = rc.Route(n["e"], 0x4000_0000, false);
        Assert.That((r.Kind, r.RequesterId, r.StreamId, r.DeviceId), Is.EqualTo((FabricRouteKind.ToSmmu, (ushort)0x0700, 0x0700u, 0x1_0700u)));
        Assert.That(rc.DmaAliases(n["a"]), Is.EqualTo(new ushort[] { 0x0300 }));
    }

    [Test]
    public void BridgeRidAliasMode()
    {
        var rc = new RootComplex(IdMap.Identity, IdMap.Identity, 0, 0, false);
        int rp = rc.AddRootPort("rp", 0x0008, 1);
        int br = rc.AddPciBridge("br", 0x0100, rp, 2, PciBridgeAlias.BridgeRid);
        int ep = rc.AddEndpoint("ep", 0x0218, br);
        Assert.That(rc.UpstreamRequesterId(ep), Is.EqualTo(0x0100));
        Assert.That(rc.DmaAliases(ep), Is.EqualTo(new ushort[] { 0x0218, 0x0100 }));
    }

    [Test]
    public void NestedBridgesTopmostOwnsTheTransaction()
    {
        var rc = new RootComplex(IdMap.Identity, IdMap.Identity, 0, 0, false);
        int rp = rc.AddRootPort("rp", 0x0008, 1);
        int br1 = rc.AddPciBridge("br1", 0x0100, rp, 2);
        int br2 = rc.AddPciBridge("br2", 0x0208, br1, 3);
        int ep = rc.AddEndpoint("ep", 0x0300, br2);
        Assert.That(rc.UpstreamRequesterId(ep), Is.EqualTo(0x0200));
        Assert.That(rc.DmaAliases(ep), Is.EqualTo(new ushort[] { 0x0300, 0x0300, 0x0200 }.Distinct()));
    }

    [Test]
    public void PeersOnTheSameConventionalBusTalkDirectly()
    {
        var (rc, n) = Build();
        FabricRoute r = rc.Route(n["d"], 0x1040_0010, true);
        Assert.That((r.Kind, r.Peer, r.RoutedAt), Is.EqualTo((FabricRouteKind.PeerToPeer, n["e"], n["br0"])));
    }

    [Test]
    public void MsiDownstreamIsTranslatedUpstreamBypasses()
    {
        var (down, n) = Build(msiUpstream: false);
        FabricRoute r = down.Route(n["a"], ItsDoorbell + 0x40, true);
        Assert.That((r.Kind, r.IsMsi, r.StreamId, r.DeviceId), Is.EqualTo((FabricRouteKind.ToSmmu, true, 0x0300u, 0x1_0300u)));
        Assert.That(down.MsiBypassCount, Is.EqualTo(0));

        var (up, m) = Build(msiUpstream: true);
        FabricRoute u = up.Route(m["d"], ItsDoorbell + 0x40, true);
        Assert.That((u.Kind, u.IsMsi, u.RequesterId, u.DeviceId), Is.EqualTo((FabricRouteKind.MsiBypass, true, (ushort)0x0700, 0x1_0700u)));
        Assert.That(up.MsiBypassCount, Is.EqualTo(1));
        // A read of the doorbell page is not an MSI.
        Assert.That(up.Route(m["d"], ItsDoorbell + 0x40, false).Kind, Is.EqualTo(FabricRouteKind.ToSmmu));
        // Just past the window.
        Assert.That(up.Route(m["d"], ItsDoorbell + 0x10000, true).Kind, Is.EqualTo(FabricRouteKind.ToSmmu));
    }

    [Test]
    public void RidOutsideIommuMapHasNoStreamId()
    {
        var (rc, n) = Build(iommu: new IdMap([new IdMapEntry(0x0300, 0x10, 0x100)]));
        Assert.That(rc.Route(n["a"], 0x4000_0000, false).StreamId, Is.EqualTo(0x10));
        Assert.That(rc.Route(n["b"], 0x4000_0000, false).Kind, Is.EqualTo(FabricRouteKind.NoStreamId));
    }

    [Test]
    public void ConstructionErrors()
    {
        var (rc, n) = Build();
        Assert.Throws<ArgumentException>(() => rc.AddEndpoint("a", 0x0301, n["dp0"]), "duplicate name");
        Assert.Throws<ArgumentException>(() => rc.AddEndpoint("z", 0x0300, n["dp0"]), "duplicate RID");
        Assert.Throws<ArgumentException>(() => rc.AddEndpoint("z", 0x0901, n["dp0"]), "wrong bus");
        Assert.Throws<ArgumentException>(() => rc.AddEndpoint("z", 0x0201, n["usp"]), "endpoint below an upstream port");
        Assert.Throws<ArgumentException>(() => rc.AddBar(n["a"], 0x1000_2000, 0x1000), "overlapping BAR");
        Assert.Throws<ArgumentException>(() => rc.AddBar(n["dp0"], 0x2000_0000, 0x1000), "BAR on a port");
        Assert.Throws<ArgumentException>(() => rc.AddRootPort("rpX", 0x0108, 9), "root port off bus 0");
        Assert.Throws<ArgumentException>(() => rc.Route(n["dp0"], 0, false), "route from a port");
    }

    [Test]
    public void RouteDoesNotAllocate()
    {
        var (rc, n) = Build();
        rc.Route(n["a"], 0x1010_0000, true);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            rc.Route(n["a"], 0x1010_0000, true);
            rc.Route(n["c"], 0x1000_0000, true);
            rc.Route(n["d"], ItsDoorbell, true);
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0));
    }

    [Test]
    public void ScenarioFabricFromP2pExample()
    {
        Scenario s = ScenarioLoader.Load(Path.Combine(HwEmu.Tests.Platform.ScenarioLoaderTests.ExamplesDirectory, "p2p-no-acs.json"));
        RootComplex rc = ScenarioFabric.Build(s);
        int dma0 = rc.Find("dma0"), nvme1 = rc.Find("nvme1");
        Assert.That(rc.RidOf(dma0), Is.EqualTo(0x0300));
        FabricRoute r = rc.Route(dma0, 0x1010_0000, true);
        Assert.That((r.Kind, r.Peer), Is.EqualTo((FabricRouteKind.PeerToPeer, nvme1)));
        // Same topology with ACS on the downstream ports: redirected to the SMMU.
        SwitchSpec sw = s.Topology.Switches[0];
        var acsPorts = new ValueList<SwitchPortSpec>(sw.DownstreamPorts.Select(p => p with { Acs = AcsSpec.Isolating }));
        Scenario withAcs = s with { Topology = s.Topology with { Switches = new[] { sw with { DownstreamPorts = acsPorts } } } };
        RootComplex rc2 = ScenarioFabric.Build(withAcs);
        FabricRoute r2 = rc2.Route(rc2.Find("dma0"), 0x1010_0000, true);
        Assert.That((r2.Kind, r2.RedirectedByAcs, r2.StreamId), Is.EqualTo((FabricRouteKind.ToSmmu, true, 0x0300u)));
    }

    [Test]
    public void ScenarioFabricMsiPosition()
    {
        Scenario up = ScenarioLoader.Load(Path.Combine(HwEmu.Tests.Platform.ScenarioLoaderTests.ExamplesDirectory, "msi-upstream.json"));
        RootComplex rc = ScenarioFabric.Build(up);
        Assert.That(rc.Route(rc.Find("nvme0"), up.Platform.Msi.DoorbellAddress, true).Kind, Is.EqualTo(FabricRouteKind.MsiBypass));
        RootComplex its = ScenarioFabric.Build(BuiltInScenarios.PassthroughIts);
        FabricRoute r = its.Route(its.Find("nvme0"), 0x0809_0040, true);
        Assert.That((r.Kind, r.IsMsi, r.StreamId, r.DeviceId), Is.EqualTo((FabricRouteKind.ToSmmu, true, 0x100u, 0x100u)));
    }
}
