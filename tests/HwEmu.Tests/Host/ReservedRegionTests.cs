using HwEmu.Devices.Host;
using HwEmu.Devices.Host.Iommu;
using HwEmu.Devices.Pcie;
using NUnit.Framework;

namespace HwEmu.Tests.Host;

public class ReservedRegionTests
{
    private static string Serial()
    {
        var path = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "qemu-virt-its-nvme", "serial.log");
        return File.ReadAllText(path).Replace("\r\n", "\n");
    }

    [Test]
    public void CaptureGroupsMatchSerialLogExactly()
    {
        var h = new HostSystem(HostPlatform.QemuVirtItsNvme());
        var w = new StringWriter();
        HostReports.WriteGroups(h, w);
        var expected = string.Join("", Serial().Split('\n').Take(6).Select(l => l + "\n"));
        Assert.That(w.ToString(), Is.EqualTo(expected));
        Assert.That(expected, Does.Contain("0x0000000008000000 0x00000000080fffff msi\n"));
    }

    [Test]
    public void ReservedRegionsReport()
    {
        var h = new HostSystem(HostPlatform.QemuVirtItsNvme());
        var w = new StringWriter();
        Assert.That(HostReports.WriteReservedRegions(h, w, new PciBdf(0, 1, 0)), Is.True);
        Assert.That(w.ToString(), Is.EqualTo("0x0000000008000000 0x00000000080fffff msi\n"));
        w = new StringWriter();
        HostReports.WriteReservedRegions(h, w);
        Assert.That(w.ToString(), Is.EqualTo(
            "/sys/kernel/iommu_groups/0/reserved_regions:\n0x0000000008000000 0x00000000080fffff msi\n" +
            "/sys/kernel/iommu_groups/1/reserved_regions:\n0x0000000008000000 0x00000000080fffff msi\n"));
        w = new StringWriter();
        Assert.That(HostReports.WriteReservedRegions(h, w, new PciBdf(0, 0, 0)), Is.False);
        Assert.That(w.ToString(), Is.EqualTo("0000:00:00.0: no IOMMU group\n"));
        var r = h.Groups[0].ReservedRegions.Single();
        Assert.That(r, Is.EqualTo(new IommuResvRegion(0x800_0000, 0x10_0000, IommuProt.Write | IommuProt.NoExec | IommuProt.Mmio, IommuResvType.SwMsi)));
    }

    [Test]
    public void InsertSortsByStartThenTypeAndMergesSameType()
    {
        var l = new IommuResvRegionList();
        l.Insert(new(0x2000, 0x1000, IommuProt.Read, IommuResvType.Reserved));
        l.Insert(new(0x1000, 0x1000, IommuProt.Write, IommuResvType.Reserved)); // adjacent: merged, first prot kept
        Assert.That(l.Regions, Is.EqualTo(new[] { new IommuResvRegion(0x1000, 0x2000, IommuProt.Read, IommuResvType.Reserved) }).Or
            .EqualTo(new[] { new IommuResvRegion(0x1000, 0x2000, IommuProt.Write, IommuResvType.Reserved) }));
        Assert.That(l.Regions[0].Prot, Is.EqualTo(IommuProt.Write), "the new element sorts first and becomes top");
        l.Insert(new(0x1000, 0x800, IommuProt.None, IommuResvType.Direct)); // same start, lower type: before
        l.Insert(new(0x1800, 0x4000, IommuProt.None, IommuResvType.Msi));   // overlaps, different type: kept
        l.Insert(new(0x2800, 0x1000, IommuProt.Read, IommuResvType.Reserved)); // overlaps reserved: extends it
        l.Insert(new(0x5000, 0x1000, IommuProt.Read, IommuResvType.Reserved)); // gap of one page: separate
        Assert.That(l.ToSysfs(), Is.EqualTo(
            "0x0000000000001000 0x00000000000017ff direct\n" +
            "0x0000000000001000 0x00000000000037ff reserved\n" +
            "0x0000000000001800 0x00000000000057ff msi\n" +
            "0x0000000000005000 0x0000000000005fff reserved\n"));
        l.Insert(new(0x3800, 0x1800, IommuProt.Read, IommuResvType.Reserved)); // bridges both reserved regions
        Assert.That(l.Regions.Where(x => x.Type == IommuResvType.Reserved).Select(x => (x.Start, x.End)),
            Is.EqualTo(new[] { (0x1000UL, 0x5fffUL) }));
        Assert.That(IommuResvRegion.TypeString(IommuResvType.DirectRelaxable), Is.EqualTo("direct-relaxable"));
        Assert.That(IommuResvRegion.TypeString(IommuResvType.SwMsi), Is.EqualTo("msi"));
    }

    [Test]
    public void IntelVtdProvider()
    {
        var topo = new PciTopology()
            .Add(new PciFunction(new PciBdf(0, 2, 0), PciFunctionKind.RcIntegratedEndpoint) { ClassCode = 0x030000 })
            .Add(new PciFunction(new PciBdf(0, 0x14, 0), PciFunctionKind.RcIntegratedEndpoint) { ClassCode = 0x0c0330 })
            .Add(new PciFunction(new PciBdf(0, 0x17, 0), PciFunctionKind.RcIntegratedEndpoint) { ClassCode = 0x010601 })
            .Add(new PciFunction(new PciBdf(0, 0x1f, 0), PciFunctionKind.RcIntegratedEndpoint) { ClassCode = 0x060100 });
        var p = new HostPlatform
        {
            Name = "x86", Iommu = IommuKind.IntelVtd, Firmware = FirmwareKind.Acpi, IommuName = "dmar0", Topology = topo,
            IommuMap = RidMap.Identity("dmar0"), ProbePolicy = IommuProbePolicy.AllDevices,
            ReservedRegions =
            [
                new PlatformReservedRegion(0x7c00_0000, 0x400_0000, IommuResvType.Direct, [new PciBdf(0, 2, 0)]),
                new PlatformReservedRegion(0x7a00_0000, 0x1_0000, IommuResvType.Direct, [new PciBdf(0, 0x14, 0), new PciBdf(0, 0x17, 0)]),
            ],
            MsiControllers = [new MsiControllerDescription("ir", MsiControllerKind.X86InterruptRemapping, 0xfee0_0000, 0xfee0_0000, true, UpstreamOfIommu: true)],
            MsiParent = "ir",
        };
        var h = new HostSystem(p);
        string Text(int dev)
        {
            var w = new StringWriter();
            HostReports.WriteReservedRegions(h, w, new PciBdf(0, dev, 0));
            return w.ToString();
        }
        Assert.That(Text(2), Is.EqualTo("0x000000007c000000 0x000000007fffffff direct-relaxable\n0x00000000fee00000 0x00000000feefffff msi\n"), "graphics RMRR relaxable");
        Assert.That(Text(0x14), Is.EqualTo("0x000000007a000000 0x000000007a00ffff direct-relaxable\n0x00000000fee00000 0x00000000feefffff msi\n"), "USB");
        Assert.That(Text(0x17), Is.EqualTo("0x000000007a000000 0x000000007a00ffff direct\n0x00000000fee00000 0x00000000feefffff msi\n"), "SATA keeps direct");
        Assert.That(Text(0x1f), Is.EqualTo("0x0000000000000000 0x0000000000ffffff direct-relaxable\n0x00000000fee00000 0x00000000feefffff msi\n"), "ISA bridge floppy workaround");
        // The MSI window is untranslated on x86: devices are programmed with the physical address.
        Assert.That(h.ComposeMsiAddress(h.FindDevice(new PciBdf(0, 2, 0))!, null, out ulong a), Is.EqualTo(Errno.None));
        Assert.That(a, Is.EqualTo(0xfee0_0000UL));
    }

    [Test]
    public void ArmAcpiHi161xAndRmrRegions()
    {
        var p = new HostPlatform
        {
            Name = "hi161x", Firmware = FirmwareKind.Acpi, Hi161xMsiErratum = true, IommuName = "smmu",
            Topology = new PciTopology().Add(new PciFunction(new PciBdf(0, 1, 0), PciFunctionKind.RcIntegratedEndpoint)),
            IommuMap = RidMap.Identity("smmu"), MsiMap = RidMap.Identity("its"),
            MsiControllers = [MsiControllerDescription.Its("its", 0x2_0200_0000)],
            ReservedRegions = [new PlatformReservedRegion(0x8000_0000, 0x20_0000, IommuResvType.DirectRelaxable, [new PciBdf(0, 1, 0)])],
        };
        var g = new HostSystem(p).Groups[0];
        Assert.That(string.Join("", g.ReservedRegions.Select(r => r.ToSysfsLine() + "\n")), Is.EqualTo(
            "0x0000000008000000 0x00000000080fffff msi\n" +
            "0x0000000080000000 0x00000000801fffff direct-relaxable\n" +
            "0x0000000202010000 0x000000020201ffff msi\n"));
        // Before 6.0 IORT RMRs were not reported.
        var old = new HostSystem(new HostPlatform
        {
            Name = p.Name, Firmware = p.Firmware, Hi161xMsiErratum = true, IommuName = "smmu", Topology = p.Topology,
            IommuMap = p.IommuMap, MsiMap = p.MsiMap, MsiControllers = p.MsiControllers, ReservedRegions = p.ReservedRegions,
            KernelVersion = new KernelVersion(5, 15),
        });
        Assert.That(old.Groups[0].ReservedRegions.Count, Is.EqualTo(2));
    }
}
