using HwEmu.Devices.Gic;
using HwEmu.Devices.Smmu;
using HwEmu.Traces.Format;
using HwEmu.Traces.Qemu;
using HwEmu.Traces.Recording;
using NUnit.Framework;
using TranslationSource = HwEmu.Traces.Format.TranslationSource;
using ItsCommandRecord = HwEmu.Traces.Format.ItsCommandRecord;

namespace HwEmu.Tests.Traces;

/// <summary>The importer on small logs in the formats of QEMU 7.2 and later: exact records out.</summary>
public class QemuImportTests
{
    internal static (byte[] Trace, QemuImportStatistics Stats) Import(string log, byte[]? ram = null)
    {
        var ms = new MemoryStream();
        var platform = new QemuVirtPlatform();
        QemuImportStatistics stats;
        using (var w = new TraceWriter(ms, new TraceHeader { Platform = platform.Describe() }, leaveOpen: true))
        {
            stats = QemuLogImporter.Import(new StringReader(log), ram is null ? null : new MemoryStream(ram), platform, w);
        }
        return (ms.ToArray(), stats);
    }

    internal static List<string> Records(byte[] trace)
    {
        using var reader = new TraceReader(new MemoryStream(trace));
        return SampleTrace.ReadAll(reader);
    }

    private static string Mem(ulong time, ulong address, MemoryStructure s, params ulong[] words)
    {
        var bytes = new byte[words.Length * 8];
        for (int i = 0; i < words.Length; i++) BitConverter.TryWriteBytes(bytes.AsSpan(i * 8), words[i]);
        return SampleTrace.RenderMemoryWrite(new MemoryWriteRecord(time, address, s, bytes));
    }

    [Test]
    public void SmmuCommandsAreRebuiltIntoTheSlotQemuConsumedBeforeTheProdWrite()
    {
        // QEMU splits a range TLBI into power-of-two chunks, one line each (3 pages = 2 + 1).
        const string log =
            "7@100.000000:smmuv3_write_mmio addr: 0x90 val:0x400000004bb00010 size: 0x8(0)\n" +
            "7@100.000001:smmuv3_cmdq_consume prod=2 cons=0 prod.wrap=0 cons.wrap=0\n" +
            "7@100.000001:smmuv3_cmdq_opcode <--- SMMU_CMD_TLBI_NH_VA\n" +
            "7@100.000001:smmuv3_s1_range_inval vmid=0 asid=1 addr=0x10000 tg=1 num_pages=0x2 ttl=3 leaf=1\n" +
            "7@100.000001:smmuv3_s1_range_inval vmid=0 asid=1 addr=0x12000 tg=1 num_pages=0x1 ttl=3 leaf=1\n" +
            "7@100.000001:smmuv3_cmdq_consume prod=2 cons=1 prod.wrap=0 cons.wrap=0\n" +
            "7@100.000001:smmuv3_cmdq_opcode <--- SMMU_CMD_SYNC\n" +
            "7@100.000001:smmuv3_cmdq_consume_out prod:2, cons:2, prod_wrap:0, cons_wrap:0 \n" +
            "7@100.000002:smmuv3_write_mmio addr: 0x98 val:0x2 size: 0x4(0)\n";
        var (trace, stats) = Import(log);
        const ulong tlbiDw0 = 0x12 | 2UL << 12 | 1UL << 48, tlbiDw1 = 1 | 3UL << 8 | 1UL << 10 | 0x10000;
        Assert.That(Records(trace), Is.EqualTo(new[]
        {
            new RegisterWriteRecord(0, 0, 0x0905_0090, 8, 0x400000004bb00010).ToString(),
            Mem(2_000_000, 0x4bb0_0000, MemoryStructure.SmmuCommandQueue, tlbiDw0, tlbiDw1),
            Mem(2_000_000, 0x4bb0_0010, MemoryStructure.SmmuCommandQueue, 0x46, 0),
            new RegisterWriteRecord(2_000_000, 0, 0x0905_0098, 4, 2).ToString(),
            new SmmuCommandRecord(2_000_000, 0, 0, 0x12, 0, tlbiDw0, tlbiDw1).ToString(),
            new SmmuCommandRecord(2_000_000, 0, 1, 0x46, 0, 0x46, 0).ToString(),
        }));
        var cmd = new CmdqCommand(tlbiDw0, tlbiDw1);
        Assert.That((cmd.Opcode, cmd.Asid, cmd.Address, cmd.Tg, cmd.Num, cmd.Scale, cmd.Ttl, cmd.Leaf),
            Is.EqualTo((CmdqOpcode.TlbiNhVa, (ushort)1, 0x10000UL, 1, 2, 0, 3, true)), "(NUM+1) << SCALE = 3 pages");
        Assert.That((stats.SmmuCommands, stats.RegisterWrites, stats.Records), Is.EqualTo((2L, 2L, 7L)));
    }

    [TestCase(1UL, 0, 0)]
    [TestCase(32UL, 31, 0)]
    [TestCase(64UL, 31, 1)]
    [TestCase(0x300UL, 23, 5)]
    public void RangePagesAreEncodedAsNumAndScale(ulong pages, int num, int scale)
    {
        string log =
            "smmuv3_write_mmio addr: 0x90 val:0x4bb00010 size: 0x8(0)\n" +
            "smmuv3_cmdq_consume prod=1 cons=0 prod.wrap=0 cons.wrap=0\n" +
            "smmuv3_cmdq_opcode <--- SMMU_CMD_TLBI_NH_VAA\n" +
            $"smmuv3_range_inval vmid=0 asid=-1 addr=0x200000 tg=1 num_pages=0x{pages:x} ttl=0 leaf=0 stage=1\n" +
            "smmuv3_write_mmio addr: 0x98 val:0x1 size: 0x4(0)\n";
        var (trace, _) = Import(log);
        using var reader = new TraceReader(new MemoryStream(trace));
        SmmuCommandRecord c = default;
        while (reader.TryReadNext(out var rec)) if (rec.TryRead(out SmmuCommandRecord r)) c = r;
        var cmd = new CmdqCommand(c.Word0, c.Word1);
        Assert.That((cmd.Opcode, cmd.Num, cmd.Scale, cmd.Asid, cmd.Address), Is.EqualTo((CmdqOpcode.TlbiNhVaa, num, scale, (ushort)0, 0x200000UL)));
    }

    [Test]
    public void ItsCommandsGoToCbaserPlusOffsetBeforeTheCwriterWrite()
    {
        const string log =
            "gicv3_its_write GICv3 ITS write: offset 0x80 data 0xb80000004258040f size 8\n" +
            "gicv3_its_process_command GICv3 ITS: processing command at offset 0x5: 0xa\n" +
            "gicv3_its_cmd_mapti GICv3 ITS: command MAPTI DeviceID 0x8 EventID 0x1 ICID 0x0 pINTID 0x2001\n" +
            "gicv3_its_dte_read GICv3 ITS: Device Table read for DeviceID 0x8: valid 1 size 0x0 ITTaddr 0x481e3a00\n" +
            "gicv3_its_process_command GICv3 ITS: processing command at offset 0x6: 0x8\n" +
            "gicv3_its_cmd_mapd GICv3 ITS: command MAPD DeviceID 0x10 Size 0x1 ITT_addr 0x433cc2 V 1\n" +
            "gicv3_its_write GICv3 ITS write: offset 0x88 data 0xe0 size 4\n";
        var (trace, stats) = Import(log);
        var mapti = ItsCommand.Mapti(8, 1, 0x2001, 0);
        var mapd = ItsCommand.Mapd(0x10, 1, 0x433c_c200, true);
        Assert.That(Records(trace), Is.EqualTo(new[]
        {
            new RegisterWriteRecord(1000, 1, 0x0808_0080, 8, 0xb80000004258040f).ToString(),
            Mem(7000, 0x4258_00a0, MemoryStructure.ItsCommandQueue, mapti.Dw0, mapti.Dw1, mapti.Dw2, mapti.Dw3),
            Mem(7000, 0x4258_00c0, MemoryStructure.ItsCommandQueue, mapd.Dw0, mapd.Dw1, mapd.Dw2, mapd.Dw3),
            new RegisterWriteRecord(7000, 1, 0x0808_0088, 4, 0xe0).ToString(),
            new ItsCommandRecord(7000, 0, 5, 0x0a, 0, 8, 1, mapti.Dw0, mapti.Dw1, mapti.Dw2, mapti.Dw3).ToString(),
            new ItsCommandRecord(7000, 0, 6, 0x08, 0, 0x10, 0, mapd.Dw0, mapd.Dw1, mapd.Dw2, mapd.Dw3).ToString(),
        }));
        Assert.That((stats.ItsCommands, stats.Msis), Is.EqualTo((2L, 0L)), "the DTE read of MAPTI is not an MSI outcome");
    }

    [Test]
    public void QueueBasesWrittenAsTwoHalvesAreFollowed()
    {
        const string log =
            "gicv3_its_write GICv3 ITS write: offset 0x80 data 0x4258040f size 4\n" +
            "gicv3_its_write GICv3 ITS write: offset 0x84 data 0xb8000000 size 4\n" +
            "gicv3_its_process_command GICv3 ITS: processing command at offset 0x1: 0x5\n" +
            "gicv3_its_cmd_sync GICv3 ITS: command SYNC\n" +
            "gicv3_its_write GICv3 ITS write: offset 0x88 data 0x40 size 4\n" +
            "smmuv3_write_mmio addr: 0x90 val:0x4bb00013 size: 0x4(0)\n" +
            "smmuv3_write_mmio addr: 0x94 val:0x40000000 size: 0x4(0)\n" +
            "smmuv3_cmdq_consume prod=9 cons=8 prod.wrap=0 cons.wrap=0\n" +
            "smmuv3_cmdq_opcode <--- SMMU_CMD_SYNC\n" +
            "smmuv3_write_mmio addr: 0x98 val:0x9 size: 0x4(0)\n";
        var records = Records(Import(log).Trace);
        var sync = ItsCommand.Sync(0);
        Assert.That(records, Does.Contain(Mem(5000, 0x4258_0020, MemoryStructure.ItsCommandQueue, sync.Dw0, sync.Dw1, sync.Dw2, sync.Dw3)));
        Assert.That(records, Does.Contain(Mem(10000, 0x4bb0_0080, MemoryStructure.SmmuCommandQueue, 0x46, 0)));
    }

    [Test]
    public void MsisCarryTheDeviceIdAndTheLpiQemuDelivered()
    {
        const string log =
            "2025-07-21T18:43:28.000001Z gicv3_its_translation_write GICv3 ITS TRANSLATER write: offset 0x40 data 0x1 size 4 requester_id 0x10\n" +
            "2025-07-21T18:43:28.000001Z gicv3_its_dte_read GICv3 ITS: Device Table read for DeviceID 0x10: valid 1 size 0x0 ITTaddr 0x433cc200\n" +
            "2025-07-21T18:43:28.000001Z gicv3_its_ite_read GICv3 ITS: Interrupt Table read for ITTaddr 0x433cc200 EventID 0x1: valid 1 inttype 1 intid 0x2003 ICID 0x0 vPEID 0x0 doorbell 0x3ff\n" +
            "2025-07-21T18:43:28.000001Z gicv3_its_cte_read GICv3 ITS: Collection Table read for ICID 0x0: valid 1 RDBase 0x0\n" +
            "2025-07-21T18:43:28.000004Z gicv3_its_translation_write GICv3 ITS TRANSLATER write: offset 0x40 data 0x0 size 4 requester_id 0x18\n" +
            "2025-07-21T18:43:28.000004Z gicv3_its_dte_read GICv3 ITS: Device Table read for DeviceID 0x18: valid 0 size 0x0 ITTaddr 0x0\n" +
            "2025-07-21T18:43:28.000005Z gicv3_its_read GICv3 ITS read: offset 0x90 data 0x0 size 4\n";
        var (trace, stats) = Import(log);
        Assert.That(Records(trace), Is.EqualTo(new[]
        {
            new MsiWriteRecord(0, 0x10, 0x10, 0x0809_0040, 1).ToString(),
            new InterruptDeliveredRecord(0, 0x2003, 0, InterruptSource.Its, 0x10, 1).ToString(),
            new MsiWriteRecord(3_000_000, 0x18, 0x18, 0x0809_0040, 0).ToString(),
        }));
        Assert.That((stats.Msis, stats.MsisWithExpectation), Is.EqualTo((2L, 2L)));
        Assert.That(stats.IgnoredEvents["gicv3_its_read"], Is.EqualTo(1));
    }

    [Test]
    public void WalkDescriptorsPrecedeTheTranslationAndRepeatsAreDropped()
    {
        const string log =
            "1@5.000000:smmuv3_config_cache_miss Config cache MISS for sid=0x8 (hits=0, misses=1, hit rate=0)\n" +
            "1@5.000000:smmu_get_pte baseaddr=0x43253000 index=0x0, pteaddr=0x43253000, pte=0x43279003\n" +
            "1@5.000000:smmu_get_pte baseaddr=0x432a3000 index=0x1ff, pteaddr=0x432a3ff8, pte=0x60000008090e4b\n" +
            "1@5.000000:smmu_ptw_page_pte stage=1 level=3 iova=0xfffff000 base@=0x432a3000 pte@=0x432a3ff8 pte=0x60000008090e4b page address = 0x8090000\n" +
            "1@5.000000:smmuv3_translate_success smmuv3-iommu-memory-region-8-1 sid=0x8 iova=0xfffff040 translated=0x8090040 perm=0x3\n" +
            "1@5.000001:smmu_iotlb_lookup_hit IOTLB cache HIT asid=1 vmid=-1 addr=0xfffff000 hit=1 miss=1 hit rate=50\n" +
            "1@5.000001:smmuv3_translate_success smmuv3-iommu-memory-region-16-2 sid=16 iova=0x8e041242 translated=0x4e041242 perm=0x1 stage=1\n";
        var (trace, stats) = Import(log);
        Assert.That(Records(trace), Is.EqualTo(new[]
        {
            Mem(0, 0x4325_3000, MemoryStructure.TranslationTable, 0x43279003),
            Mem(0, 0x432a_3ff8, MemoryStructure.TranslationTable, 0x60000008090e4b),
            new DmaIssuedRecord(0, 1, 8, 8, 0, false, 0xfffff040, 4, DmaDirection.Write, DmaAttributes.NonSecure | DmaAttributes.Privileged).ToString(),
            new TranslationRecord(0, 1, 8, 0, false, 0xfffff040, 0x8090040, AccessPermissions.Read | AccessPermissions.Write, 0, TranslationSource.WalkWithConfigFetch, 2).ToString(),
            new DmaIssuedRecord(1_000_000, 2, 16, 16, 0, false, 0x8e041242, 4, DmaDirection.Read, DmaAttributes.NonSecure | DmaAttributes.Privileged).ToString(),
            new TranslationRecord(1_000_000, 2, 16, 0, false, 0x8e041242, 0x4e041242, AccessPermissions.Read, 0, TranslationSource.Iotlb, 0).ToString(),
        }));
        Assert.That((stats.Translations, stats.PteWrites), Is.EqualTo((2L, 2L)));
    }

    [Test]
    public void FaultsTakeTheIovaOfTheGuestErrorAndTheSidOfTheEvent()
    {
        const string log =
            "smmuv3_translate_success smmuv3-iommu-memory-region-8-1 sid=0x8 iova=0x1000 translated=0x41000 perm=0x3\n" +
            "smmuv3-iommu-memory-region-8-1 translation failed for iova=0xfffcf000 (SMMU_EVT_F_TRANSLATION)\n" +
            "smmuv3_record_event SMMU_EVT_F_TRANSLATION sid=0x8\n" +
            "smmuv3-iommu-memory-region-8-1 translation failed for iova=0xfffce000 (SMMU_EVT_F_PERMISSION)\n" +
            "smmuv3_translate_abort smmuv3-iommu-memory-region-24-3 sid=0x18 abort on iova:0x2000 is_write=1\n";
        var (trace, stats) = Import(log);
        var records = Records(trace);
        Assert.That(records.Skip(2), Is.EqualTo(new[]
        {
            new DmaIssuedRecord(3000, 2, 8, 8, 0, false, 0xfffcf000, 4, DmaDirection.Read, DmaAttributes.NonSecure | DmaAttributes.Privileged).ToString(),
            new TranslationFaultRecord(3000, 2, 8, 0, false, 0xfffcf000, 0x10, FaultAction.Terminated, 0, true, 0, 0, 0, 0).ToString(),
            new DmaIssuedRecord(5000, 3, 8, 8, 0, false, 0xfffce000, 4, DmaDirection.Write, DmaAttributes.NonSecure | DmaAttributes.Privileged).ToString(),
            new TranslationFaultRecord(5000, 3, 8, 0, false, 0xfffce000, 0x13, FaultAction.Terminated, 0, false, 0, 0, 0, 0).ToString(),
            new DmaIssuedRecord(5000, 4, 0x18, 0x18, 0, false, 0x2000, 4, DmaDirection.Write, DmaAttributes.NonSecure | DmaAttributes.Privileged).ToString(),
            new TranslationFaultRecord(5000, 4, 0x18, 0, false, 0x2000, 0, FaultAction.TerminatedSilently, 0, false, 0, 0, 0, 0).ToString(),
        }));
        Assert.That((stats.Translations, stats.Faults), Is.EqualTo((4L, 3L)));
    }

    [Test]
    public void RamImagePagesThatHoldDataComeFirstAtTimeZero()
    {
        var ram = new byte[3 * 4096];
        ram[4096 + 8] = 0xab;
        var (trace, stats) = Import("gicv3_dist_write GICv3 distributor write: offset 0x0 data 0x13 size 4 secure 0\n", ram);
        var records = Records(trace);
        var page = new byte[4096];
        page[8] = 0xab;
        Assert.That(records, Is.EqualTo(new[]
        {
            SampleTrace.RenderMemoryWrite(new MemoryWriteRecord(0, 0x4000_1000, MemoryStructure.Other, page)),
            new RegisterWriteRecord(1000, 2, 0x0800_0000, 4, 0x13).ToString(),
        }));
        Assert.That(stats.RamPages, Is.EqualTo(1));
    }

    [TestCase("smmuv3_translate_success smmuv3-iommu-memory-region-8-1 sid=0x8 iova=zz translated=0x1 perm=0x3", 1, "smmuv3_translate_success", "iova")]
    [TestCase("gicv3_its_write GICv3 ITS write: offset 0x88 data 0x40 size 3", 1, "gicv3_its_write", "size")]
    [TestCase("\nsmmuv3_s1_range_inval vmid=0 asid=1 addr=0x1000 tg=1 num_pages=0x1 ttl=3 leaf=1", 2, "smmuv3_s1_range_inval", "operands without")]
    [TestCase("smmuv3_cmdq_opcode <--- SMMU_CMD_BOGUS", 1, "smmuv3_cmdq_opcode", "unknown command name")]
    public void MalformedKnownEventsNameTheLineAndField(string log, int line, string ev, string what)
    {
        var ex = Assert.Throws<QemuLogFormatException>(() => Import(log));
        Assert.That(ex!.Message, Does.StartWith($"log:{line}: event {ev}").And.Contain(what));
        Assert.That(ex.Line, Is.EqualTo(line));
    }

    [Test]
    public void FuzzedLogsOnlyEverGiveTheImportError()
    {
        string[] lines = CaptureFiles.LogLines().Take(4000).ToArray();
        var rng = new Random(7);
        int errors = 0;
        for (int i = 0; i < 300; i++)
        {
            var mutated = (string[])lines.Clone();
            for (int k = 0; k < 20; k++)
            {
                int at = rng.Next(mutated.Length);
                char[] c = mutated[at].ToCharArray();
                if (c.Length == 0) continue;
                c[rng.Next(c.Length)] = " =x0:@Zz9-,()"[rng.Next(13)];
                mutated[at] = rng.Next(8) == 0 ? mutated[at][..rng.Next(mutated[at].Length)] : new string(c);
            }
            try
            {
                Import(string.Join('\n', mutated));
            }
            catch (QemuLogFormatException)
            {
                errors++;
            }
        }
        Assert.That(errors, Is.InRange(1, 299), "some mutations hit a known event's fields, some do not");
    }
}
