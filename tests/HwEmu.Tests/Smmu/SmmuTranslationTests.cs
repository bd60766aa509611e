using System.Buffers.Binary;
using HwEmu.Devices.Smmu;
using NUnit.Framework;

namespace HwEmu.Tests.Smmu;

public class SmmuTranslationTests
{
    internal static (SmmuTestBed Bed, PageTableBuilder Pt) S1Stream(int g = 12, int ia = 48, uint sid = 1, ushort asid = 5,
        SmmuConfig? config = null, bool r = true, bool affd = false, int ips = 5)
    {
        var bed = new SmmuTestBed(config);
        var pt = new PageTableBuilder(bed, g, ia);
        ulong cd = bed.NewCd(SmmuTestBed.Cd(asid, pt.Root, 64 - ia, SmmuTestBed.Tg0For(g), ips: ips, r: r, affd: affd));
        bed.WriteSte(sid, SmmuTestBed.SteS1(cd));
        return (bed, pt);
    }

    /// <summary>
    /// S2SL0 as Linux io-pgtable-arm chooses it: the normal start level, except that a level-0 start with at most
    /// 16 entries is replaced by concatenated level-1 tables.
    /// </summary>
    internal static int S2Sl0(int g, int ia)
    {
        int start = PageTableWalker.StartLevel(g, ia);
        int stride = g - 3;
        if (start == 0 && ia - (g + 3 * stride) <= 4) start = 1;
        return g == 12 ? 2 - start : 3 - start;
    }

    internal static int S2StartLevel(int g, int ia)
    {
        Ste.TryStage2StartLevel(g, 64 - ia, S2Sl0(g, ia), 48, out int sl, out _);
        return sl;
    }

    internal static (SmmuTestBed Bed, PageTableBuilder Pt) S2Stream(int g = 12, int ia = 40, uint sid = 2, ushort vmid = 3, SmmuConfig? config = null)
    {
        var bed = new SmmuTestBed(config);
        var pt = new PageTableBuilder(bed, g, ia, stage2: true, s2StartLevel: S2StartLevel(g, ia));
        bed.WriteSte(sid, SmmuTestBed.SteS2(vmid, 64 - ia, S2Sl0(g, ia), SmmuTestBed.S2TgFor(g), pt.Root));
        return (bed, pt);
    }

    internal static ulong[] Dwords(byte[] rec) =>
        [BinaryPrimitives.ReadUInt64LittleEndian(rec), BinaryPrimitives.ReadUInt64LittleEndian(rec.AsSpan(8)),
         BinaryPrimitives.ReadUInt64LittleEndian(rec.AsSpan(16)), BinaryPrimitives.ReadUInt64LittleEndian(rec.AsSpan(24))];

    [Test]
    public void Stage1PageTranslatesAndSecondAccessHitsTheTlb()
    {
        var (bed, pt) = S1Stream();
        pt.Map(0x1234_5000, 0x8_7654_3000, 12);
        var r = bed.Translate(1, 0x1234_5042, write: true);
        Assert.That(r.Status, Is.EqualTo(TranslationStatus.Ok));
        Assert.That(r.OutputAddress, Is.EqualTo(0x8_7654_3042UL));
        Assert.That(r.Source, Is.EqualTo(TranslationSource.FullWalk));
        Assert.That(r.DescriptorFetches, Is.EqualTo(2 + 4), "STE + CD + 4 levels");
        Assert.That(r.PageSizeLog2, Is.EqualTo(12));
        Assert.That(r.Permissions, Is.EqualTo(SmmuPermissions.PrivRead | SmmuPermissions.PrivWrite | SmmuPermissions.UserRead | SmmuPermissions.UserWrite));
        var r2 = bed.Translate(1, 0x1234_5ffc);
        Assert.That(r2.Source, Is.EqualTo(TranslationSource.Tlb));
        Assert.That(r2.ConfigCacheHit, Is.True);
        Assert.That(r2.OutputAddress, Is.EqualTo(0x8_7654_3ffcUL));
        Assert.That(r2.DescriptorFetches, Is.EqualTo(0));
    }

    // io-pgtable-arm selftest matrix (reference §3.1): each granule's page and block sizes × IAS, stage 1 and 2.
    private static IEnumerable<TestCaseData> SelftestMatrix()
    {
        int[][] sizes = [[12, 21, 30], [14, 25], [16, 29]];
        int[] ias = [32, 36, 40, 42, 44, 48];
        foreach (bool s2 in new[] { false, true })
            for (int gi = 0; gi < 3; gi++)
                foreach (int ia in ias)
                    yield return new TestCaseData(s2, sizes[gi][0], sizes[gi], ia).SetName($"Selftest_{(s2 ? "S2" : "S1")}_g{sizes[gi][0]}_ias{ia}");
    }

    [TestCaseSource(nameof(SelftestMatrix))]
    public void IoPgtableSelftest(bool stage2, int g, int[] sizes, int ia)
    {
        var (bed, pt) = stage2 ? S2Stream(g, ia) : S1Stream(g, ia);
        uint sid = stage2 ? 2u : 1u;
        var inval = stage2 ? CmdqCommand.TlbiS12Vmall(3) : CmdqCommand.TlbiNhAsid(0, 5);

        // 1. Empty table: every lookup faults.
        foreach (ulong a in new ulong[] { 42, (1UL << 30) + 42, (2UL << 30) + 42 })
            if (a >> ia == 0)
                Assert.That(bed.Translate(sid, a).Event.Type, Is.EqualTo(SmmuEventType.FTranslation), $"empty 0x{a:x}");

        // 2./3. Map each size at iova = i GiB, translate iova+42, unmap -> fault, remap write-only -> translates.
        ulong iova = 0;
        foreach (int size in sizes)
        {
            if (iova + (1UL << size) > 1UL << ia) break;
            pt.Map(iova, iova, size);
            var r = bed.Translate(sid, iova + 42, write: true);
            Assert.That(r.Status, Is.EqualTo(TranslationStatus.Ok), $"map 2^{size} at 0x{iova:x}");
            Assert.That(r.OutputAddress, Is.EqualTo(iova + 42));
            Assert.That(r.PageSizeLog2, Is.EqualTo(size));
            pt.Unmap(iova, size);
            bed.Submit(inval, CmdqCommand.Sync());
            Assert.That(bed.Translate(sid, iova + 42).Event.Type, Is.EqualTo(SmmuEventType.FTranslation), "after unmap");
            pt.Map(iova, iova, size, stage2 ? PageTableBuilder.S2Attrs(read: false, write: true) : PageTableBuilder.S1Attrs(write: true));
            bed.Submit(inval, CmdqCommand.Sync());
            var w = bed.Translate(sid, iova + 42, write: true);
            Assert.That(w.OutputAddress, Is.EqualTo(iova + 42), "remap");
            if (stage2) Assert.That(bed.Translate(sid, iova + 42).Event.Type, Is.EqualTo(SmmuEventType.FPermission), "write-only at S2");
            iova += 1UL << 30;
        }

        // 4. Last largest page of the input range (corner of concatenated tables).
        int largest = sizes[^1];
        if (largest < ia)
        {
            ulong last = (1UL << ia) - (1UL << largest);
            pt.Map(last, last, largest);
            var r = bed.Translate(sid, last + 42);
            Assert.That(r.OutputAddress, Is.EqualTo(last + 42), "last page");
            r = bed.Translate(sid, (1UL << ia) - 1);
            Assert.That(r.OutputAddress, Is.EqualTo((1UL << ia) - 1));
            pt.Unmap(last, largest);
            bed.Submit(inval, CmdqCommand.Sync());
            Assert.That(bed.Translate(sid, last + 42).Status, Is.EqualTo(TranslationStatus.Fault));
        }
    }

    [Test]
    public void Stage1FaultsRecordExactEventBytes()
    {
        var (bed, pt) = S1Stream(sid: 7);
        pt.Map(0x4000, 0x9000, 12, PageTableBuilder.S1Attrs(write: false));
        var r = bed.Translate(7, 0x10_0000, write: false);
        Assert.That(r.Status, Is.EqualTo(TranslationStatus.Fault));
        Assert.That(r.EventRecorded, Is.True);
        r = bed.Translate(7, 0x4010, write: true, privileged: true);
        Assert.That(r.Event.Type, Is.EqualTo(SmmuEventType.FPermission));
        var ev = bed.DrainEvents();
        Assert.That(ev, Has.Count.EqualTo(2));
        Assert.That(Dwords(ev[0]), Is.EqualTo(new ulong[] { 0x10 | 7UL << 32, 1UL << 35 | 2UL << 40, 0x10_0000, 0 }));
        Assert.That(Dwords(ev[1]), Is.EqualTo(new ulong[] { 0x13 | 7UL << 32, 1UL << 33 | 2UL << 40, 0x4010, 0 }));
        var decoded = SmmuEventRecord.Decode(ev[1]);
        Assert.That((decoded.Type, decoded.StreamId, decoded.Privileged, decoded.Read, decoded.InputAddress),
            Is.EqualTo((SmmuEventType.FPermission, 7u, true, false, 0x4010UL)));
        Assert.That(decoded.ToString(), Does.StartWith("F_PERMISSION sid=0x7"));
    }

    [Test]
    public void AccessFlagFaultUnlessAffd()
    {
        var (bed, pt) = S1Stream();
        pt.Map(0x4000, 0x9000, 12, PageTableBuilder.S1Attrs(af: false));
        Assert.That(bed.Translate(1, 0x4000).Event.Type, Is.EqualTo(SmmuEventType.FAccess));
        var (bed2, pt2) = S1Stream(affd: true);
        pt2.Map(0x4000, 0x9000, 12, PageTableBuilder.S1Attrs(af: false));
        Assert.That(bed2.Translate(1, 0x4000).OutputAddress, Is.EqualTo(0x9000UL));
    }

    [Test]
    public void OutputAddressBeyondIpsIsAddressSizeFault()
    {
        var (bed, pt) = S1Stream(ips: 0); // 32-bit IPS
        pt.Map(0x4000, 0x1_0000_0000, 12);
        pt.Map(0x5000, 0xffff_f000, 12);
        var r = bed.Translate(1, 0x4008);
        Assert.That(r.Event.Type, Is.EqualTo(SmmuEventType.FAddrSize));
        Assert.That(bed.Translate(1, 0x5008).OutputAddress, Is.EqualTo(0xffff_f008UL));
    }

    [Test]
    public void WalkBusErrorIsWalkEabtWithFetchAddress()
    {
        var bed = new SmmuTestBed();
        ulong ttb = 1UL << 41; // beyond RAM: the bus returns a decode error
        bed.WriteSte(1, SmmuTestBed.SteS1(bed.NewCd(SmmuTestBed.Cd(5, ttb, 16, 0))));
        var r = bed.Translate(1, 0x0000_8000_4000_1000);
        Assert.That(r.Event.Type, Is.EqualTo(SmmuEventType.FWalkEabt));
        var d = Dwords(bed.DrainEvents()[0]);
        Assert.That(d, Is.EqualTo(new ulong[] { 0x0b | 1UL << 32, 1UL << 35 | 2UL << 40, 0x0000_8000_4000_1000, ttb + 256 * 8 }));
    }

    [Test]
    public void ConfigurationErrorsRecordTheirEvents()
    {
        var bed = new SmmuTestBed();
        // C_BAD_STREAMID: StreamID beyond STRTAB_BASE_CFG.LOG2SIZE.
        var r = bed.Translate(256, 0x1000);
        Assert.That(r.Event.Type, Is.EqualTo(SmmuEventType.CBadStreamId));
        // C_BAD_STE: V = 0.
        Assert.That(bed.Translate(3, 0x1000).Event.Type, Is.EqualTo(SmmuEventType.CBadSte));
        // C_BAD_STE: reserved Config 0b001.
        bed.WriteSte(4, 1 | 0b001 << 1);
        Assert.That(bed.Translate(4, 0x1000).Event.Type, Is.EqualTo(SmmuEventType.CBadSte));
        // C_BAD_CD: CD.V = 0.
        bed.WriteSte(5, SmmuTestBed.SteS1(bed.NewCd(0)));
        Assert.That(bed.Translate(5, 0x1000).Event.Type, Is.EqualTo(SmmuEventType.CBadCd));
        // C_BAD_CD: T0SZ out of 16..39.
        bed.WriteSte(6, SmmuTestBed.SteS1(bed.NewCd(SmmuTestBed.Cd(1, 0x10000, 40, 0))));
        Assert.That(bed.Translate(6, 0x1000).Event.Type, Is.EqualTo(SmmuEventType.CBadCd));
        // F_CD_FETCH: CD pointer beyond RAM.
        bed.WriteSte(8, SmmuTestBed.SteS1(1UL << 41));
        var cdFault = bed.Translate(8, 0x1000);
        Assert.That(cdFault.Event.Type, Is.EqualTo(SmmuEventType.FCdFetch));
        // C_BAD_SUBSTREAMID: SubstreamID with S1CDMax = 0.
        bed.WriteSte(9, SmmuTestBed.SteS1(bed.NewCd(SmmuTestBed.Cd(1, 0x10000, 16, 0))));
        Assert.That(bed.Translate(9, 0x1000, ssid: 1).Event.Type, Is.EqualTo(SmmuEventType.CBadSubstreamId));
        // STE.Config = abort: terminated, no event.
        bed.WriteSte(10, SmmuTestBed.SteAbort());
        var ab = bed.Translate(10, 0x1000);
        Assert.That(ab.Status, Is.EqualTo(TranslationStatus.Abort));
        Assert.That(ab.EventRecorded, Is.False);
        // Bypass.
        bed.WriteSte(11, SmmuTestBed.SteBypass());
        var by = bed.Translate(11, 0x1234_5678);
        Assert.That((by.Status, by.OutputAddress), Is.EqualTo((TranslationStatus.Bypass, 0x1234_5678UL)));

        var ev = bed.DrainEvents();
        Assert.That(ev.Select(e => e[0]), Is.EqualTo(new byte[] { 0x02, 0x04, 0x04, 0x0a, 0x0a, 0x09, 0x08 }));
        Assert.That(Dwords(ev[0]), Is.EqualTo(new ulong[] { 0x02 | 256UL << 32, 0, 0, 0 }));
        Assert.That(Dwords(ev[5]), Is.EqualTo(new ulong[] { 0x09 | 8UL << 32, 0, 0, 1UL << 41 }));
        Assert.That(Dwords(ev[6]), Is.EqualTo(new ulong[] { 0x08 | 1UL << 11 | 1UL << 12 | 9UL << 32, 0, 0, 0 }));
    }

    [Test]
    public void SteFetchAbortReportsTheSteAddress()
    {
        var bed = new SmmuTestBed(enable: false);
        bed.Reg(SmmuRegister.StrtabBase, 1UL << 41);
        bed.Reg(SmmuRegister.Cr0, 0b1101);
        var r = bed.Translate(3, 0x1000);
        Assert.That(r.Event.Type, Is.EqualTo(SmmuEventType.FSteFetch));
        Assert.That(Dwords(bed.DrainEvents()[0]), Is.EqualTo(new ulong[] { 0x03 | 3UL << 32, 0, 0, (1UL << 41) + 3 * 64 }));
    }

    [Test]
    public void DisabledSmmuFollowsGbpa()
    {
        var bed = new SmmuTestBed(enable: false);
        var r = bed.Translate(1, 0xdead_beef);
        Assert.That((r.Status, r.OutputAddress, r.Source), Is.EqualTo((TranslationStatus.Bypass, 0xdead_beefUL, TranslationSource.Gbpa)));
        bed.Reg(SmmuRegister.Gbpa, 1UL << 20); // ABORT without Update: ignored
        Assert.That(bed.Translate(1, 0x10).Status, Is.EqualTo(TranslationStatus.Bypass));
        bed.Reg(SmmuRegister.Gbpa, 1UL << 31 | 1UL << 20);
        Assert.That(bed.ReadReg(SmmuRegister.Gbpa), Is.EqualTo(1UL << 20), "Update reads back 0 when complete");
        Assert.That(bed.Translate(1, 0x10).Status, Is.EqualTo(TranslationStatus.Abort));
        Assert.That(bed.DrainEvents(), Is.Empty);
    }

    [Test]
    public void RecordBitClearSuppressesTheEventButStillFaults()
    {
        var (bed, _) = S1Stream(r: false);
        var r = bed.Translate(1, 0x4000);
        Assert.That((r.Status, r.EventRecorded), Is.EqualTo((TranslationStatus.Fault, false)));
        Assert.That(bed.DrainEvents(), Is.Empty);
    }

    [Test]
    public void Stage2FaultsCarryTheIpa()
    {
        var (bed, pt) = S2Stream(ia: 40);
        pt.Map(0x20_0000, 0x7_0020_0000, 21, PageTableBuilder.S2Attrs(write: false));
        Assert.That(bed.Translate(2, 0x20_1234).OutputAddress, Is.EqualTo(0x7_0020_1234UL));
        Assert.That(bed.Translate(2, 0x20_1234, write: true).Event.Type, Is.EqualTo(SmmuEventType.FPermission));
        Assert.That(bed.Translate(2, 0x60_0010).Event.Type, Is.EqualTo(SmmuEventType.FTranslation));
        Assert.That(bed.Translate(2, 1UL << 40).Event.Type, Is.EqualTo(SmmuEventType.FTranslation), "IPA beyond S2T0SZ");
        var beyondIas = bed.Translate(2, 1UL << 50);
        Assert.That((beyondIas.Event.Type, beyondIas.Event.Stage2), Is.EqualTo((SmmuEventType.FAddrSize, false)), "beyond IAS");
        var ev = bed.DrainEvents();
        Assert.That(Dwords(ev[0]), Is.EqualTo(new ulong[] { 0x13 | 2UL << 32, 1UL << 39 | 2UL << 40, 0x20_1234, 0x20_1000 }));
        Assert.That(Dwords(ev[1]), Is.EqualTo(new ulong[] { 0x10 | 2UL << 32, 1UL << 35 | 1UL << 39 | 2UL << 40, 0x60_0010, 0x60_0000 }));
        Assert.That(Dwords(ev[2]), Is.EqualTo(new ulong[] { 0x10 | 2UL << 32, 1UL << 35 | 1UL << 39 | 2UL << 40, 1UL << 40, 1UL << 40 }));
        Assert.That(Dwords(ev[3]), Is.EqualTo(new ulong[] { 0x11 | 2UL << 32, 1UL << 35 | 2UL << 40, 1UL << 50, 0 }));
    }

    [Test]
    public void Stage2ConcatenatedStartTables()
    {
        // 4K granule, 40-bit IPA: SL0 = 1 (start at level 1) with 2 concatenated tables.
        Assert.That(Ste.TryStage2StartLevel(12, 24, 1, 48, out int sl, out int concat), Is.True);
        Assert.That((sl, concat), Is.EqualTo((1, 2)));
        var bed = new SmmuTestBed();
        var pt = new PageTableBuilder(bed, 12, 40, stage2: true, s2StartLevel: 1);
        bed.WriteSte(2, SmmuTestBed.SteS2(3, 24, 1, 0, pt.Root));
        pt.Map(0xff_ffe0_0000, 0x1_2340_0000, 21);
        Assert.That(bed.Translate(2, 0xff_ffe0_0042).OutputAddress, Is.EqualTo(0x1_2340_0042UL));
        Assert.That(bed.Translate(2, 0xff_ffe0_0042).Source, Is.EqualTo(TranslationSource.Tlb));
        // SL0 inconsistent with S2T0SZ: 4K, SL0 = 0 (level 2) cannot resolve 40 bits -> C_BAD_STE.
        bed.WriteSte(4, SmmuTestBed.SteS2(3, 24, 0, 0, pt.Root));
        Assert.That(bed.Translate(4, 0x1000).Event.Type, Is.EqualTo(SmmuEventType.CBadSte));
    }

    [Test]
    public void NestedTranslationGoesThroughBothStages()
    {
        var bed = new SmmuTestBed();
        var s2 = new PageTableBuilder(bed, 12, 40, stage2: true, s2StartLevel: 1);
        // Table and CD memory is identity-mapped at stage 2 (IPA = PA) so the builder can write it; only the data
        // page is relocated.
        for (ulong ipa = 0x1000_0000; ipa < 0x1040_0000; ipa += 1UL << 21) s2.Map(ipa, ipa, 21);
        var s1 = new PageTableBuilder(bed, 12, 48);
        s1.Map(0x7f00_1000, 0x2000_5000, 12);          // VA -> IPA
        s2.Map(0x2000_5000, 0x3_4567_8000, 12);        // IPA -> PA
        ulong cd = bed.NewCd(SmmuTestBed.Cd(9, s1.Root, 16, 0));
        bed.WriteSte(12, SmmuTestBed.SteNested(cd, 4, 24, 1, 0, s2.Root));
        var r = bed.Translate(12, 0x7f00_1abc, write: true);
        Assert.That(r.Status, Is.EqualTo(TranslationStatus.Ok), r.Event.ToString());
        Assert.That(r.OutputAddress, Is.EqualTo(0x3_4567_8abcUL));
        Assert.That(bed.Translate(12, 0x7f00_1000).Source, Is.EqualTo(TranslationSource.Tlb));

        // An S1 table whose IPA has no S2 mapping: S2 fault with CLASS = TT and the table IPA.
        ulong cd2 = bed.NewCd(SmmuTestBed.Cd(10, 0x5000_0000, 16, 0)); // TTB0 IPA not mapped at S2
        bed.WriteSte(13, SmmuTestBed.SteNested(cd2, 4, 24, 1, 0, s2.Root));
        var f = bed.Translate(13, 0x1000);
        Assert.That(f.Event.Type, Is.EqualTo(SmmuEventType.FTranslation));
        Assert.That((f.Event.Stage2, f.Event.Class, f.Event.Address2), Is.EqualTo((true, SmmuEventClass.Tt, 0x5000_0000UL)));
        // A CD IPA with no S2 mapping: CLASS = CD.
        bed.WriteSte(14, SmmuTestBed.SteNested(0x6000_0000, 4, 24, 1, 0, s2.Root));
        var c = bed.Translate(14, 0x1000);
        Assert.That((c.Event.Type, c.Event.Class, c.Event.Address2), Is.EqualTo((SmmuEventType.FTranslation, SmmuEventClass.Cd, 0x6000_0000UL)));
    }

    [Test]
    public void TwoLevelStreamTable()
    {
        var bed = new SmmuTestBed(enable: false);
        ulong l1 = bed.Alloc(8 * 4, 64);
        ulong l2 = bed.Alloc(64 * 256, 64 * 256);
        bed.Memory.Write64(l1 + 8, l2 | 9);                 // SIDs 0x100-0x1ff: Span 9 = 256 STEs
        bed.Reg(SmmuRegister.StrtabBase, l1);
        bed.Reg(SmmuRegister.StrtabBaseCfg, 1 << 16 | 8 << 6 | 10); // FMT 2-level, SPLIT 8, LOG2SIZE 10
        bed.Reg(SmmuRegister.Cr0, 0b1101);
        bed.WriteWords(l2 + 0x23 * 64, SmmuTestBed.SteBypass(), 8);
        Assert.That(bed.Translate(0x123, 0x5000).Status, Is.EqualTo(TranslationStatus.Bypass));
        Assert.That(bed.Translate(0x23, 0x5000).Event.Type, Is.EqualTo(SmmuEventType.CBadStreamId), "L1STD span 0");
        Assert.That(bed.Translate(0x400, 0x5000).Event.Type, Is.EqualTo(SmmuEventType.CBadStreamId), "beyond LOG2SIZE");
        bed.Memory.Write64(l1 + 16, l2 | 2);                 // Span 2 = 2 STEs
        Assert.That(bed.Translate(0x202, 0x5000).Event.Type, Is.EqualTo(SmmuEventType.CBadStreamId), "beyond span");
        Assert.That(bed.Translate(0x201, 0x5000).Event.Type, Is.EqualTo(SmmuEventType.CBadSte));
    }

    [Test]
    public void TwoLevelCdTableWithSubstreams()
    {
        var bed = new SmmuTestBed();
        var pt = new PageTableBuilder(bed, 12, 48);
        pt.Map(0x1000, 0xa000, 12);
        ulong l1 = bed.Alloc(8 * 16, 64);
        ulong l2 = bed.Alloc(64 * 64, 0x1000);
        bed.Memory.Write64(l1 + 8 * 2, l2 | 1);            // SSIDs 128..191
        bed.WriteWords(l2 + 5 * 64, SmmuTestBed.Cd(33, pt.Root, 16, 0), 8);
        bed.WriteSte(20, SmmuTestBed.SteS1(l1, s1CdMax: 10, s1Fmt: 1, s1Dss: 1));
        var r = bed.Translate(20, 0x1010, ssid: 133);
        Assert.That(r.OutputAddress, Is.EqualTo(0xa010UL), r.Event.ToString());
        Assert.That(bed.Translate(20, 0x1010, ssid: 5).Event.Type, Is.EqualTo(SmmuEventType.CBadSubstreamId), "invalid L1CD");
        Assert.That(bed.Translate(20, 0x1010, ssid: 1024).Event.Type, Is.EqualTo(SmmuEventType.CBadSubstreamId), "beyond S1CDMax");
        Assert.That(bed.Translate(20, 0x1010).Status, Is.EqualTo(TranslationStatus.Bypass), "S1DSS = bypass");
        bed.WriteSte(21, SmmuTestBed.SteS1(l1, s1CdMax: 10, s1Fmt: 1, s1Dss: 0));
        Assert.That(bed.Translate(21, 0x1010).Event.Type, Is.EqualTo(SmmuEventType.FStreamDisabled));
    }

    [Test]
    public void PermissionsFollowApAndXn()
    {
        var (bed, pt) = S1Stream();
        pt.Map(0x1000, 0xa000, 12, PageTableBuilder.S1Attrs(write: true, user: false, xn: false));
        Assert.That(bed.Translate(1, 0x1000, privileged: true, write: true).Status, Is.EqualTo(TranslationStatus.Ok));
        Assert.That(bed.Translate(1, 0x1000, privileged: true, instruction: true).Status, Is.EqualTo(TranslationStatus.Ok));
        Assert.That(bed.Translate(1, 0x1000, privileged: false).Event.Type, Is.EqualTo(SmmuEventType.FPermission), "AP[1] = 0: no EL0");
        pt.Map(0x2000, 0xb000, 12, PageTableBuilder.S1Attrs(write: true, user: true, xn: true));
        Assert.That(bed.Translate(1, 0x2000, instruction: true).Event.Type, Is.EqualTo(SmmuEventType.FPermission), "UXN");
    }

    [Test]
    public void TopByteIgnoreAndTtb1()
    {
        var bed = new SmmuTestBed();
        var t0 = new PageTableBuilder(bed, 12, 39);
        var t1 = new PageTableBuilder(bed, 12, 39);
        t0.Map(0x1000, 0xa000, 12);
        t1.Map(0xffff_ff80_0000_2000 & ((1UL << 39) - 1), 0xb000, 12);
        // CD: T0SZ = T1SZ = 25, TG1 = 4K (0b10), TBI0, EPD1 = 0.
        ulong w0 = 25UL | 0UL << 6 | 25UL << 16 | 2UL << 22 | 1UL << 31 | 5UL << 32 | 1UL << 38 | 1UL << 41 | 1UL << 45 | 1UL << 46 | 7UL << 48;
        bed.WriteSte(1, SmmuTestBed.SteS1(bed.NewCd(w0, t0.Root, t1.Root)));
        Assert.That(bed.Translate(1, 0x5a00_0000_0000_1010).OutputAddress, Is.EqualTo(0xa010UL), "TBI0 ignores the top byte");
        Assert.That(bed.Translate(1, 0xffff_ff80_0000_2010).OutputAddress, Is.EqualTo(0xb010UL), "TTB1");
        Assert.That(bed.Translate(1, 0x0000_0080_0000_0000).Event.Type, Is.EqualTo(SmmuEventType.FTranslation), "hole between TTB0 and TTB1");
    }
}
