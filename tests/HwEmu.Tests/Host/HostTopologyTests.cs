using HwEmu.Devices.Host;
using HwEmu.Devices.Host.Iommu;
using HwEmu.Devices.Pcie;
using NUnit.Framework;

namespace HwEmu.Tests.Host;

public class HostTopologyTests
{
    private static PciBdf B(int bus, int dev, int fn = 0) => new(bus, dev, fn);

    private static HostSystem Build(PciTopology topo, IommuProbePolicy policy = IommuProbePolicy.DriverBoundOnly, RidMap? iommuMap = null)
        => new(new HostPlatform
        {
            Name = "test",
            Topology = topo,
            IommuName = "smmu",
            IommuMap = iommuMap ?? RidMap.Identity("smmu"),
            MsiMap = RidMap.Identity("its"),
            MsiControllers = [MsiControllerDescription.Its("its", 0x808_0000)],
            ProbePolicy = policy,
        });

    private static string Groups(HostSystem h) =>
        string.Join("; ", h.Groups.Select(g => $"{g.Id}:{string.Join(',', g.Devices.Select(d => $"{d.Bdf.Bus:x2}:{d.Bdf.Device:x2}.{d.Bdf.Function}"))}"));

    [Test]
    public void CaptureGroupsStreamIdsAndDeviceIds()
    {
        var h = new HostSystem(HostPlatform.QemuVirtItsNvme());
        Assert.That(Groups(h), Is.EqualTo("0:00:01.0; 1:00:02.0"), "the driverless host bridge 00:00.0 gets no group");
        var nvme = h.FindDevice(B(0, 1))!;
        var blk = h.FindDevice(B(0, 2))!;
        Assert.That(nvme.StreamIds, Is.EqualTo(new uint[] { 0x8 }));
        Assert.That(blk.StreamIds, Is.EqualTo(new uint[] { 0x10 }));
        Assert.That((nvme.MsiDeviceId, blk.MsiDeviceId), Is.EqualTo((0x8u, 0x10u)), "ITS DeviceID = trace requester_id");
        Assert.That(nvme.MsiController!.DoorbellPa, Is.EqualTo(0x8090040UL));
        Assert.That(nvme.HasIsolatedMsi, Is.True);
        Assert.That(h.FindDevice(B(0, 0)), Is.Null);

        var all = new HostSystem(new HostPlatform
        {
            Name = "x", Topology = HostPlatform.QemuVirtItsNvme().Topology, IommuName = "smmu", IommuMap = RidMap.Identity("smmu"),
            ProbePolicy = IommuProbePolicy.AllDevices,
        });
        Assert.That(Groups(all), Is.EqualTo("0:00:00.0; 1:00:01.0; 2:00:02.0"));
    }

    [Test]
    public void RidMapOfMapIdSemantics()
    {
        var m = new RidMap([new RidMapEntry(0x100, "smmu", 0x1000, 0x100), new RidMapEntry(0x0, "smmu", 0x0, 0x100)], mask: 0xfff8);
        Assert.That(m.Map(0x105, out var t, out uint id), Is.EqualTo(Errno.None));
        Assert.That((t, id), Is.EqualTo(("smmu", 0x1000u)), "mask drops the function bits first");
        Assert.That(m.Map(0x20, out _, out id), Is.EqualTo(Errno.None));
        Assert.That(id, Is.EqualTo(0x20u));
        Assert.That(m.Map(0x300, out t, out id), Is.EqualTo(Errno.ENODEV));
        Assert.That((t, id), Is.EqualTo(((string?)null, 0x300u)), "no match bypasses translation");
        var bad = new RidMap([new RidMapEntry(0x101, "smmu", 0, 1)], mask: 0xff00);
        Assert.That(bad.Map(0x101, out _, out _), Is.EqualTo(Errno.EFAULT), "id-base outside the mask");
        // A device outside the iommu-map is not behind the IOMMU: no group.
        var topo = new PciTopology().Add(new PciFunction(B(0, 1), PciFunctionKind.RcIntegratedEndpoint)).Add(new PciFunction(B(0, 2), PciFunctionKind.RcIntegratedEndpoint));
        var h = Build(topo, iommuMap: new RidMap([new RidMapEntry(0x8, "smmu", 0x40, 8)]));
        Assert.That(Groups(h), Is.EqualTo("0:00:01.0"));
        Assert.That(h.Devices[0].StreamIds, Is.EqualTo(new uint[] { 0x40 }));
    }

    private static PciFunction RootPort(PciBdf bdf, int sec, bool acs) => new(bdf, PciFunctionKind.RootPort)
    {
        SecondaryBus = sec, HasAcsCapability = acs, AcsCapability = acs ? PciAcs.Required : PciAcs.None,
    };

    [Test]
    public void SwitchWithoutAcsGroupsEndpointsWithTheirDownstreamPort()
    {
        // pci_device_group walks from the endpoint's bus: a downstream port without SV|RR|CR|UF pulls its
        // endpoints into its own group; the ports themselves are judged by the (ACS-clean) path above them.
        var topo = new PciTopology()
            .Add(RootPort(B(0, 1), 1, acs: true))
            .Add(new PciFunction(B(1, 0), PciFunctionKind.SwitchUpstreamPort) { SecondaryBus = 2 })
            .Add(new PciFunction(B(2, 0), PciFunctionKind.SwitchDownstreamPort) { SecondaryBus = 3 })
            .Add(new PciFunction(B(2, 1), PciFunctionKind.SwitchDownstreamPort) { SecondaryBus = 4 })
            .Add(new PciFunction(B(3, 0), PciFunctionKind.Endpoint))
            .Add(new PciFunction(B(4, 0), PciFunctionKind.Endpoint));
        Assert.That(Groups(Build(topo)), Is.EqualTo("0:00:01.0; 1:01:00.0; 2:02:00.0,03:00.0; 3:02:01.0,04:00.0"));

        // With ACS capability (firmware left it off; Linux enables SV|RR|CR|UF) every device is isolated.
        var acs = new PciTopology()
            .Add(RootPort(B(0, 1), 1, acs: true))
            .Add(new PciFunction(B(1, 0), PciFunctionKind.SwitchUpstreamPort) { SecondaryBus = 2 })
            .Add(new PciFunction(B(2, 0), PciFunctionKind.SwitchDownstreamPort) { SecondaryBus = 3, HasAcsCapability = true, AcsCapability = PciAcs.Required })
            .Add(new PciFunction(B(3, 0), PciFunctionKind.Endpoint));
        Assert.That(Groups(Build(acs)), Is.EqualTo("0:00:01.0; 1:01:00.0; 2:02:00.0; 3:03:00.0"));
        // ... unless the kernel does not enable ACS: nothing is isolated below the root port.
        var off = new PciTopology { KernelEnablesAcs = false };
        foreach (var f in acs.Functions) off.Add(f);
        Assert.That(Groups(Build(off)), Is.EqualTo("0:00:01.0,01:00.0,02:00.0,03:00.0"));
        // Capability bits not implemented count as hard-wired enabled: an ACS capability with only SV, SV enabled.
        var partial = new PciTopology { KernelEnablesAcs = false }
            .Add(new PciFunction(B(0, 1), PciFunctionKind.RootPort) { SecondaryBus = 1, HasAcsCapability = true, AcsCapability = PciAcs.SV, AcsControl = PciAcs.SV })
            .Add(new PciFunction(B(1, 0), PciFunctionKind.Endpoint));
        Assert.That(Groups(Build(partial)), Is.EqualTo("0:00:01.0; 1:01:00.0"));
    }

    [Test]
    public void RootPortWithoutAcsAndMultifunction()
    {
        // Two root ports in one multifunction slot without ACS: the second joins the first (function alias),
        // endpoints join their port.
        var topo = new PciTopology()
            .Add(new PciFunction(B(0, 1, 0), PciFunctionKind.RootPort) { SecondaryBus = 1, Multifunction = true })
            .Add(new PciFunction(B(0, 1, 1), PciFunctionKind.RootPort) { SecondaryBus = 2, Multifunction = true })
            .Add(new PciFunction(B(0, 2, 0), PciFunctionKind.RcIntegratedEndpoint))
            .Add(new PciFunction(B(1, 0, 0), PciFunctionKind.Endpoint) { Multifunction = true })
            .Add(new PciFunction(B(1, 0, 1), PciFunctionKind.Endpoint) { Multifunction = true })
            .Add(new PciFunction(B(2, 0, 0), PciFunctionKind.Endpoint));
        Assert.That(Groups(Build(topo)), Is.EqualTo("0:00:01.0,00:01.1,01:00.0,01:00.1,02:00.0; 1:00:02.0"));

        // Multifunction endpoint: functions without ACS share, a function with ACS stands alone.
        var mf = new PciTopology()
            .Add(RootPort(B(0, 1), 1, acs: true))
            .Add(new PciFunction(B(1, 0, 0), PciFunctionKind.Endpoint) { Multifunction = true })
            .Add(new PciFunction(B(1, 0, 1), PciFunctionKind.Endpoint) { Multifunction = true })
            .Add(new PciFunction(B(1, 0, 2), PciFunctionKind.Endpoint) { Multifunction = true, HasAcsCapability = true, AcsCapability = PciAcs.Required });
        Assert.That(Groups(Build(mf)), Is.EqualTo("0:00:01.0; 1:01:00.0,01:00.1; 2:01:00.2"));
    }

    [Test]
    public void PcieToPciBridgeAliases()
    {
        var topo = new PciTopology()
            .Add(RootPort(B(0, 1), 1, acs: true))
            .Add(new PciFunction(B(1, 0), PciFunctionKind.PcieToPciBridge) { SecondaryBus = 2 })
            .Add(new PciFunction(B(2, 0), PciFunctionKind.ConventionalDevice))
            .Add(new PciFunction(B(2, 3), PciFunctionKind.ConventionalDevice));
        var h = Build(topo, IommuProbePolicy.AllDevices);
        Assert.That(Groups(h), Is.EqualTo("0:00:01.0; 1:01:00.0,02:00.0,02:03.0"), "all behind the bridge share its group");
        var d = h.FindDevice(B(2, 3))!;
        Assert.That(d.StreamIds, Is.EqualTo(new uint[] { 0x218, 0x200 }), "own RID then the (secondary, 0) alias");
        Assert.That(d.MsiRid, Is.EqualTo((ushort)0x200), "MSI DeviceID from the alias");
        Assert.That(h.FindDevice(B(1, 0))!.StreamIds, Is.EqualTo(new uint[] { 0x100 }));

        // Arm 6.1 probes only driver-bound devices; nothing binds to the bridge, so pci_device_group finds no
        // existing group on the alias and each device behind it gets its own (sharing StreamID 0x200).
        var arm = Build(topo);
        Assert.That(Groups(arm), Is.EqualTo("0:00:01.0; 1:02:00.0; 2:02:03.0"));
    }

    [Test]
    public void QuirkDmaAliasSharesGroup()
    {
        var topo = new PciTopology()
            .Add(new PciFunction(B(0, 1), PciFunctionKind.RcIntegratedEndpoint))
            .Add(new PciFunction(B(0, 2), PciFunctionKind.RcIntegratedEndpoint) { DmaAliasDevFns = [0x08] })
            .Add(new PciFunction(B(0, 3), PciFunctionKind.RcIntegratedEndpoint));
        var h = Build(topo);
        Assert.That(Groups(h), Is.EqualTo("0:00:01.0,00:02.0; 1:00:03.0"));
        Assert.That(h.FindDevice(B(0, 2))!.StreamIds, Is.EqualTo(new uint[] { 0x10, 0x08 }));
    }

    [Test]
    public void BdfFormatting()
    {
        Assert.That(new PciBdf(0, 1, 0).ToString(), Is.EqualTo("0000:00:01.0"));
        Assert.That(PciBdf.TryParse("00:02.0", out var b), Is.True);
        Assert.That(b.Rid, Is.EqualTo((ushort)0x10));
        Assert.That(PciBdf.TryParse("0001:1f:1f.7", out b), Is.True);
        Assert.That((b.Segment, b.Rid), Is.EqualTo((1, (ushort)0x1fff)));
        Assert.That(PciBdf.TryParse("00:20.0", out _), Is.False);
        Assert.That(PciBdf.FromRid(0x218), Is.EqualTo(new PciBdf(2, 3, 0)));
    }
}
