using HwEmu.Devices.Gic;
using HwEmu.Devices.Host;
using HwEmu.Devices.Host.ArmSmmuV3;
using HwEmu.Devices.Host.Iommu;
using HwEmu.Devices.Host.Irqchip;
using HwEmu.Emulator.Bus;
using NUnit.Framework;

namespace HwEmu.Tests.Host;

/// <summary>The GICv3 ITS and GICv2m driver models, end to end through the SMMU model.</summary>
public class ItsDriverTests
{
    private static string[] Names(IEnumerable<ItsCommand> cmds) => cmds.Select(c => c.ToString()).ToArray();

    private static DriverTestBed InitBed(int cpus = 1)
    {
        var bed = new DriverTestBed(cpus: cpus);
        Assert.That(bed.ItsDriver.Init(), Is.EqualTo(Errno.None));
        return bed;
    }

    [Test]
    public void InitProgramsTablesQueueAndRedistributorsAsTheCapture()
    {
        var bed = InitBed();
        var its = bed.Its;
        // GITS_BASER0: Valid, Indirect, RaWaWb, device, 8-byte entries, InnerShareable, 64K pages, 1 page.
        ulong b0 = its.Registers.Get("GITS_BASER", 0);
        Assert.That(b0 & ~0x000f_ffff_ffff_f000UL, Is.EqualTo(0xf907_0000_0000_0600UL & ~0x000f_ffff_ffff_f000UL));
        Assert.That(b0 & 0xffff, Is.EqualTo(0x0600UL));
        Assert.That(b0 >> 48, Is.EqualTo(0xf907UL));
        // GITS_BASER1: Valid, RaWaWb, collection, flat.
        ulong b1 = its.Registers.Get("GITS_BASER", 1);
        Assert.That((b1 >> 48, b1 & 0xffff), Is.EqualTo((0xbc07UL, 0x0600UL)));
        Assert.That(its.Registers.Get("GITS_CBASER"), Is.EqualTo(0xb800_0000_0000_040fUL | bed.ItsDriver.CommandQueue));
        Assert.That(its.Enabled, Is.True);
        var rd = bed.Gic.Redistributors[0];
        Assert.That(rd.Registers.Get("GICR_PROPBASER"), Is.EqualTo(bed.ItsDriver.PropTable | 0x78f));
        Assert.That(rd.Registers.Get("GICR_PENDBASER"), Is.EqualTo(bed.ItsDriver.PendingTables[0] | 0x780));
        Assert.That(rd.LpisEnabled, Is.True);
        Assert.That(bed.Memory.Read8(bed.ItsDriver.PropTable + 100), Is.EqualTo(0xa2), "LPI_PROP_DEFAULT_PRIO | GROUP1");
        Assert.That(Names(bed.ItsDriver.CommandLog), Is.EqualTo(new[]
        {
            "MAPC ICID 0x0 RDbase 0x0 V 1", "SYNC RDbase 0x0", "INVALL ICID 0x0", "SYNC RDbase 0x0",
        }));
        Assert.That(its.CommandErrors, Is.EqualTo(0));
    }

    [Test]
    public void MsiThroughTheSmmuDoorbellIovaDeliversTheLpi()
    {
        var bed = InitBed();
        var host = new HostSystem(HostPlatform.QemuVirtItsNvme());
        Assert.That(bed.Driver.Reset(), Is.EqualTo(Errno.None));
        var domain = bed.Driver.AttachDefaultDomain(host, host.Groups[0])!;
        var dev = bed.ItsDriver.Prepare(8, 1)!;
        Assert.That(dev.MapdSize, Is.EqualTo(0), "nr_ites = max(2, 1)");
        Assert.That(bed.ItsDriver.AllocateVectors(dev, 1, out var v, domain), Is.EqualTo(Errno.None));
        Assert.That(v[0], Is.EqualTo(new MsiVector(0, 0x2000, new MsiMessage(0xffff_f040, 0))), "the capture's doorbell IOVA");
        Assert.That(Names(bed.ItsDriver.CommandLog.Skip(4)), Is.EqualTo(new[]
        {
            $"MAPD DeviceID 0x8 Size 0x0 ITT_addr 0x{dev.IttAddress:x} V 1",
            "MAPTI DeviceID 0x8 EventID 0x0 ICID 0x0 pINTID 0x2000", "SYNC RDbase 0x0",
        }));
        Assert.That(((ArmSmmuDomain)domain.Ops!).IovaToPhys(0xffff_f040), Is.EqualTo(0x0809_0040UL));

        // Masked (config byte 0xa2): the LPI stays pending, not delivered.
        var cpu = bed.Gic.CpuInterfaces[0];
        Assert.That(bed.Msi(8, 8, v[0].Message), Is.EqualTo(BusStatus.Ok));
        Assert.That(cpu.Count(0x2000), Is.EqualTo(0));
        Assert.That(bed.ItsDriver.Unmask(dev, 0), Is.EqualTo(Errno.None));
        Assert.That(bed.Memory.Read8(bed.ItsDriver.PropTable), Is.EqualTo(0xa3));
        Assert.That(Names(bed.ItsDriver.CommandLog.TakeLast(2)), Is.EqualTo(new[] { "INV DeviceID 0x8 EventID 0x0", "SYNC RDbase 0x0" }));
        Assert.That(cpu.Count(0x2000), Is.EqualTo(1), "the pending LPI is delivered once enabled and invalidated");
        Assert.That(bed.Msi(8, 8, v[0].Message), Is.EqualTo(BusStatus.Ok));
        Assert.That(cpu.Count(0x2000), Is.EqualTo(2));
        // Another DeviceID writing the same doorbell reaches no LPI of device 8.
        Assert.That(bed.Bus.Write(0x0809_0040, 4, 0, new BusAttributes(DeviceId: 0x10)), Is.EqualTo(BusStatus.Ok));
        Assert.That(cpu.Count(0x2000), Is.EqualTo(2));
    }

    [Test]
    public void FreeingTheLastVectorUnmapsTheDeviceAndLpisAreReused()
    {
        var bed = InitBed();
        var dev = bed.ItsDriver.Prepare(8, 1)!;
        bed.ItsDriver.AllocateVectors(dev, 1, out _);
        bed.ItsDriver.Unmask(dev, 0);
        int before = bed.ItsDriver.CommandLog.Count;
        Assert.That(bed.ItsDriver.Mask(dev, 0), Is.EqualTo(Errno.None));
        Assert.That(bed.ItsDriver.Free(dev, 0), Is.EqualTo(Errno.None));
        Assert.That(Names(bed.ItsDriver.CommandLog.Skip(before)), Is.EqualTo(new[]
        {
            "INV DeviceID 0x8 EventID 0x0", "SYNC RDbase 0x0", "DISCARD DeviceID 0x8 EventID 0x0", "SYNC RDbase 0x0",
            $"MAPD DeviceID 0x8 Size 0x0 ITT_addr 0x{dev.IttAddress:x} V 0",
        }));
        Assert.That(dev.Mapped, Is.False);
        var dev2 = bed.ItsDriver.Prepare(8, 2)!;
        Assert.That(bed.ItsDriver.AllocateVectors(dev2, 2, out var v), Is.EqualTo(Errno.None));
        Assert.That(v.Select(x => (x.EventId, x.IntId, x.Message.Data)), Is.EqualTo(new[] { (0u, 0x2000u, 0u), (1u, 0x2001u, 1u) }));
        Assert.That(v[0].Message.Address, Is.EqualTo(0x0809_0040UL), "no IOMMU domain: the physical doorbell");
        var dev3 = bed.ItsDriver.Prepare(0x10, 2)!;
        Assert.That(dev3.LpiBase, Is.EqualTo(0x2002u));
        Assert.That(bed.ItsDriver.Prepare(8, 4), Is.SameAs(dev2), "an existing device is reused");
        Assert.That(bed.Its.CommandErrors, Is.EqualTo(0));
    }

    [Test]
    public void MapdSizeFollowsTheRoundedVectorCount()
    {
        var bed = InitBed();
        Assert.That(bed.ItsDriver.Prepare(1, 1)!.MapdSize, Is.EqualTo(0));
        Assert.That(bed.ItsDriver.Prepare(2, 3)!.MapdSize, Is.EqualTo(1), "3 -> 4 ITEs");
        Assert.That(bed.ItsDriver.Prepare(3, 32)!.MapdSize, Is.EqualTo(4));
        var dev = bed.ItsDriver.Prepare(4, 2)!;
        Assert.That(bed.ItsDriver.AllocateVectors(dev, 3, out var v), Is.EqualTo(Errno.ENOSPC));
        Assert.That(v, Has.Count.EqualTo(2));
        Assert.That(bed.ItsDriver.Prepare(1u << 16, 1), Is.Null, "beyond GITS_TYPER.Devbits");
    }

    [Test]
    public void AffinityChangeSendsMoviAndMovesDelivery()
    {
        var bed = InitBed(cpus: 2);
        Assert.That(Names(bed.ItsDriver.CommandLog), Is.EqualTo(new[]
        {
            "MAPC ICID 0x0 RDbase 0x0 V 1", "SYNC RDbase 0x0", "INVALL ICID 0x0", "SYNC RDbase 0x0",
            "MAPC ICID 0x1 RDbase 0x1 V 1", "SYNC RDbase 0x1", "INVALL ICID 0x1", "SYNC RDbase 0x1",
        }));
        var dev = bed.ItsDriver.Prepare(8, 2)!;
        bed.ItsDriver.AllocateVectors(dev, 2, out var v);
        Assert.That((dev.TargetCpu(0), dev.TargetCpu(1)), Is.EqualTo((0, 1)), "least-loaded CPU");
        bed.ItsDriver.Unmask(dev, 0);
        int before = bed.ItsDriver.CommandLog.Count;
        Assert.That(bed.ItsDriver.SetAffinity(dev, 0, 1), Is.EqualTo(Errno.None));
        Assert.That(Names(bed.ItsDriver.CommandLog.Skip(before)), Is.EqualTo(new[] { "MOVI DeviceID 0x8 EventID 0x0 ICID 0x1", "SYNC RDbase 0x1" }));
        Assert.That(bed.ItsDriver.SetAffinity(dev, 0, 1), Is.EqualTo(Errno.None));
        Assert.That(bed.ItsDriver.CommandLog.Count, Is.EqualTo(before + 2), "unchanged affinity: no command");
        Assert.That(bed.Bus.Write(bed.ItsDriver.TranslaterAddress, 4, v[0].Message.Data, new BusAttributes(DeviceId: 8)), Is.EqualTo(BusStatus.Ok));
        Assert.That((bed.Gic.CpuInterfaces[0].Count(0x2000), bed.Gic.CpuInterfaces[1].Count(0x2000)), Is.EqualTo((0L, 1L)));
    }

    [Test]
    public void GicV2mGivesSpisAtFramePlus0x40ThroughTheMsiCookie()
    {
        var bed = new DriverTestBed();
        Assert.That(bed.Bus.Write(0x0800_0000, 4, 2, BusAttributes.Cpu), Is.EqualTo(BusStatus.Ok)); // GICD_CTLR.EnableGrp1NS
        var v2m = new GicV2mDriver(bed.Bus, DriverTestBed.V2mBase, 0x0800_0000);
        Assert.That(v2m.Init(), Is.EqualTo(Errno.None));
        Assert.That((v2m.SpiStart, v2m.NrSpis), Is.EqualTo((80u, 64u)));
        // VFIO-style unmanaged domain with an MSI cookie at the SW_MSI base.
        var domain = bed.Driver.AllocDomain(IommuDomainType.Unmanaged)!;
        Assert.That(((ArmSmmuDomain)domain.Ops!).Attach([8u]), Is.EqualTo(Errno.None));
        Assert.That(MsiCookie.GetMsiCookie(domain, HostSystem.MsiIovaBase), Is.EqualTo(Errno.None));
        Assert.That(v2m.AllocateVectors(3, out var v, domain), Is.EqualTo(Errno.None));
        Assert.That(v.Select(x => x.Message), Is.EqualTo(new[]
        {
            new MsiMessage(0x0800_0040, 80), new MsiMessage(0x0800_0040, 81), new MsiMessage(0x0800_0040, 82),
        }), "SW_MSI page 0x8000000 | (0x8020040 & 0xfff)");
        Assert.That(v2m.AllocateVectors(1, out var w), Is.EqualTo(Errno.None));
        Assert.That(w[0].IntId, Is.EqualTo(84u), "power-of-two aligned blocks: 80..83 taken");
        Assert.That(w[0].Message.Address, Is.EqualTo(0x0802_0040UL), "no domain: physical frame + MSI_SETSPI_NS");
        v2m.Unmask(81);
        Assert.That(bed.Msi(8, 8, v[1].Message), Is.EqualTo(BusStatus.Ok));
        Assert.That(bed.Gic.CpuInterfaces[0].Count(81), Is.EqualTo(1));
        Assert.That(v2m.Free(81), Is.EqualTo(Errno.None));
        Assert.That(v2m.Free(81), Is.EqualTo(Errno.EINVAL));
    }

    [Test]
    public void MsiControllerUpstreamOfTheIommuIsNotMapped()
    {
        var bed = new DriverTestBed();
        var domain = bed.Driver.AllocDomain(IommuDomainType.Unmanaged)!;
        Assert.That(MsiCookie.GetMsiCookie(domain, HostSystem.MsiIovaBase), Is.EqualTo(Errno.None));
        Assert.That(MsiComposer.Compose(domain, 0x0809_0040, 3, upstreamOfIommu: true, out var m), Is.EqualTo(Errno.None));
        Assert.That(m, Is.EqualTo(new MsiMessage(0x0809_0040, 3)));
        Assert.That(domain.Cookie!.Pages, Is.Empty);
        Assert.That(MsiComposer.Compose(domain, 0x0809_0040, 3, upstreamOfIommu: false, out m), Is.EqualTo(Errno.None));
        Assert.That(m, Is.EqualTo(new MsiMessage(0x0800_0040, 3)), "VFIO's 0x8000040");
    }

    [Test]
    public void InitWithoutAnItsAtTheAddressFailsCleanly()
    {
        var bed = new DriverTestBed(reset: false);
        var drv = new ItsDriver(bed.Bus, 0x0a00_0000, bed.Gic, bed.Pages);
        Assert.That(drv.Init(), Is.EqualTo(Errno.ETIMEDOUT), "CREADR never moves");
        Assert.That(drv.KernelLog[^1], Does.StartWith("ITS queue timeout"));
        Assert.That(drv.Prepare(8, 1), Is.Null);
    }

    [Test]
    public void PtaItsTargetsRedistributorAddresses()
    {
        var bed = new DriverTestBed(cpus: 2, its: new ItsConfig { Pta = true });
        Assert.That(bed.ItsDriver.Init(), Is.EqualTo(Errno.None));
        // RDbase = RD_base physical address >> 16: 0x080A0000 and 0x080C0000.
        Assert.That(Names(bed.ItsDriver.CommandLog), Is.EqualTo(new[]
        {
            "MAPC ICID 0x0 RDbase 0x80a V 1", "SYNC RDbase 0x80a", "INVALL ICID 0x0", "SYNC RDbase 0x80a",
            "MAPC ICID 0x1 RDbase 0x80c V 1", "SYNC RDbase 0x80c", "INVALL ICID 0x1", "SYNC RDbase 0x80c",
        }));
        var dev = bed.ItsDriver.Prepare(8, 2)!;
        Assert.That(bed.ItsDriver.AllocateVectors(dev, 2, out var v), Is.EqualTo(Errno.None));
        bed.ItsDriver.Unmask(dev, 1);
        Assert.That(bed.Bus.Write(bed.ItsDriver.TranslaterAddress, 4, v[1].Message.Data, new BusAttributes(DeviceId: 8)), Is.EqualTo(BusStatus.Ok));
        Assert.That(bed.Gic.CpuInterfaces[1].Count(v[1].IntId), Is.EqualTo(1));
        Assert.That(bed.Its.CommandErrors, Is.EqualTo(0));
    }

    [Test]
    public void HostDeviceConveniencesUseItsDeviceIdAndController()
    {
        var bed = InitBed();
        var host = new HostSystem(HostPlatform.QemuVirtItsNvme());
        var virtio = host.Devices.Single(d => d.StreamIds.Contains(0x10u));
        var domain = bed.Driver.AttachDefaultDomain(host, virtio.Group)!;
        var dev = bed.ItsDriver.Prepare(virtio, 1)!;
        Assert.That(dev.DeviceId, Is.EqualTo(0x10u));
        Assert.That(MsiComposer.Compose(virtio, domain, 7, out var m), Is.EqualTo(Errno.None));
        Assert.That(m, Is.EqualTo(new MsiMessage(0xffff_f040, 7)));
        Assert.That(host.ComposeMsiAddress(virtio, domain, out ulong addr), Is.EqualTo(Errno.None));
        Assert.That(addr, Is.EqualTo(m.Address), "same doorbell page as HostSystem's composition");
    }

    [Test]
    public void CommandQueueWrapsAroundItsSixtyFourKiB()
    {
        var bed = InitBed();
        var dev = bed.ItsDriver.Prepare(8, 1)!;
        bed.ItsDriver.AllocateVectors(dev, 1, out var v);
        for (int i = 0; i < 1100; i++) // 4400 commands: the 2048-entry ring wraps twice
        {
            Assert.That(bed.ItsDriver.Unmask(dev, 0), Is.EqualTo(Errno.None));
            Assert.That(bed.ItsDriver.Mask(dev, 0), Is.EqualTo(Errno.None));
        }
        bed.ItsDriver.Unmask(dev, 0);
        Assert.That(bed.Its.CommandsProcessed, Is.EqualTo(bed.ItsDriver.CommandLog.Count));
        Assert.That(bed.ItsDriver.CommandLog.Count, Is.GreaterThan(2 * 2048));
        Assert.That(bed.Its.CommandErrors, Is.EqualTo(0));
        Assert.That(bed.Bus.Write(bed.ItsDriver.TranslaterAddress, 4, v[0].Message.Data, new BusAttributes(DeviceId: 8)), Is.EqualTo(BusStatus.Ok));
        Assert.That(bed.Gic.CpuInterfaces[0].Count(0x2000), Is.EqualTo(1));
    }
}
