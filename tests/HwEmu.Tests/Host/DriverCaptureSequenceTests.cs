using System.IO.Compression;
using System.Text.RegularExpressions;
using HwEmu.Devices.Gic;
using HwEmu.Devices.Host;
using HwEmu.Devices.Host.ArmSmmuV3;
using HwEmu.Devices.Host.Iommu;
using HwEmu.Devices.Smmu;
using NUnit.Framework;

namespace HwEmu.Tests.Host;

/// <summary>
/// The SMMU and ITS command streams our drivers produce, compared with what Linux 6.1 issued to QEMU in the
/// qemu-virt-its-nvme capture (trace.log.gz: smmuv3_cmdq_opcode + operand lines, gicv3_its_cmd_*).
/// </summary>
public class DriverCaptureSequenceTests
{
    private static List<string>? _trace;

    /// <summary>The capture's SMMU and ITS commands, one normalised string each, in trace order.</summary>
    private static List<string> Trace() => _trace ??= ParseTrace();

    private static List<string> ParseTrace()
    {
        string path = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "qemu-virt-its-nvme", "trace.log.gz");
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(gz);
        var list = new List<string>();
        var ev = new Regex(@"^\d+@[\d.]+:(\S+) ?(.*)$");
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            var m = ev.Match(line);
            if (!m.Success) continue;
            string name = m.Groups[1].Value, args = m.Groups[2].Value.Trim();
            switch (name)
            {
                case "smmuv3_cmdq_opcode":
                    list.Add("SMMU " + args.Replace("<--- SMMU_CMD_", ""));
                    break;
                case "smmuv3_cmdq_cfgi_ste":
                    list[^1] += " sid=" + args.Replace("streamid= ", "");
                    break;
                case "smmuv3_cmdq_tlbi_nh_asid":
                    list[^1] += " " + args;
                    break;
                case "smmuv3_s1_range_inval":
                    list[^1] += " " + args;
                    break;
                default:
                    if (name.StartsWith("gicv3_its_cmd_", StringComparison.Ordinal))
                        list.Add("ITS " + NormaliseIts(args.Replace("GICv3 ITS: command ", "")));
                    break;
            }
        }
        return list;
    }

    private static string NormaliseIts(string s)
    {
        s = Regex.Replace(s, @" ITT_addr 0x[0-9a-f]+", "");
        if (s.StartsWith("SYNC", StringComparison.Ordinal)) return "SYNC";
        if (s.StartsWith("INVALL", StringComparison.Ordinal)) return "INVALL";
        return s;
    }

    private static string Smmu(CmdqCommand c)
    {
        string s = "SMMU " + CmdqCommand.Name(c.Opcode)["CMD_".Length..];
        return c.Opcode switch
        {
            CmdqOpcode.CfgiSte => s + $" sid=0x{c.StreamId:x}",
            CmdqOpcode.TlbiNhAsid => s + $" asid={c.Asid}",
            CmdqOpcode.TlbiNhVa => s + $" vmid={c.Vmid} asid={c.Asid} addr=0x{c.Address:x} tg={c.Tg} " +
                $"num_pages=0x{(c.Tg == 0 ? 1UL : (ulong)(c.Num + 1) << c.Scale):x} ttl={c.Ttl} leaf={(c.Leaf ? 1 : 0)}",
            _ => s,
        };
    }

    private sealed class Machine
    {
        public readonly DriverTestBed Bed = new(reset: false);
        public readonly List<string> Log = new();
        public readonly HostSystem Host = new(HostPlatform.QemuVirtItsNvme());

        public Machine()
        {
            Bed.Driver.CommandIssued += c => Log.Add(Smmu(c));
            Bed.ItsDriver.CommandIssued += c => Log.Add("ITS " + NormaliseIts(c.ToString()));
        }
    }

    /// <summary>
    /// Boot to both devices' MSI setup: ITS init, SMMU reset, NVMe (SID/DeviceID 8) default DMA domain + MSI
    /// (one vector, then two after the admin-queue phase), five identify-buffer map/unmaps at 0xffffc000, then
    /// virtio-blk (0x10). The capture's NVMe I/O unmaps at 0xfffdf000 (their IOVA depends on the whole NVMe
    /// allocation history) are left out of the comparison.
    /// </summary>
    private static Machine BootToMsiSetup()
    {
        var m = new Machine();
        var bed = m.Bed;
        Assert.That(bed.ItsDriver.Init(), Is.EqualTo(Errno.None));
        Assert.That(bed.Driver.Reset(), Is.EqualTo(Errno.None));

        var nvme = bed.Driver.AttachDefaultDomain(m.Host, m.Host.Groups[0])!;
        var nd = (ArmSmmuDomain)nvme.Ops!;
        var dev = bed.ItsDriver.Prepare(8, 1)!;
        Assert.That(bed.ItsDriver.AllocateVectors(dev, 1, out var v, nvme), Is.EqualTo(Errno.None));
        Assert.That(v[0].Message.Address, Is.EqualTo(0xffff_f040UL));
        bed.ItsDriver.Unmask(dev, 0);
        const IommuProt rw = IommuProt.Read | IommuProt.Write | IommuProt.Cache;
        Assert.That(nd.DmaMap(0x4330_0000, 0x200, rw, out ulong cq), Is.EqualTo(Errno.None)); // admin CQ
        Assert.That(nd.DmaMap(0x4330_1000, 0x800, rw, out ulong sq), Is.EqualTo(Errno.None)); // admin SQ
        Assert.That((cq, sq), Is.EqualTo((0xffff_e000UL, 0xffff_d000UL)));
        for (int i = 0; i < 5; i++)
        {
            Assert.That(nd.DmaMap(0x4340_0000, 0x1000, rw, out ulong id), Is.EqualTo(Errno.None));
            Assert.That(id, Is.EqualTo(0xffff_c000UL));
            nd.DmaUnmap(id, 0x1000);
        }
        bed.ItsDriver.Mask(dev, 0);
        bed.ItsDriver.Free(dev, 0);
        dev = bed.ItsDriver.Prepare(8, 2)!;
        Assert.That(bed.ItsDriver.AllocateVectors(dev, 2, out _, nvme), Is.EqualTo(Errno.None));
        bed.ItsDriver.Unmask(dev, 0);
        bed.ItsDriver.Unmask(dev, 1);

        var virtio = bed.Driver.AttachDefaultDomain(m.Host, m.Host.Groups[1])!;
        var vdev = bed.ItsDriver.Prepare(0x10, 2)!;
        Assert.That(bed.ItsDriver.AllocateVectors(vdev, 2, out var vv, virtio), Is.EqualTo(Errno.None));
        Assert.That(vv[1].Message.Address, Is.EqualTo(0xffff_f040UL));
        bed.ItsDriver.Unmask(vdev, 0);
        bed.ItsDriver.Unmask(vdev, 1);

        return m;
    }

    /// <summary>The driver calls of <see cref="BootToMsiSetup"/> issue exactly the capture's commands.</summary>
    [Test]
    public void BootSequenceMatchesTheCapture()
    {
        var m = BootToMsiSetup();
        var bed = m.Bed;
        var trace = Trace();
        int end = trace.IndexOf("ITS INV DeviceID 0x10 EventID 0x1") + 2; // through its SYNC
        Assert.That(end, Is.GreaterThan(2));
        var expected = new List<string>();
        for (int i = 0; i < end; i++)
        {
            if (trace[i].Contains("addr=0xfffdf000", StringComparison.Ordinal)) { i++; continue; } // NVMe I/O + its SYNC
            expected.Add(trace[i]);
        }
        Assert.That(m.Log, Is.EqualTo(expected));
        Assert.That(m.Log, Has.Count.EqualTo(64));
        Assert.That(bed.Its.CommandErrors + bed.Smmu.CommandQueue.Errors, Is.EqualTo(0));
    }

    [Test]
    public void EveryCapturedTlbiIsOnePairAndOurStrictUnmapsProduceTheSameLines()
    {
        var trace = Trace().Where(s => s.StartsWith("SMMU", StringComparison.Ordinal)).ToList();
        Assert.That(trace.Count(s => s.StartsWith("SMMU TLBI_NH_VA", StringComparison.Ordinal)), Is.EqualTo(280));
        for (int i = 0; i < trace.Count; i++)
            if (trace[i].StartsWith("SMMU TLBI_NH_VA", StringComparison.Ordinal))
                Assert.That(trace[i + 1], Is.EqualTo("SMMU SYNC"), $"command {i}");

        var m = new Machine();
        Assert.That(m.Bed.Driver.Reset(), Is.EqualTo(Errno.None));
        var d = (ArmSmmuDomain)m.Bed.Driver.AttachDefaultDomain(m.Host, m.Host.Groups[0])!.Ops!;
        const IommuProt rw = IommuProt.Read | IommuProt.Write;
        Assert.That(IommuCore.Map(d, 0xfffc_0000, 0x4400_0000, 0x1_0000, rw), Is.EqualTo(Errno.None));
        Assert.That(IommuCore.Map(d, 0xffff_c000, 0x4410_0000, 0x1000, rw), Is.EqualTo(Errno.None));
        m.Log.Clear();
        IommuCore.Unmap(d, 0xfffc_0000, 0x1_0000);
        IommuCore.Unmap(d, 0xffff_c000, 0x1000);
        Assert.That(m.Log, Is.EqualTo(new[]
        {
            "SMMU TLBI_NH_VA vmid=0 asid=1 addr=0xfffc0000 tg=1 num_pages=0x10 ttl=3 leaf=1", "SMMU SYNC",
            "SMMU TLBI_NH_VA vmid=0 asid=1 addr=0xffffc000 tg=1 num_pages=0x1 ttl=3 leaf=1", "SMMU SYNC",
        }));
        Assert.That(trace, Does.Contain(m.Log[0]));
        Assert.That(trace, Does.Contain(m.Log[2]));
    }

    private static List<(ulong Offset, int Size, ulong Value)> TraceWrites(string eventName, Regex args)
    {
        string path = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "qemu-virt-its-nvme", "trace.log.gz");
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(gz);
        var list = new List<(ulong, int, ulong)>();
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            int at = line.IndexOf(':');
            if (at < 0 || !line.AsSpan(at + 1).StartsWith(eventName, StringComparison.Ordinal)) continue;
            var m = args.Match(line);
            if (!m.Success) continue;
            list.Add((Convert.ToUInt64(m.Groups["off"].Value, 16), Convert.ToInt32(m.Groups["size"].Value, 16), Convert.ToUInt64(m.Groups["val"].Value, 16)));
        }
        return list;
    }

    // Table and queue base registers carry physical addresses of the kernel's allocations: compare the other bits.
    private static ulong MaskPa(ulong offset, ulong value, params ulong[] baseRegs) =>
        baseRegs.Contains(offset) ? value & ~0x000f_ffff_ffff_f000UL : value;

    [Test]
    public void SmmuRegisterWritesMatchTheCaptureThroughTheFirstAttach()
    {
        var bed = new DriverTestBed(reset: false, recordMmio: true);
        var host = new HostSystem(HostPlatform.QemuVirtItsNvme());
        Assert.That(bed.Driver.Reset(), Is.EqualTo(Errno.None));
        Assert.That(bed.Driver.AttachDefaultDomain(host, host.Groups[0]), Is.Not.Null);
        var trace = TraceWrites("smmuv3_write_mmio", new Regex(@"addr: 0x(?<off>[0-9a-f]+) val:0x(?<val>[0-9a-f]+) size: 0x(?<size>[0-9a-f]+)"));
        int end = trace.FindIndex(w => w.Offset == 0x98 && w.Value == 0xd) + 1;
        Assert.That(end, Is.EqualTo(26));
        ulong[] bases = [0x80, 0x90, 0xa0];
        var expected = trace.Take(end).Select(w => (w.Offset, w.Size, MaskPa(w.Offset, w.Value, bases))).ToList();
        // QEMU 7.2 folds page 1 onto page 0 before tracing (EVENTQ_PROD/CONS at 0x100a8/0x100ac show as 0xa8/0xac).
        var ours = bed.SmmuMmio.Writes.Select(w => (w.Offset & ~0x10000UL, w.Size, MaskPa(w.Offset, w.Value, bases))).ToList();
        Assert.That(ours, Is.EqualTo(expected));
    }

    [Test]
    public void ItsRegisterWritesMatchTheCaptureThroughCollectionSetup()
    {
        var bed = new DriverTestBed(reset: false, recordMmio: true);
        Assert.That(bed.ItsDriver.Init(), Is.EqualTo(Errno.None));
        var trace = TraceWrites("gicv3_its_write", new Regex(@"offset 0x(?<off>[0-9a-f]+) data 0x(?<val>[0-9a-f]+) size (?<size>[0-9]+)"));
        int end = trace.FindIndex(w => w.Offset == 0x88 && w.Value == 0x80) + 1; // CWRITER after INVALL + SYNC
        Assert.That(end, Is.EqualTo(18));
        ulong[] bases = [0x80, 0x100, 0x108];
        var expected = trace.Take(end).Select(w => (w.Offset, w.Size, MaskPa(w.Offset, w.Value, bases))).ToList();
        var ours = bed.ItsMmio.Writes.Select(w => (w.Offset, w.Size, MaskPa(w.Offset, w.Value, bases))).ToList();
        Assert.That(ours, Is.EqualTo(expected));
    }

    [Test]
    public void ItsTablesAfterBootMatchTheCapturesRamImage()
    {
        var image = new HwEmu.Emulator.Memory.PhysicalMemory();
        image.LoadImageFile(Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "qemu-virt-its-nvme", "ram.bin.gz"), 0x4000_0000);
        var m = BootToMsiSetup();
        var its = m.Bed.ItsDriver;
        // LPI configuration bytes: 0x2000..0x2003 enabled (0xa3), the rest default (0xa2). PROPBASER PA 0x425b0000.
        for (uint i = 0; i < 64; i++)
            Assert.That(m.Bed.Memory.Read8(its.PropTable + i), Is.EqualTo(image.Read8(0x425b_0000 + i)), $"LPI {8192 + i}");
        // Device table (BASER0 PA 0x42590000): L1[0] valid, L2 page; DTEs of 8 and 0x10 valid with Size 0.
        ulong l1 = m.Bed.Memory.Read64(m.Bed.Its.DeviceTable.Base), cl1 = image.Read64(0x4259_0000);
        Assert.That((l1 >> 52, m.Bed.Memory.Read64(m.Bed.Its.DeviceTable.Base + 8)), Is.EqualTo((cl1 >> 52, image.Read64(0x4259_0008))));
        ulong l2 = l1 & 0x000f_ffff_ffff_f000UL, cl2 = cl1 & 0x000f_ffff_ffff_f000UL;
        foreach (uint id in new[] { 8u, 0x10u })
            Assert.That(m.Bed.Memory.Read64(l2 + id * 8) & 0x3f, Is.EqualTo(image.Read64(cl2 + id * 8) & 0x3f), $"DTE {id:x}: V, Size");
        Assert.That(m.Bed.Memory.Read64(m.Bed.Its.CollectionTable.Base), Is.EqualTo(image.Read64(0x425a_0000)), "CTE 0: valid, RDbase 0");
    }

    [Test]
    public void StructuresMatchTheCapturesRamImage()
    {
        // The capture's RAM: stream table L1 at 0x43079000 (STRTAB_BASE), NVMe's STE (SID 8) and CD.
        var image = new HwEmu.Emulator.Memory.PhysicalMemory();
        image.LoadImageFile(Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "qemu-virt-its-nvme", "ram.bin.gz"), 0x4000_0000);
        const ulong pa = 0x000f_ffff_ffff_ffc0UL;
        ulong cl1 = image.Read64(0x4307_9000), cl2 = cl1 & pa;
        ulong cSte = cl2 + 8 * 64, cCd = image.Read64(cSte) & pa;

        var m = new Machine();
        Assert.That(m.Bed.Driver.Reset(), Is.EqualTo(Errno.None));
        var d = (ArmSmmuDomain)m.Bed.Driver.AttachDefaultDomain(m.Host, m.Host.Groups[0])!.Ops!;
        var mem = m.Bed.Memory;
        ulong l1 = mem.Read64(m.Bed.Driver.StreamTableBase), ste = m.Bed.Driver.SteAddress(8);
        Assert.That(l1 & ~pa, Is.EqualTo(cl1 & ~pa), "L1 descriptor SPAN");
        for (int w = 0; w < 8; w++)
        {
            ulong mask = w == 0 ? ~pa : ulong.MaxValue;
            Assert.That(mem.Read64(ste + (ulong)w * 8) & mask, Is.EqualTo(image.Read64(cSte + (ulong)w * 8) & mask), $"STE word {w}");
            Assert.That(mem.Read64(ste + 64 + (ulong)w * 8), Is.EqualTo(image.Read64(cSte + 64 + (ulong)w * 8)), $"SID 9 STE word {w}");
        }
        ulong cd = d.CdTable;
        Assert.That(mem.Read64(cd), Is.EqualTo(image.Read64(cCd)), "CD word 0: TCR, flags, ASID 1");
        for (int w = 2; w < 8; w++) Assert.That(mem.Read64(cd + (ulong)w * 8), Is.EqualTo(image.Read64(cCd + (ulong)w * 8)), $"CD word {w}");
    }

    [Test]
    public void CommandCountsOfTheCaptureByKind()
    {
        // The capture README's counts, which the comparisons above rely on being complete.
        var t = Trace();
        int Count(string prefix) => t.Count(s => s.StartsWith(prefix, StringComparison.Ordinal));
        Assert.That((Count("SMMU "), Count("SMMU SYNC"), Count("SMMU CFGI_STE "), Count("SMMU CFGI_STE_RANGE"), Count("SMMU TLBI_NH_ASID"),
            Count("SMMU PREFETCH_CONFIG"), Count("SMMU TLBI_NSNH_ALL")), Is.EqualTo((582, 292, 4, 1, 2, 2, 1)));
        Assert.That((Count("ITS MAPD"), Count("ITS MAPC"), Count("ITS MAPTI"), Count("ITS INV "), Count("ITS INVALL"),
            Count("ITS DISCARD"), Count("ITS SYNC")), Is.EqualTo((5, 1, 5, 8, 1, 3, 18)));
    }
}
