using System.Buffers.Binary;
using HwEmu.Devices.Host.Iommu;
using HwEmu.Devices.Host.IoPgtable;
using HwEmu.Devices.Host.Vfio;
using HwEmu.Devices.Pcie;
using HwEmu.Emulator.Memory;

namespace HwEmu.Devices.Host;

/// <summary>
/// Text the `hwemu host ...` commands print, rendered from a <see cref="HostSystem"/>: groups and reserved
/// regions in sysfs format, VFIO usable IOVA ranges, and the VFIO_IOMMU_GET_INFO buffer. All output uses "\n".
/// </summary>
public static class HostReports
{
    /// <summary>
    /// `hwemu host groups`: per group, "GROUP /sys/kernel/iommu_groups/N: &lt;devices&gt;", its reserved_regions
    /// lines and its type — the format of the capture's serial.log.
    /// </summary>
    public static void WriteGroups(HostSystem host, TextWriter w)
    {
        foreach (var g in host.Groups)
        {
            w.Write($"GROUP /sys/kernel/iommu_groups/{g.Id}: {string.Join(' ', g.Devices.Select(d => d.Bdf))}\n");
            foreach (var r in g.ReservedRegions) w.Write(r.ToSysfsLine() + "\n");
            w.Write(IommuDomain.SysfsTypeName(g.DefaultDomainType) + "\n");
        }
    }

    /// <summary>
    /// `hwemu host reserved-regions [--device BDF]`: the reserved_regions file of the device's group, or of every
    /// group with a "/sys/kernel/iommu_groups/N/reserved_regions:" header. Returns false for an unknown device.
    /// </summary>
    public static bool WriteReservedRegions(HostSystem host, TextWriter w, PciBdf? device = null)
    {
        if (device is PciBdf bdf)
        {
            var dev = host.FindDevice(bdf);
            if (dev is null)
            {
                w.Write($"{bdf}: no IOMMU group\n");
                return false;
            }
            foreach (var r in dev.Group.ReservedRegions) w.Write(r.ToSysfsLine() + "\n");
            return true;
        }
        foreach (var g in host.Groups)
        {
            w.Write($"/sys/kernel/iommu_groups/{g.Id}/reserved_regions:\n");
            foreach (var r in g.ReservedRegions) w.Write(r.ToSysfsLine() + "\n");
        }
        return true;
    }

    /// <summary>
    /// Attaches the group of <paramref name="device"/> to a fresh type1 container (io-pgtable domains in scratch
    /// memory) as VFIO_SET_IOMMU would; returns the container, or null with the errno and kernel log written.
    /// </summary>
    public static VfioContainer? AttachForReport(HostSystem host, TextWriter w, PciBdf device, VfioOptions? options, out Errno err)
    {
        err = Errno.ENODEV;
        var dev = host.FindDevice(device);
        if (dev is null)
        {
            w.Write($"{device}: no IOMMU group\n");
            return null;
        }
        var alloc = new PhysicalPageAllocator(new PhysicalMemory(), 0x4000_0000, 64UL << 20, host.Platform.PageSize);
        var c = VfioContainer.WithIoPgtableDomains(host, alloc, new LinearUserMemory(0, 0, 0), options);
        err = c.AttachGroup(dev.Group);
        if (err != Errno.None)
        {
            foreach (var line in c.KernelLog) w.Write(line + "\n");
            w.Write($"VFIO_SET_IOMMU: group {dev.Group.Id}: {err} (-{(int)err})\n");
            return null;
        }
        return c;
    }

    /// <summary>
    /// `hwemu host iova-ranges --device BDF`: the usable IOVA ranges VFIO reports for the device's group, one
    /// "0x%llx-0x%llx" line each (inclusive ends). Returns false when the attach fails (errno printed).
    /// </summary>
    public static bool WriteIovaRanges(HostSystem host, TextWriter w, PciBdf device, VfioOptions? options = null)
    {
        var c = AttachForReport(host, w, device, options, out _);
        if (c is null) return false;
        foreach (var r in c.IovaRanges) w.Write(r + "\n");
        return true;
    }

    /// <summary>
    /// `hwemu host vfio-info --device BDF`: QEMU's two-step VFIO_IOMMU_GET_INFO (argsz = 24, then the size the
    /// kernel asked for), printed as a hex dump of the final buffer followed by the decoded fields.
    /// </summary>
    public static bool WriteVfioInfo(HostSystem host, TextWriter w, PciBdf device, VfioOptions? options = null)
    {
        var c = AttachForReport(host, w, device, options, out _);
        if (c is null) return false;
        var first = c.GetInfo(VfioFlags.InfoSize, out var e1);
        uint need = BinaryPrimitives.ReadUInt32LittleEndian(first);
        w.Write($"VFIO_IOMMU_GET_INFO argsz={VfioFlags.InfoSize}: {Describe(e1)}, argsz -> {need}, flags 0x{BinaryPrimitives.ReadUInt32LittleEndian(first.AsSpan(4)):x}\n");
        var buf = c.GetInfo(need, out var e2);
        w.Write($"VFIO_IOMMU_GET_INFO argsz={need}: {Describe(e2)}\n");
        WriteHexDump(w, buf);
        WriteDecodedInfo(w, buf);
        return true;
    }

    private static string Describe(Errno e) => e == Errno.None ? "0" : $"{e} (-{(int)e})";

    /// <summary>16 bytes per line: "0000: xx xx ...".</summary>
    public static void WriteHexDump(TextWriter w, ReadOnlySpan<byte> data)
    {
        for (int off = 0; off < data.Length; off += 16)
        {
            var line = new System.Text.StringBuilder();
            line.Append($"{off:x4}:");
            for (int i = off; i < Math.Min(off + 16, data.Length); i++) line.Append($" {data[i]:x2}");
            w.Write(line.Append('\n').ToString());
        }
    }

    /// <summary>Decodes a vfio_iommu_type1_info buffer and its capability chain.</summary>
    public static void WriteDecodedInfo(TextWriter w, ReadOnlySpan<byte> buf)
    {
        uint argsz = BinaryPrimitives.ReadUInt32LittleEndian(buf);
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(buf[4..]);
        ulong pgsizes = BinaryPrimitives.ReadUInt64LittleEndian(buf[8..]);
        uint capOffset = buf.Length >= 20 ? BinaryPrimitives.ReadUInt32LittleEndian(buf[16..]) : 0;
        w.Write($"argsz {argsz}\nflags 0x{flags:x}{((flags & VfioFlags.InfoPgsizes) != 0 ? " PGSIZES" : "")}{((flags & VfioFlags.InfoCaps) != 0 ? " CAPS" : "")}\n");
        w.Write($"iova_pgsizes 0x{pgsizes:x}\ncap_offset {capOffset}\n");
        uint off = capOffset;
        int guard = 0;
        while (off != 0 && off + 8 <= buf.Length && guard++ < 16)
        {
            ushort id = BinaryPrimitives.ReadUInt16LittleEndian(buf[(int)off..]);
            ushort ver = BinaryPrimitives.ReadUInt16LittleEndian(buf[(int)(off + 2)..]);
            uint next = BinaryPrimitives.ReadUInt32LittleEndian(buf[(int)(off + 4)..]);
            var cap = buf[(int)off..];
            switch (id)
            {
                case VfioFlags.CapMigration when cap.Length >= 32:
                    w.Write($"cap @{off}: MIGRATION v{ver} next {next}: flags 0x{BinaryPrimitives.ReadUInt32LittleEndian(cap[8..]):x} pgsize_bitmap 0x{BinaryPrimitives.ReadUInt64LittleEndian(cap[16..]):x} max_dirty_bitmap_size 0x{BinaryPrimitives.ReadUInt64LittleEndian(cap[24..]):x}\n");
                    break;
                case VfioFlags.CapDmaAvail when cap.Length >= 12:
                    w.Write($"cap @{off}: DMA_AVAIL v{ver} next {next}: avail {BinaryPrimitives.ReadUInt32LittleEndian(cap[8..])}\n");
                    break;
                case VfioFlags.CapIovaRange when cap.Length >= 16:
                    uint n = BinaryPrimitives.ReadUInt32LittleEndian(cap[8..]);
                    w.Write($"cap @{off}: IOVA_RANGE v{ver} next {next}: nr_iovas {n}\n");
                    for (int i = 0; i < n && 32 + 16 * i <= cap.Length; i++)
                        w.Write($"  0x{BinaryPrimitives.ReadUInt64LittleEndian(cap[(16 + 16 * i)..]):x}-0x{BinaryPrimitives.ReadUInt64LittleEndian(cap[(24 + 16 * i)..]):x}\n");
                    break;
                default:
                    w.Write($"cap @{off}: id {id} v{ver} next {next}\n");
                    break;
            }
            off = next;
        }
    }
}
