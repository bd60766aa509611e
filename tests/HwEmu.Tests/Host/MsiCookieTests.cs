using HwEmu.Devices.Host;
using HwEmu.Devices.Host.Iommu;
using HwEmu.Devices.Host.IoPgtable;
using HwEmu.Devices.Host.Vfio;
using HwEmu.Devices.Pcie;
using HwEmu.Emulator.Memory;
using NUnit.Framework;

namespace HwEmu.Tests.Host;

public class MsiCookieTests
{
    private static PhysicalPageAllocator Alloc() => new(new PhysicalMemory(), 0x4000_0000, 32UL << 20);

    [Test]
    public void DmaDomainDoorbellComesFromIovaAllocatorLikeCapture()
    {
        var h = new HostSystem(HostPlatform.QemuVirtItsNvme());
        var alloc = Alloc();
        foreach (var g in h.Groups)
        {
            var d = h.CreateDefaultDmaDomain(g, alloc)!;
            Assert.That(d.Cookie!.Type, Is.EqualTo(MsiCookieType.Iova));
            // iova_reserve_pci_windows: both QEMU virt MEM windows are reserved in the DMA IOVA space.
            Assert.That(d.Cookie.Iovad!.Ranges(), Is.EqualTo(new[] { new HwEmu.Devices.Host.Iova.IovaRange(0x10000, 0x3efef), new HwEmu.Devices.Host.Iova.IovaRange(0x8000000, 0xfffffff) }));
            var dev = g.Devices[0];
            Assert.That(h.ComposeMsiAddress(dev, d, out ulong addr), Is.EqualTo(Errno.None));
            Assert.That(addr, Is.EqualTo(0xfffff040UL), "capture: 0xfffff040 -> 0x8090040");
            var t = ((IoPgtableDomain)d.Ops!).Table;
            Assert.That(t.IovaToPhys(0xfffff040), Is.EqualTo(0x8090040UL));
            Assert.That(t.Walk(0xfffff000).Pte, Is.EqualTo(0x60000008090e4bUL), "capture's PTE");
            Assert.That(h.ComposeMsiAddress(dev, d, out addr), Is.EqualTo(Errno.None));
            Assert.That(d.Cookie.Pages, Is.EqualTo(new[] { new MsiPage(0x8090000, 0xfffff000) }), "one page per doorbell per domain");
        }
    }

    [Test]
    public void UnmanagedDomainUsesSwMsiWindowBumpAllocator()
    {
        var h = new HostSystem(HostPlatform.QemuVirtItsNvme());
        var c = VfioContainer.WithIoPgtableDomains(h, Alloc(), new LinearUserMemory(0, 0x4800_0000, 1 << 20));
        Assert.That(c.AttachGroup(h.Groups[0]), Is.EqualTo(Errno.None));
        Assert.That(c.AttachGroup(h.Groups[1]), Is.EqualTo(Errno.None));
        var d = c.DomainOf(h.Groups[0])!;
        Assert.That(d.Cookie!.Type, Is.EqualTo(MsiCookieType.Msi));
        Assert.That(c.EnableDeviceMsi(h.Devices[0], out ulong a0), Is.EqualTo(Errno.None));
        Assert.That(a0, Is.EqualTo(0x8000040UL));
        Assert.That(c.EnableDeviceMsi(h.Devices[1], out ulong a1), Is.EqualTo(Errno.None));
        Assert.That(a1, Is.EqualTo(0x8000040UL), "same ITS page, same domain: cached");
        var t = ((IoPgtableDomain)d.Ops!).Table;
        Assert.That(t.IovaToPhys(0x8000040), Is.EqualTo(0x8090040UL));
        // A second doorbell page takes the next PAGE_SIZE step; the bump never checks the 1 MiB window end.
        Assert.That(d.Cookie.GetMsiPage(d, 0x10_0009_0040, 64, true, out var p2), Is.EqualTo(Errno.None));
        Assert.That(p2, Is.EqualTo(new MsiPage(0x10_0009_0000, 0x8001000)));
        for (int i = 2; i < 256; i++) Assert.That(d.Cookie.GetMsiPage(d, 0x20_0000_0000UL + (ulong)i * 0x1000, 64, true, out _), Is.EqualTo(Errno.None));
        Assert.That(d.Cookie.GetMsiPage(d, 0x30_0000_0000UL, 64, true, out var over), Is.EqualTo(Errno.None));
        Assert.That(over.Iova, Is.EqualTo(0x8100000UL), "257th page lands beyond the SW_MSI window");
    }

    [Test]
    public void MsiCookieErrorsAndIdentity()
    {
        var h = new HostSystem(HostPlatform.QemuVirtItsNvme());
        var dma = h.CreatePagingDomain(IommuDomainType.Dma, Alloc())!;
        Assert.That(MsiCookie.GetMsiCookie(dma, 0x800_0000), Is.EqualTo(Errno.EINVAL));
        var um = h.CreatePagingDomain(IommuDomainType.Unmanaged, Alloc())!;
        Assert.That(MsiCookie.GetMsiCookie(um, 0x800_0000), Is.EqualTo(Errno.None));
        Assert.That(MsiCookie.GetMsiCookie(um, 0x800_0000), Is.EqualTo(Errno.EEXIST));
        Assert.That(MsiCookie.InitDmaDomain(um, [], [], []), Is.EqualTo(Errno.EINVAL));
        // Identity domain / no domain: the doorbell's physical address.
        Assert.That(h.ComposeMsiAddress(h.Devices[0], new IommuDomain(IommuDomainType.Identity, null), out ulong a), Is.EqualTo(Errno.None));
        Assert.That(a, Is.EqualTo(0x8090040UL));
        Assert.That(h.ComposeMsiAddress(h.Devices[0], null, out a), Is.EqualTo(Errno.None));
        Assert.That(a, Is.EqualTo(0x8090040UL));
        // Compose keeps the doorbell offset inside the PAGE_SIZE granule.
        Assert.That(MsiCookie.PrepareMsi(um, 0x809_0040, 64, true, out a), Is.EqualTo(Errno.None));
        Assert.That(a, Is.EqualTo(0x800_0040UL));
    }

    [Test]
    public void HardwareMsiRegionMeansNoTranslation()
    {
        // ACPI Hi161x: the ITS frame is an IOMMU_RESV_MSI region. VFIO then sets no MSI cookie (real MSI regions
        // take precedence) and the device uses the physical doorbell; a DMA domain finds the pre-seeded identity page.
        var p = new HostPlatform
        {
            Name = "hi161x", Firmware = FirmwareKind.Acpi, Hi161xMsiErratum = true, IommuName = "smmu",
            Topology = new PciTopology().Add(new PciFunction(new PciBdf(0, 1, 0), PciFunctionKind.RcIntegratedEndpoint)),
            IommuMap = RidMap.Identity("smmu"), MsiMap = RidMap.Identity("its"),
            MsiControllers = [MsiControllerDescription.Its("its", 0x2_0200_0000)],
        };
        var h = new HostSystem(p);
        var c = VfioContainer.WithIoPgtableDomains(h, Alloc(), new LinearUserMemory(0, 0, 0));
        Assert.That(c.AttachGroup(h.Groups[0]), Is.EqualTo(Errno.None));
        Assert.That(c.DomainOf(h.Groups[0])!.Cookie, Is.Null);
        Assert.That(c.IovaRanges, Is.EqualTo(new[]
        {
            new VfioIovaRange(0, 0x7ff_ffff), new VfioIovaRange(0x810_0000, 0x2_0200_ffff), new VfioIovaRange(0x2_0202_0000, 0xffff_ffff_ffff),
        }));
        Assert.That(c.EnableDeviceMsi(h.Devices[0], out ulong a), Is.EqualTo(Errno.None));
        Assert.That(a, Is.EqualTo(0x2_0201_0040UL));

        var d = h.CreateDefaultDmaDomain(h.Groups[0], Alloc())!;
        Assert.That(h.ComposeMsiAddress(h.Devices[0], d, out a), Is.EqualTo(Errno.None));
        Assert.That(a, Is.EqualTo(0x2_0201_0040UL), "identity MSI page");
        Assert.That(((IoPgtableDomain)d.Ops!).Table.IovaToPhys(0x2_0201_0040), Is.EqualTo(0UL), "pre-seeded pages are not mapped");
    }

    [Test]
    public void MsiControllerUpstreamOfSmmuNeedsNoMapping()
    {
        var q = HostPlatform.QemuVirtItsNvme();
        var p = new HostPlatform
        {
            Name = "upstream", Topology = q.Topology, IommuName = q.IommuName, IommuMap = q.IommuMap, MsiMap = q.MsiMap,
            MsiControllers = [MsiControllerDescription.Its("its@8080000", 0x808_0000) with { UpstreamOfIommu = true }],
            HostBridgeWindows = q.HostBridgeWindows,
        };
        var h = new HostSystem(p);
        var d = h.CreateDefaultDmaDomain(h.Groups[0], Alloc())!;
        Assert.That(h.ComposeMsiAddress(h.Devices[0], d, out ulong a), Is.EqualTo(Errno.None));
        Assert.That(a, Is.EqualTo(0x8090040UL));
        Assert.That(d.Cookie!.Pages, Is.Empty);
        Assert.That(((IoPgtableDomain)d.Ops!).Table.IovaToPhys(0xfffff040), Is.EqualTo(0UL));
    }

    [Test]
    public void IoPgtableMapConvenienceIsIommuMap()
    {
        var t = IoPgtableArm.Alloc(IoPgtableFormat.ArmLpaeS1, new IoPgtableConfig(0x4020_1000, 48, 48), Alloc())!;
        Assert.That(t.Map(0x20_0000, 0x4000_0000, 0x40_0000, IommuProt.Read), Is.EqualTo(Errno.None));
        Assert.That(t.Walk(0x30_0000).Level, Is.EqualTo(2), "2 MiB blocks");
        Assert.That(t.Map(0x1000, 0x1800, 0x1000, IommuProt.Read), Is.EqualTo(Errno.EINVAL));
        Assert.That(t.Unmap(0x20_0000, 0x40_0000), Is.EqualTo(0x40_0000UL));
    }
}
