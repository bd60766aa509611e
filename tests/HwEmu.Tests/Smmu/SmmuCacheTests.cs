using HwEmu.Devices.Smmu;
using NUnit.Framework;
using static HwEmu.Tests.Smmu.SmmuTranslationTests;

namespace HwEmu.Tests.Smmu;

public class SmmuCacheTests
{
    private static TlbEntry Page(ulong va) => new() { VaBase = va, PaBase = va + 0x1000_0000, Mask = 0xfff, Asid = 1, SizeLog2 = 12, Level = 3, S1Perms = SmmuPermissions.All, S2Perms = SmmuPermissions.All };

    [TestCase(CacheReplacement.Lru, true, false, true)]        // A touched after B: B is the LRU victim
    [TestCase(CacheReplacement.RoundRobin, false, true, true)]  // way 0 (A) is next in turn
    public void ReplacementPolicies(CacheReplacement policy, bool aStays, bool bStays, bool cPresent)
    {
        var tlb = new Tlb(new CacheGeometry(2, 2, policy), seed: 1); // one set, two ways
        tlb.Insert(0x1000, 12, Page(0x1000));
        tlb.Insert(0x2000, 12, Page(0x2000));
        Assert.That(tlb.Lookup(0x1000, 1, 0, 12), Is.GreaterThanOrEqualTo(0));
        tlb.Insert(0x3000, 12, Page(0x3000));
        Assert.That(tlb.Lookup(0x1000, 1, 0, 12) >= 0, Is.EqualTo(aStays));
        Assert.That(tlb.Lookup(0x2000, 1, 0, 12) >= 0, Is.EqualTo(bStays));
        Assert.That(tlb.Lookup(0x3000, 1, 0, 12) >= 0, Is.EqualTo(cPresent));
    }

    [Test]
    public void RandomReplacementIsDeterministicForASeed()
    {
        static string Run(ulong seed)
        {
            var tlb = new Tlb(new CacheGeometry(4, 4, CacheReplacement.Random), seed);
            for (ulong p = 0; p < 40; p++) tlb.Insert(p << 12, 12, Page(p << 12));
            return string.Concat(Enumerable.Range(0, 40).Select(p => tlb.Lookup((ulong)p << 12, 1, 0, 12) >= 0 ? '1' : '0'));
        }
        Assert.That(Run(7), Is.EqualTo(Run(7)));
        Assert.That(Run(7).Count(c => c == '1'), Is.EqualTo(4));
    }

    [Test]
    public void TlbIsTaggedByAsidAndVmid()
    {
        var tlb = new Tlb(new CacheGeometry(16, 4), 1);
        tlb.Insert(0x1000, 12, Page(0x1000));
        Assert.That((tlb.Lookup(0x1000, 1, 0, 12) >= 0, tlb.Lookup(0x1000, 2, 0, 12) >= 0, tlb.Lookup(0x1000, 1, 1, 12) >= 0, tlb.Lookup(0x1000, -1, 0, 12) >= 0),
            Is.EqualTo((true, false, false, false)));
        Assert.That((tlb.Hits, tlb.Misses), Is.EqualTo((1L, 3L)));
    }

    [Test]
    public void UnsupportedGranuleIsABadCd()
    {
        var (bed, _) = S1Stream(g: 14, config: new SmmuConfig { Granule16K = false });
        Assert.That(bed.Translate(1, 0x1000).Event.Type, Is.EqualTo(SmmuEventType.CBadCd));
    }

    [Test]
    public void UnsupportedStage2GranuleIsABadSte()
    {
        var (bed, _) = S2Stream(g: 16, config: new SmmuConfig { Granule64K = false });
        Assert.That(bed.Translate(2, 0x1000).Event.Type, Is.EqualTo(SmmuEventType.CBadSte));
    }

    [Test]
    public void TwoLevelStreamTableFormatIsLinearWhenUnsupported()
    {
        var bed = new SmmuTestBed(new SmmuConfig { TwoLevelStreamTable = false }, enable: false);
        bed.Reg(SmmuRegister.StrtabBaseCfg, 1 << 16 | 8 << 6 | SmmuTestBed.StrtabLog2);
        bed.Reg(SmmuRegister.Cr0, 0b1101);
        bed.WriteSte(5, SmmuTestBed.SteBypass());
        Assert.That(bed.Translate(5, 0x1234).Status, Is.EqualTo(TranslationStatus.Bypass));
    }

    [Test]
    public void EightBitAsidsIgnoreTheHighByte()
    {
        var (bed, pt) = S1Stream(asid: 0x1205, config: new SmmuConfig { Asid16 = false });
        pt.Map(0x1000, 0xa000, 12);
        bed.Translate(1, 0x1000);
        bed.Submit(CmdqCommand.TlbiNhAsid(0, 0x3405)); // same low byte
        Assert.That(bed.Translate(1, 0x1000).Source, Is.EqualTo(TranslationSource.FullWalk));
    }

    [Test]
    public void PrivCfgForcesPrivileged()
    {
        var (bed, pt) = S1Stream();
        pt.Map(0x1000, 0xa000, 12, PageTableBuilder.S1Attrs(user: false));
        Assert.That(bed.Translate(1, 0x1000).Status, Is.EqualTo(TranslationStatus.Fault));
        ulong cd = bed.Memory.Read64(SmmuTestBed.StrtabBase + 64) & 0x000f_ffff_ffff_ffc0UL;
        bed.WriteSte(1, [SmmuTestBed.SteS1(cd)[0], 3UL << 48]); // PRIVCFG = 0b11
        bed.Submit(CmdqCommand.CfgiSte(1));
        Assert.That(bed.Translate(1, 0x1000).OutputAddress, Is.EqualTo(0xa000UL));
    }

    [Test]
    public void NestedTlbEntryHasTheSmallerPageSize()
    {
        var bed = new SmmuTestBed();
        var s2 = new PageTableBuilder(bed, 12, 40, stage2: true, s2StartLevel: 1);
        for (ulong ipa = 0x1000_0000; ipa < 0x1040_0000; ipa += 1UL << 21) s2.Map(ipa, ipa, 21);
        s2.Map(0x4000_0000, 0x9_0000_0000, 21);              // 2 MiB at stage 2
        var s1 = new PageTableBuilder(bed, 12, 48);
        s1.Map(0x8000_0000, 0x4000_0000, 30);                 // 1 GiB block at stage 1
        bed.WriteSte(3, SmmuTestBed.SteNested(bed.NewCd(SmmuTestBed.Cd(2, s1.Root, 16, 0)), 1, 24, 1, 0, s2.Root));
        var r = bed.Translate(3, 0x8001_2345);
        Assert.That((r.OutputAddress, r.PageSizeLog2), Is.EqualTo((0x9_0001_2345UL, 21)));
        Assert.That(bed.Translate(3, 0x8020_0000).Event.Type, Is.EqualTo(SmmuEventType.FTranslation), "next 2 MiB has no S2 mapping");
        Assert.That(bed.Translate(3, 0x8020_0000).Event.Stage2, Is.True);
    }
}
