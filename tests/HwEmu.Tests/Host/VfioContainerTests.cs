using System.Buffers.Binary;
using HwEmu.Devices.Host;
using HwEmu.Devices.Host.Iommu;
using HwEmu.Devices.Host.IoPgtable;
using HwEmu.Devices.Host.Vfio;
using HwEmu.Devices.Pcie;
using HwEmu.Emulator.Memory;
using NUnit.Framework;

namespace HwEmu.Tests.Host;

public class VfioContainerTests
{
    private const ulong UserBase = 0x7f00_0000_0000, UserPa = 0x4800_0000, UserSize = 64UL << 20;

    private static (HostSystem H, VfioContainer C, PhysicalPageAllocator A) New(HostPlatform? p = null, VfioOptions? o = null)
    {
        var h = new HostSystem(p ?? HostPlatform.QemuVirtItsNvme());
        var a = new PhysicalPageAllocator(new PhysicalMemory(), 0x4000_0000, 32UL << 20);
        var c = VfioContainer.WithIoPgtableDomains(h, a, new LinearUserMemory(UserBase, UserPa, UserSize), o);
        return (h, c, a);
    }

    private static IoPgtableArm Table(VfioContainer c) => ((IoPgtableDomain)c.Domains[0].Domain.Ops!).Table;

    [Test]
    public void CaptureValidIovaListAndPgsizes()
    {
        var (h, c, _) = New();
        Assert.That(c.AttachGroup(h.Groups[0]), Is.EqualTo(Errno.None));
        Assert.That(c.IovaRanges, Is.EqualTo(new[] { new VfioIovaRange(0, 0x7ff_ffff), new VfioIovaRange(0x810_0000, 0xffff_ffff_ffff) }));
        Assert.That(c.PgsizeBitmap, Is.EqualTo(0x4020_1000UL));
        Assert.That(c.AttachGroup(h.Groups[0]), Is.EqualTo(Errno.EINVAL), "duplicate group");
        Assert.That(c.AttachGroup(h.Groups[1]), Is.EqualTo(Errno.None));
        Assert.That(c.Domains.Count, Is.EqualTo(1), "second group reuses the arm-smmu-v3 domain");
        Assert.That(c.Domains[0].Groups.Select(g => g.Id), Is.EqualTo(new[] { 0, 1 }));
        var w = new StringWriter();
        Assert.That(HostReports.WriteIovaRanges(h, w, new PciBdf(0, 2, 0)), Is.True);
        Assert.That(w.ToString(), Is.EqualTo("0x0-0x7ffffff\n0x8100000-0xffffffffffff\n"));
    }

    private static byte[] ExpectedInfo61() =>
    [
        // struct vfio_iommu_type1_info: argsz 116, flags PGSIZES|CAPS, iova_pgsizes, cap_offset 24, 4 untouched bytes
        0x74, 0, 0, 0, 3, 0, 0, 0, 0x00, 0x10, 0x20, 0x40, 0, 0, 0, 0, 24, 0, 0, 0, 0, 0, 0, 0,
        // @24 migration: id 2 v1 next 56, flags 0, pad, pgsize_bitmap 0x1000, max_dirty_bitmap_size 0x10000000
        2, 0, 1, 0, 56, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0,
        // @56 dma_avail: id 3 v1 next 68, avail 65535 (12 bytes, unpadded in 6.1)
        3, 0, 1, 0, 68, 0, 0, 0, 0xff, 0xff, 0, 0,
        // @68 iova_range: id 1 v1 next 0, nr_iovas 2, reserved, [0, 0x7ffffff], [0x8100000, 0xffffffffffff]
        1, 0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x07, 0, 0, 0, 0,
        0, 0, 0x10, 0x08, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0,
    ];

    [Test]
    public void GetInfoLinux61ByteForByte()
    {
        var (h, c, _) = New();
        Assert.That(c.AttachGroup(h.Groups[0]), Is.EqualTo(Errno.None));
        // First call with sizeof(info): success, argsz = needed size, CAPS set, cap_offset 0.
        var first = c.GetInfo(24, out var e);
        Assert.That(e, Is.EqualTo(Errno.None));
        Assert.That(first, Is.EqualTo(new byte[] { 0x74, 0, 0, 0, 3, 0, 0, 0, 0x00, 0x10, 0x20, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }));
        var full = c.GetInfo(116, out e);
        Assert.That(e, Is.EqualTo(Errno.None));
        Assert.That(full, Is.EqualTo(ExpectedInfo61()));

        // argsz below 16: -EINVAL; 16..19: only 16 bytes written back (no cap_offset).
        Assert.That(c.GetInfo(15, out e).Length, Is.EqualTo(16));
        Assert.That(e, Is.EqualTo(Errno.EINVAL));
        var b = new byte[24];
        b.AsSpan().Fill(0xaa);
        BinaryPrimitives.WriteUInt32LittleEndian(b, 16);
        Assert.That(c.GetInfo(b), Is.EqualTo(Errno.None));
        Assert.That(b[16..], Is.EqualTo(Enumerable.Repeat((byte)0xaa, 8).ToArray()), "cap_offset not copied for argsz < 20");
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(b), Is.EqualTo(116u));
        b.AsSpan().Fill(0xaa);
        BinaryPrimitives.WriteUInt32LittleEndian(b, 20);
        Assert.That(c.GetInfo(b), Is.EqualTo(Errno.None));
        Assert.That(b[16..], Is.EqualTo(new byte[] { 0, 0, 0, 0, 0xaa, 0xaa, 0xaa, 0xaa }));
        Assert.That(c.GetInfo(new byte[8]), Is.EqualTo(Errno.EFAULT));
    }

    [Test]
    public void GetInfoPaddedFrom66()
    {
        var p = HostPlatform.QemuVirtItsNvme();
        Assert.That(KernelVersion.TryParse("6.6", out var v66), Is.True);
        var p66 = p.WithKernelVersion(v66);
        Assert.That(HostPlatform.BuiltIn("qemu-virt-gicv2m-nvme")!.MsiParent, Is.EqualTo("v2m@8020000"));
        Assert.That(HostPlatform.BuiltIn("nope"), Is.Null);
        Assert.That(KernelVersion.TryParse("6.1.7", out var v), Is.True);
        Assert.That(v.IovaRetryOverflow, Is.False);
        Assert.That(KernelVersion.TryParse("6", out _), Is.False);
        var (h, c, _) = New(p66);
        Assert.That(c.AttachGroup(h.Groups[0]), Is.EqualTo(Errno.None));
        var b = new byte[200];
        b.AsSpan().Fill(0xaa);
        BinaryPrimitives.WriteUInt32LittleEndian(b, 24);
        Assert.That(c.GetInfo(b), Is.EqualTo(Errno.None));
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(b), Is.EqualTo(120u));
        Assert.That(b[16..24], Is.EqualTo(new byte[8]), "zeroed cap_offset and reserved");
        var full = c.GetInfo(120, out var e);
        Assert.That(e, Is.EqualTo(Errno.None));
        var exp = ExpectedInfo61().ToList();
        exp[0] = 120;
        exp[24 + 4] = 56;
        exp[56 + 4] = 72;
        exp.InsertRange(68, new byte[4]); // dma_avail padded to 16
        Assert.That(full, Is.EqualTo(exp.ToArray()));
        var w = new StringWriter();
        HostReports.WriteDecodedInfo(w, full);
        Assert.That(w.ToString(), Is.EqualTo(
            "argsz 120\nflags 0x3 PGSIZES CAPS\niova_pgsizes 0x40201000\ncap_offset 24\n" +
            "cap @24: MIGRATION v1 next 56: flags 0x0 pgsize_bitmap 0x1000 max_dirty_bitmap_size 0x10000000\n" +
            "cap @56: DMA_AVAIL v1 next 72: avail 65535\n" +
            "cap @72: IOVA_RANGE v1 next 0: nr_iovas 2\n  0x0-0x7ffffff\n  0x8100000-0xffffffffffff\n"));
    }

    [Test]
    public void VfioInfoReport()
    {
        var h = new HostSystem(HostPlatform.QemuVirtItsNvme());
        var w = new StringWriter();
        Assert.That(HostReports.WriteVfioInfo(h, w, new PciBdf(0, 1, 0)), Is.True);
        var lines = w.ToString().Split('\n');
        Assert.That(lines[0], Is.EqualTo("VFIO_IOMMU_GET_INFO argsz=24: 0, argsz -> 116, flags 0x3"));
        Assert.That(lines[1], Is.EqualTo("VFIO_IOMMU_GET_INFO argsz=116: 0"));
        Assert.That(lines[2], Is.EqualTo("0000: 74 00 00 00 03 00 00 00 00 10 20 40 00 00 00 00"));
        Assert.That(lines[9], Is.EqualTo("0070: ff ff 00 00"));
        Assert.That(lines[10], Is.EqualTo("argsz 116"));
        Assert.That(w.ToString(), Does.Contain("cap @56: DMA_AVAIL v1 next 68: avail 65535\n"));
    }

    [Test]
    public void MapDmaErrorOrder()
    {
        var (h, c, _) = New(o: new VfioOptions { DmaEntryLimit = 2 });
        Assert.That(c.AttachGroup(h.Groups[0]), Is.EqualTo(Errno.None));
        var ok = VfioDmaMap.ReadWrite(UserBase, 0x1000_0000, 0x20_0000);
        Assert.That(c.MapDma(ok with { Argsz = 31 }), Is.EqualTo(Errno.EINVAL), "argsz");
        Assert.That(c.MapDma(ok with { Flags = 8 | 3 }), Is.EqualTo(Errno.EINVAL), "unknown flag");
        Assert.That(c.MapDma(ok with { Flags = 0 }), Is.EqualTo(Errno.EINVAL), "no READ/WRITE");
        Assert.That(c.MapDma(ok with { Flags = VfioFlags.MapRead | VfioFlags.MapVaddr }), Is.EqualTo(Errno.EINVAL), "READ with VADDR");
        Assert.That(c.MapDma(ok with { Size = 0 }), Is.EqualTo(Errno.EINVAL), "size 0");
        Assert.That(c.MapDma(ok with { Iova = 0x1000_0800 }), Is.EqualTo(Errno.EINVAL), "unaligned");
        Assert.That(c.MapDma(ok with { Iova = 0xffff_ffff_ffff_f000, Size = 0x2000 }), Is.EqualTo(Errno.EINVAL), "wrap");

        Assert.That(c.MapDma(ok), Is.EqualTo(Errno.None));
        Assert.That(c.DmaAvail, Is.EqualTo(1u));
        Assert.That(c.MapDma(ok with { Iova = 0x1010_0000, Vaddr = UserBase + 0x40_0000 }), Is.EqualTo(Errno.EEXIST), "overlap");
        Assert.That(c.MapDma(ok with { Iova = 0x800_0000, Size = 0x1000 }), Is.EqualTo(Errno.EINVAL), "SW_MSI window");
        Assert.That(c.MapDma(ok with { Iova = 0x7ff_f000, Size = 0x2000 }), Is.EqualTo(Errno.EINVAL), "straddles the window start");
        Assert.That(c.MapDma(ok with { Iova = 1UL << 48, Size = 0x1000 }), Is.EqualTo(Errno.EINVAL), "beyond the aperture");
        Assert.That(c.MapDma(ok with { Iova = 0x2000_0000, Vaddr = UserBase + UserSize }), Is.EqualTo(Errno.EFAULT), "unbacked vaddr");
        Assert.That(c.DmaAvail, Is.EqualTo(1u), "a failed pin gives the entry back");
        Assert.That(c.MapDma(ok with { Iova = 0x3000_0000, Vaddr = UserBase + 0x20_0000, Size = 0x1000 }), Is.EqualTo(Errno.None));
        Assert.That(c.DmaAvail, Is.EqualTo(0u));
        Assert.That(c.MapDma(ok with { Iova = 0x1010_0000 }), Is.EqualTo(Errno.EEXIST), "EEXIST before ENOSPC");
        Assert.That(c.MapDma(ok with { Iova = 0x800_0000, Size = 0x1000 }), Is.EqualTo(Errno.ENOSPC), "ENOSPC before the range check");

        // The 2 MiB mapping became one block; PTE attributes R|W|CACHE.
        var t = Table(c);
        var walk = t.Walk(0x1000_0000);
        Assert.That(walk.Level, Is.EqualTo(2));
        Assert.That(walk.Pte, Is.EqualTo(UserPa | 0xf45), "block: nG AF SH_IS AP_UNPRIV AttrIndx 1");
        Assert.That(t.IovaToPhys(0x3000_0123), Is.EqualTo(UserPa + 0x20_0123));
        Assert.That(c.Mappings.Select(m => (m.Iova, m.Size)), Is.EqualTo(new[] { (0x1000_0000UL, 0x20_0000UL), (0x3000_0000UL, 0x1000UL) }));
        Assert.That(c.MapDma(new byte[31]), Is.EqualTo(Errno.EFAULT));
    }

    [Test]
    public void UnmapDmaSemantics()
    {
        var (h, c, a) = New();
        Assert.That(c.AttachGroup(h.Groups[0]), Is.EqualTo(Errno.None));
        Assert.That(c.MapDma(VfioDmaMap.ReadWrite(UserBase, 0x1000_0000, 0x4000)), Is.EqualTo(Errno.None));
        Assert.That(c.MapDma(VfioDmaMap.ReadWrite(UserBase + 0x4000, 0x1000_4000, 0x1000)), Is.EqualTo(Errno.None));
        var u = new VfioDmaUnmap(24, 0, 0x2000_0000, 0x1000);
        Assert.That(c.UnmapDma(ref u), Is.EqualTo(Errno.None));
        Assert.That(u.Size, Is.EqualTo(0UL), "nothing mapped: success, size 0");
        u = new VfioDmaUnmap(24, 0, 0x1000_1000, 0x1000);
        Assert.That(c.UnmapDma(ref u), Is.EqualTo(Errno.EINVAL), "v2: bisects a mapping");
        u = new VfioDmaUnmap(24, 0, 0x1000_0000, 0x2000);
        Assert.That(c.UnmapDma(ref u), Is.EqualTo(Errno.EINVAL), "v2: end inside a mapping");
        u = new VfioDmaUnmap(23, 0, 0x1000_0000, 0x4000);
        Assert.That(c.UnmapDma(ref u), Is.EqualTo(Errno.EINVAL), "argsz");
        u = new VfioDmaUnmap(24, VfioFlags.UnmapAll, 0x1000_0000, 0);
        Assert.That(c.UnmapDma(ref u), Is.EqualTo(Errno.EINVAL), "ALL needs iova = size = 0");
        u = new VfioDmaUnmap(24, 0, 0x1000_0000, 0x800);
        Assert.That(c.UnmapDma(ref u), Is.EqualTo(Errno.EINVAL), "unaligned size");

        var raw = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(raw, 24);
        BinaryPrimitives.WriteUInt64LittleEndian(raw.AsSpan(8), 0x1000_0000);
        BinaryPrimitives.WriteUInt64LittleEndian(raw.AsSpan(16), 0x10_0000);
        Assert.That(c.UnmapDma(raw), Is.EqualTo(Errno.None));
        Assert.That(BinaryPrimitives.ReadUInt64LittleEndian(raw.AsSpan(16)), Is.EqualTo(0x5000UL), "covers both mappings");
        Assert.That(c.Mappings, Is.Empty);
        Assert.That(c.DmaAvail, Is.EqualTo(65535u));
        Assert.That(Table(c).IovaToPhys(0x1000_0000), Is.EqualTo(0UL));

        // v1 semantics: an unmap starting inside a mapping unmaps nothing and succeeds.
        var (h1, c1, _) = New(o: new VfioOptions { Type1v2 = false });
        Assert.That(c1.AttachGroup(h1.Groups[0]), Is.EqualTo(Errno.None));
        Assert.That(c1.MapDma(VfioDmaMap.ReadWrite(UserBase, 0x1000_0000, 0x4000)), Is.EqualTo(Errno.None));
        u = new VfioDmaUnmap(24, 0, 0x1000_1000, 0x1000);
        Assert.That(c1.UnmapDma(ref u), Is.EqualTo(Errno.None));
        Assert.That(u.Size, Is.EqualTo(0UL));
        u = new VfioDmaUnmap(24, 0, 0x1000_0000, 0x1000);
        Assert.That(c1.UnmapDma(ref u), Is.EqualTo(Errno.None));
        Assert.That(u.Size, Is.EqualTo(0x4000UL), "covering the first iova unmaps the whole mapping");
        _ = a;
    }

    [Test]
    public void UnmapAllAndVaddrUpdate()
    {
        var (h, c, _) = New();
        Assert.That(c.AttachGroup(h.Groups[0]), Is.EqualTo(Errno.None));
        Assert.That(c.MapDma(VfioDmaMap.ReadWrite(UserBase, 0x1000_0000, 0x2000)), Is.EqualTo(Errno.None));
        Assert.That(c.MapDma(VfioDmaMap.ReadWrite(UserBase, 0x2000_0000, 0x1000)), Is.EqualTo(Errno.None));
        var u = new VfioDmaUnmap(24, VfioFlags.UnmapVaddr, 0x1000_0000, 0x2000);
        Assert.That(c.UnmapDma(ref u), Is.EqualTo(Errno.None));
        Assert.That(u.Size, Is.EqualTo(0x2000UL));
        Assert.That(c.Mappings[0].VaddrInvalid, Is.True);
        Assert.That(c.MapDma(new VfioDmaMap(32, VfioFlags.MapVaddr, UserBase + 0x10_0000, 0x1000_0000, 0x1000)), Is.EqualTo(Errno.EINVAL), "size mismatch");
        Assert.That(c.MapDma(new VfioDmaMap(32, VfioFlags.MapVaddr, UserBase, 0x3000_0000, 0x1000)), Is.EqualTo(Errno.ENOENT));
        Assert.That(c.MapDma(new VfioDmaMap(32, VfioFlags.MapVaddr, UserBase + 0x10_0000, 0x1000_0000, 0x2000)), Is.EqualTo(Errno.None));
        Assert.That(c.Mappings[0].Vaddr, Is.EqualTo(UserBase + 0x10_0000));
        u = new VfioDmaUnmap(24, VfioFlags.UnmapAll, 0, 0);
        Assert.That(c.UnmapDma(ref u), Is.EqualTo(Errno.None));
        Assert.That(u.Size, Is.EqualTo(0x3000UL));
        u = new VfioDmaUnmap(24, VfioFlags.UnmapGetDirtyBitmap | VfioFlags.UnmapAll, 0, 0);
        Assert.That(c.UnmapDma(ref u), Is.EqualTo(Errno.EINVAL));
    }

    [Test]
    public void AttachChecksAgainstExistingMappingsAndDetach()
    {
        var (h, c, a) = New();
        Assert.That(c.AttachGroup(h.Groups[0]), Is.EqualTo(Errno.None));
        int pagesAfterFirst = a.BlocksInUse;
        Assert.That(c.MapDma(VfioDmaMap.ReadWrite(UserBase, 0x1000_0000, 0x1000)), Is.EqualTo(Errno.None));
        Assert.That(c.AttachGroup(h.Groups[1]), Is.EqualTo(Errno.None));
        Assert.That(a.BlocksInUse, Is.EqualTo(pagesAfterFirst + 3), "the reused domain's spare pgd was freed; +3 table pages for the map");
        Assert.That(c.DetachGroup(h.Groups[1]), Is.EqualTo(Errno.None));
        Assert.That(c.Mappings.Count, Is.EqualTo(1), "the domain still has a group");
        Assert.That(c.DetachGroup(h.Groups[1]), Is.EqualTo(Errno.ENOENT));
        Assert.That(c.DetachGroup(h.Groups[0]), Is.EqualTo(Errno.None));
        Assert.That(c.Mappings, Is.Empty, "last domain gone: all mappings removed");
        Assert.That(c.DmaAvail, Is.EqualTo(65535u));
        Assert.That(c.IovaRanges, Is.EqualTo(new[] { new VfioIovaRange(0, ulong.MaxValue) }));
        Assert.That(a.BlocksInUse, Is.EqualTo(0));

        // A mapping made while the list is [0, ~0] that lies beyond the new aperture. vfio_iommu_aper_conflict
        // asks vfio_find_dma(end + 1, ~0 - end), whose start + size wraps to 0, so the conflict is missed; the
        // replay then fails in io-pgtable with -ERANGE, which the attach returns (kernel behaviour).
        Assert.That(c.MapDma(VfioDmaMap.ReadWrite(UserBase, 1UL << 50, 0x1000)), Is.EqualTo(Errno.None));
        Assert.That(c.AttachGroup(h.Groups[0]), Is.EqualTo(Errno.ERANGE));
        var u = new VfioDmaUnmap(24, 0, 1UL << 50, 0x1000);
        Assert.That(c.UnmapDma(ref u), Is.EqualTo(Errno.None));
        Assert.That(c.MapDma(VfioDmaMap.ReadWrite(UserBase, 0x800_0000, 0x1000)), Is.EqualTo(Errno.None));
        Assert.That(c.AttachGroup(h.Groups[0]), Is.EqualTo(Errno.EINVAL), "mapping over the SW_MSI region");
        Assert.That(a.BlocksInUse, Is.EqualTo(0), "failed attaches free their domains");
    }

    private static HostPlatform WithControllers(KernelVersion kv, params MsiControllerDescription[] mcs)
    {
        var p = HostPlatform.QemuVirtItsNvme();
        return new HostPlatform
        {
            Name = "mixed", Topology = p.Topology, IommuName = p.IommuName, IommuMap = p.IommuMap, MsiMap = p.MsiMap,
            MsiControllers = mcs, KernelVersion = kv,
        };
    }

    [Test]
    public void InterruptIsolationCheck()
    {
        var (h, c, _) = New(HostPlatform.QemuVirtGicV2mNvme());
        Assert.That(c.AttachGroup(h.Groups[0]), Is.EqualTo(Errno.EPERM));
        Assert.That(c.KernelLog, Is.EqualTo(new[] { "vfio_iommu_type1_attach_group: No interrupt remapping support.  Use the module param \"allow_unsafe_interrupts\" to enable VFIO IOMMU support on this platform" }));
        Assert.That(c.Domains, Is.Empty);
        var (h2, c2, _) = New(HostPlatform.QemuVirtGicV2mNvme(), new VfioOptions { AllowUnsafeInterrupts = true });
        Assert.That(c2.AttachGroup(h2.Groups[0]), Is.EqualTo(Errno.None));
        var w = new StringWriter();
        Assert.That(HostReports.WriteIovaRanges(h, w, new PciBdf(0, 1, 0)), Is.False);
        Assert.That(w.ToString(), Does.EndWith("VFIO_SET_IOMMU: group 0: EPERM (-1)\n"));

        // An ITS for PCI plus a GICv2m elsewhere: the global check of 4.11-6.2 refuses, 6.3+ looks at the group.
        var its = MsiControllerDescription.Its("its@8080000", 0x808_0000);
        var v2m = MsiControllerDescription.GicV2m("v2m@8020000", 0x802_0000);
        var (h61, c61, _) = New(WithControllers(KernelVersion.Default, its, v2m));
        Assert.That(c61.AttachGroup(h61.Groups[0]), Is.EqualTo(Errno.EPERM));
        var (h63, c63, _) = New(WithControllers(new KernelVersion(6, 3), its, v2m));
        Assert.That(c63.AttachGroup(h63.Groups[0]), Is.EqualTo(Errno.None));
    }

    [Test]
    public void GicV2mWithUnsafeInterruptsMapsFrameInSwMsiWindow()
    {
        var (h, c, _) = New(HostPlatform.QemuVirtGicV2mNvme(), new VfioOptions { AllowUnsafeInterrupts = true });
        Assert.That(h.Devices[0].MsiController!.DoorbellPa, Is.EqualTo(0x802_0040UL));
        Assert.That(h.Devices[0].HasIsolatedMsi, Is.False);
        Assert.That(c.AttachGroup(h.Groups[0]), Is.EqualTo(Errno.None));
        Assert.That(c.KernelLog, Is.Empty);
        Assert.That(c.EnableDeviceMsi(h.Devices[0], out ulong a), Is.EqualTo(Errno.None));
        Assert.That(a, Is.EqualTo(0x800_0040UL));
        Assert.That(Table(c).IovaToPhys(0x800_0040), Is.EqualTo(0x802_0040UL));
    }

    [Test]
    public void VtdValidListKeepsRelaxableRmrrs()
    {
        var topo = new PciTopology()
            .Add(new PciFunction(new PciBdf(0, 0x14, 0), PciFunctionKind.RcIntegratedEndpoint) { ClassCode = 0x0c0330 })
            .Add(new PciFunction(new PciBdf(0, 0x17, 0), PciFunctionKind.RcIntegratedEndpoint) { ClassCode = 0x010601 });
        var p = new HostPlatform
        {
            Name = "x86", Iommu = IommuKind.IntelVtd, Firmware = FirmwareKind.Acpi, IommuName = "dmar0", Topology = topo,
            IommuMap = RidMap.Identity("dmar0"), ProbePolicy = IommuProbePolicy.AllDevices, IommuAddressBits = 48, IommuOutputBits = 48,
            ReservedRegions = [new PlatformReservedRegion(0x7a00_0000, 0x1_0000, IommuResvType.Direct, [new PciBdf(0, 0x14, 0), new PciBdf(0, 0x17, 0)])],
            MsiControllers = [new MsiControllerDescription("ir", MsiControllerKind.X86InterruptRemapping, 0xfee0_0000, 0xfee0_0000, true, UpstreamOfIommu: true)],
            MsiParent = "ir",
        };
        var (h, c, _) = New(p);
        Assert.That(c.AttachGroup(h.Groups[0]), Is.EqualTo(Errno.None), "USB: RMRR relaxable");
        Assert.That(c.IovaRanges, Is.EqualTo(new[] { new VfioIovaRange(0, 0xfedf_ffff), new VfioIovaRange(0xfef0_0000, 0xffff_ffff_ffff) }));
        Assert.That(c.DomainOf(h.Groups[0])!.Cookie, Is.Null, "HW msi region: no MSI cookie");
        Assert.That(c.AttachGroup(h.Groups[1]), Is.EqualTo(Errno.None), "SATA: RMRR direct");
        Assert.That(c.IovaRanges, Is.EqualTo(new[]
        {
            new VfioIovaRange(0, 0x79ff_ffff), new VfioIovaRange(0x7a01_0000, 0xfedf_ffff), new VfioIovaRange(0xfef0_0000, 0xffff_ffff_ffff),
        }));
        Assert.That(c.DetachGroup(h.Groups[1]), Is.EqualTo(Errno.None));
        Assert.That(c.IovaRanges, Is.EqualTo(new[] { new VfioIovaRange(0, 0xfedf_ffff), new VfioIovaRange(0xfef0_0000, 0xffff_ffff_ffff) }), "resv_refresh drops the direct RMRR");
        Assert.That(c.EnableDeviceMsi(h.Devices[0], out ulong a), Is.EqualTo(Errno.None));
        Assert.That(a, Is.EqualTo(0xfee0_0000UL));
    }

    [Test]
    public void PartialPinFailureUndoesTheMappedPart()
    {
        var (h, c, _) = New();
        Assert.That(c.AttachGroup(h.Groups[0]), Is.EqualTo(Errno.None));
        Assert.That(c.AttachGroup(h.Groups[1]), Is.EqualTo(Errno.None));
        Assert.That(c.MapDma(VfioDmaMap.ReadWrite(UserBase + UserSize - 0x1000, 0x5000_0000, 0x2000)), Is.EqualTo(Errno.EFAULT));
        Assert.That(Table(c).IovaToPhys(0x5000_0000), Is.EqualTo(0UL), "the first page was mapped, then unmapped");
        Assert.That(c.Mappings, Is.Empty);
        Assert.That(c.DmaAvail, Is.EqualTo(65535u));
    }
}
