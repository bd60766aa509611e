using HwEmu.Devices.Smmu;
using NUnit.Framework;
using static HwEmu.Tests.Smmu.SmmuTranslationTests;

namespace HwEmu.Tests.Smmu;

public class SmmuCommandTests
{
    private static (SmmuTestBed Bed, PageTableBuilder A, PageTableBuilder B) TwoAsids()
    {
        var (bed, a) = S1Stream(sid: 1, asid: 5);
        var b = new PageTableBuilder(bed, 12, 48);
        bed.WriteSte(2, SmmuTestBed.SteS1(bed.NewCd(SmmuTestBed.Cd(6, b.Root, 16, 0))));
        for (ulong va = 0x10_0000; va < 0x10_4000; va += 0x1000)
        {
            a.Map(va, 0x100_0000 + va, 12);
            b.Map(va, 0x200_0000 + va, 12);
        }
        a.Map(0x4000_0000, 0x8000_0000, 21); // a 2 MiB block (level 2)
        return (bed, a, b);
    }

    private static void Warm(SmmuTestBed bed)
    {
        for (ulong va = 0x10_0000; va < 0x10_4000; va += 0x1000)
        {
            Assert.That(bed.Translate(1, va).Status, Is.EqualTo(TranslationStatus.Ok));
            Assert.That(bed.Translate(2, va).Status, Is.EqualTo(TranslationStatus.Ok));
        }
        Assert.That(bed.Translate(1, 0x4000_0000).Status, Is.EqualTo(TranslationStatus.Ok));
    }

    private static bool Hit(SmmuTestBed bed, uint sid, ulong va) => bed.Translate(sid, va).Source == TranslationSource.Tlb;

    [Test]
    public void TlbiNhVaRemovesOnlyThatAsidAndPage()
    {
        var (bed, _, _) = TwoAsids();
        Warm(bed);
        bed.Submit(CmdqCommand.TlbiAddress(CmdqOpcode.TlbiNhVa, 0, 5, 0x10_1000, leaf: true), CmdqCommand.Sync());
        Assert.That(Hit(bed, 1, 0x10_1000), Is.False);
        Assert.That(Hit(bed, 1, 0x10_2000), Is.True);
        Assert.That(Hit(bed, 2, 0x10_1000), Is.True, "other ASID untouched");
    }

    [Test]
    public void TlbiNhVaaRemovesThePageInEveryAsid()
    {
        var (bed, _, _) = TwoAsids();
        Warm(bed);
        bed.Submit(CmdqCommand.TlbiAddress(CmdqOpcode.TlbiNhVaa, 0, 0, 0x10_1000, leaf: true));
        Assert.That((Hit(bed, 1, 0x10_1000), Hit(bed, 2, 0x10_1000), Hit(bed, 2, 0x10_2000)), Is.EqualTo((false, false, true)));
    }

    [Test]
    public void TlbiNhAsidAndNhAllAndNsnhAll()
    {
        var (bed, _, _) = TwoAsids();
        Warm(bed);
        bed.Submit(CmdqCommand.TlbiNhAsid(0, 6));
        Assert.That((Hit(bed, 1, 0x10_0000), Hit(bed, 2, 0x10_0000)), Is.EqualTo((true, false)));
        bed.Submit(CmdqCommand.TlbiNhAll(1)); // other VMID: nothing
        Assert.That(Hit(bed, 1, 0x10_1000), Is.True);
        bed.Submit(CmdqCommand.TlbiNhAll(0));
        Assert.That((Hit(bed, 1, 0x10_2000), Hit(bed, 2, 0x10_2000)), Is.EqualTo((false, false)));
        Warm(bed);
        bed.Submit(CmdqCommand.TlbiNsnhAll());
        Assert.That(bed.Smmu.Tlb.Count, Is.EqualTo(0));
        Assert.That(bed.Translate(1, 0x10_0000).Source, Is.EqualTo(TranslationSource.FullWalk));
    }

    [Test]
    public void RangeInvalidationHonoursNumScaleAndTtl()
    {
        var (bed, _, _) = TwoAsids();
        Warm(bed);
        // TG = 4K, NUM = 1, SCALE = 0: 2 pages from 0x10_1000; TTL = 3 (level-3 leaves only).
        bed.Submit(CmdqCommand.TlbiAddress(CmdqOpcode.TlbiNhVa, 0, 5, 0x10_1000, leaf: true, tg: 1, num: 1, scale: 0, ttl: 3));
        Assert.That((Hit(bed, 1, 0x10_0000), Hit(bed, 1, 0x10_1000), Hit(bed, 1, 0x10_2000), Hit(bed, 1, 0x10_3000)),
            Is.EqualTo((true, false, false, true)));
        // A range over the 2 MiB block with TTL = 3 leaves the level-2 block entry alone; TTL = 2 removes it.
        bed.Submit(CmdqCommand.TlbiAddress(CmdqOpcode.TlbiNhVa, 0, 5, 0x4000_0000, leaf: true, tg: 1, num: 31, scale: 9, ttl: 3));
        Assert.That(Hit(bed, 1, 0x4000_0000), Is.True);
        bed.Submit(CmdqCommand.TlbiAddress(CmdqOpcode.TlbiNhVa, 0, 5, 0x4000_0000, leaf: true, tg: 1, num: 0, scale: 0, ttl: 2));
        Assert.That(Hit(bed, 1, 0x4000_0000), Is.False);
    }

    [Test]
    public void LeafInvalidationKeepsTheWalkCache()
    {
        var (bed, _, _) = TwoAsids();
        Warm(bed);
        bed.Submit(CmdqCommand.TlbiAddress(CmdqOpcode.TlbiNhVa, 0, 5, 0x10_1000, leaf: true));
        var r = bed.Translate(1, 0x10_1000);
        Assert.That((r.Source, r.WalkCacheLevel, r.DescriptorFetches), Is.EqualTo((TranslationSource.WalkCache, 2, 1)));
        bed.Submit(CmdqCommand.TlbiAddress(CmdqOpcode.TlbiNhVa, 0, 5, 0x10_1000, leaf: false));
        r = bed.Translate(1, 0x10_1000);
        Assert.That((r.Source, r.WalkCacheLevel, r.DescriptorFetches), Is.EqualTo((TranslationSource.FullWalk, -1, 4)));
    }

    [Test]
    public void Stage2InvalidationsUseTheVmid()
    {
        var (bed, pt) = S2Stream(ia: 40, vmid: 3);
        pt.Map(0x1000, 0x9000, 12);
        pt.Map(0x2000, 0xa000, 12);
        bed.Translate(2, 0x1000); bed.Translate(2, 0x2000);
        bed.Submit(CmdqCommand.TlbiAddress(CmdqOpcode.TlbiS2Ipa, 4, 0, 0x1000, leaf: true));
        Assert.That(Hit(bed, 2, 0x1000), Is.True, "other VMID");
        bed.Submit(CmdqCommand.TlbiAddress(CmdqOpcode.TlbiS2Ipa, 3, 0, 0x1000, leaf: true));
        Assert.That((Hit(bed, 2, 0x1000), Hit(bed, 2, 0x2000)), Is.EqualTo((false, true)));
        bed.Submit(CmdqCommand.TlbiNhAll(3));
        Assert.That(Hit(bed, 2, 0x2000), Is.True, "NH_ALL does not touch stage-2-only entries");
        bed.Submit(CmdqCommand.TlbiS12Vmall(3));
        Assert.That(Hit(bed, 2, 0x2000), Is.False);
    }

    [Test]
    public void CfgiCommandsMakeNewConfigurationVisible()
    {
        var (bed, pt) = S1Stream(sid: 1);
        pt.Map(0x1000, 0x9000, 12);
        Assert.That(bed.Translate(1, 0x1000).Status, Is.EqualTo(TranslationStatus.Ok));
        bed.WriteSte(1, SmmuTestBed.SteBypass());
        Assert.That(bed.Translate(1, 0x1000).Status, Is.EqualTo(TranslationStatus.Ok), "stale STE still cached");
        bed.Submit(CmdqCommand.CfgiSte(1), CmdqCommand.Sync());
        Assert.That(bed.Translate(1, 0x1000).Status, Is.EqualTo(TranslationStatus.Bypass));
        bed.WriteSte(1, SmmuTestBed.SteAbort());
        bed.Submit(CmdqCommand.CfgiSteRange(0, 0)); // SIDs 0-1
        Assert.That(bed.Translate(1, 0x1000).Status, Is.EqualTo(TranslationStatus.Abort));
        bed.WriteSte(1, SmmuTestBed.SteBypass());
        bed.Submit(CmdqCommand.CfgiCd(1, 5));
        Assert.That(bed.Translate(1, 0x1000).Status, Is.EqualTo(TranslationStatus.Abort), "CFGI_CD of another SubstreamID");
        bed.Submit(CmdqCommand.CfgiCd(1, 0)); // CD 0 also serves traffic without a SubstreamID
        Assert.That(bed.Translate(1, 0x1000).Status, Is.EqualTo(TranslationStatus.Bypass));
        bed.WriteSte(1, SmmuTestBed.SteAbort());
        bed.Submit(CmdqCommand.CfgiSte(0));
        Assert.That(bed.Translate(1, 0x1000).Status, Is.EqualTo(TranslationStatus.Bypass), "CFGI_STE of another StreamID");
        bed.Submit(CmdqCommand.CfgiAll());
        Assert.That(bed.Translate(1, 0x1000).Status, Is.EqualTo(TranslationStatus.Abort));
    }

    [Test]
    public void IllegalCommandStopsTheQueueUntilAcknowledged()
    {
        var bed = new SmmuTestBed();
        var gerrorIrqs = 0;
        bed.Smmu.WiredInterrupt = i => { if (i == SmmuInterrupt.GlobalError) gerrorIrqs++; };
        bed.Reg(SmmuRegister.IrqCtrl, 1);
        bed.Submit(CmdqCommand.TlbiNsnhAll(), new CmdqCommand(0x07, 0), CmdqCommand.TlbiNsnhAll());
        Assert.That(bed.ReadReg(SmmuRegister.CmdqCons), Is.EqualTo(1UL | 1UL << 24), "CONS at the bad command, ERR = CERROR_ILL");
        Assert.That(bed.ReadReg(SmmuRegister.Gerror) & 1, Is.EqualTo(1UL));
        Assert.That(gerrorIrqs, Is.EqualTo(1));
        bed.Submit(CmdqCommand.Sync());
        Assert.That(bed.ReadReg(SmmuRegister.CmdqCons) & 0xfffff, Is.EqualTo(1UL), "stalled while the error is active");
        // The driver replaces the bad command with CMD_SYNC (as Linux does) and acknowledges through GERRORN.
        bed.Memory.Write64(SmmuTestBed.CmdqBase + 16, CmdqCommand.Sync().Dword0);
        bed.Reg(SmmuRegister.Gerrorn, bed.ReadReg(SmmuRegister.Gerror));
        Assert.That(bed.ReadReg(SmmuRegister.CmdqCons) & 0xfffff, Is.EqualTo(4UL));
        Assert.That(bed.Smmu.CommandQueue.Errors, Is.EqualTo(1));
    }

    [TestCase(0x18, TestName = "TlbiEl3AllIsIllegal")]
    [TestCase(0x40, TestName = "AtcInvIsIllegalWithoutAts")]
    [TestCase(0x44, TestName = "ResumeIsIllegalWithoutStall")]
    [TestCase(0x46 | 3 << 12, TestName = "SyncWithReservedCsIsIllegal")]
    [TestCase(0x03 | 1 << 10, TestName = "SecureCfgiIsIllegal")]
    [TestCase(0xff, TestName = "UnknownOpcodeIsIllegal")]
    public void IllegalCommands(long dword0)
    {
        var bed = new SmmuTestBed();
        bed.Submit(new CmdqCommand((ulong)dword0, 0));
        Assert.That(bed.ReadReg(SmmuRegister.CmdqCons), Is.EqualTo(1UL << 24));
    }

    [Test]
    public void Stage2CommandsAreIllegalWithoutStage2()
    {
        var bed = new SmmuTestBed(new SmmuConfig { Stage2 = false });
        bed.Submit(CmdqCommand.TlbiS12Vmall(0));
        Assert.That(bed.ReadReg(SmmuRegister.CmdqCons) >> 24, Is.EqualTo(1UL));
    }

    [Test]
    public void CommandFetchAbortIsCerrorAbt()
    {
        var bed = new SmmuTestBed(enable: false);
        bed.Reg(SmmuRegister.Cr0, 0);
        bed.Reg(SmmuRegister.CmdqBase, (1UL << 41) | 4);
        bed.Reg(SmmuRegister.Cr0, 0b1000);
        bed.Reg(SmmuRegister.CmdqProd, 1);
        Assert.That(bed.ReadReg(SmmuRegister.CmdqCons), Is.EqualTo(2UL << 24));
    }

    [Test]
    public void CmdSyncSignalsByMsiOrSev()
    {
        var bed = new SmmuTestBed();
        bed.Memory.Write32(0x5000, 0xffff_ffff);
        bed.Submit(CmdqCommand.Sync(cs: 1, msiData: 0, msiAddress: 0x5000));
        Assert.That(bed.Memory.Read32(0x5000), Is.EqualTo(0u), "Linux-style MSI poll: the SMMU zeroes the word");
        int sev = 0;
        bed.Smmu.SendEvent = () => sev++;
        bed.Submit(CmdqCommand.Sync(cs: 2));
        Assert.That(sev, Is.EqualTo(1));
        var writes = new List<(ulong, uint)>();
        bed.Smmu.MsiWriter = (a, d) => { writes.Add((a, d)); return true; };
        bed.Submit(CmdqCommand.Sync(cs: 1, msiData: 0x1234, msiAddress: 0x8090040));
        Assert.That(writes, Is.EqualTo(new[] { (0x8090040UL, 0x1234u) }));
        bed.Smmu.MsiWriter = (_, _) => false;
        bed.Submit(CmdqCommand.Sync(cs: 1, msiData: 1, msiAddress: 0x40));
        Assert.That(bed.ReadReg(SmmuRegister.Gerror), Is.EqualTo(1UL << 4), "MSI_CMDQ_ABT_ERR");
    }

    [Test]
    public void EventQueueOverflowSetsOvflg()
    {
        var bed = new SmmuTestBed();
        for (int i = 0; i < 17; i++) bed.Translate(300, 0x1000); // C_BAD_STREAMID each time
        Assert.That(bed.ReadReg(SmmuRegister.EventqProd), Is.EqualTo(0x8000_0000UL | 16), "full (wrap set, index 0) and OVFLG");
        Assert.That(bed.Smmu.EventQueue.Overflows, Is.EqualTo(1));
        var ev = bed.DrainEvents();
        Assert.That(ev, Has.Count.EqualTo(16));
        bed.Reg(SmmuRegister.EventqCons, (bed.ReadReg(SmmuRegister.EventqCons) & 0x7fff_ffff) | 0x8000_0000); // ack overflow
        bed.Translate(300, 0x1000);
        Assert.That(bed.ReadReg(SmmuRegister.EventqProd), Is.EqualTo(0x8000_0000UL | 17));
    }

    [Test]
    public void EventQueueInterruptByMsiOrWire()
    {
        var bed = new SmmuTestBed();
        int wired = 0;
        bed.Smmu.WiredInterrupt = i => { if (i == SmmuInterrupt.EventQueue) wired++; };
        bed.Reg(SmmuRegister.IrqCtrl, 0b101);
        Assert.That(bed.ReadReg(SmmuRegister.IrqCtrlAck), Is.EqualTo(0b101UL));
        bed.Translate(300, 0);
        Assert.That(wired, Is.EqualTo(1));
        bed.Reg(SmmuRegister.EventqIrqCfg0, 0x7000);
        bed.Reg(SmmuRegister.EventqIrqCfg1, 0xabcd);
        bed.Translate(300, 0);
        Assert.That((wired, bed.Memory.Read32(0x7000)), Is.EqualTo((1, 0xabcdu)));
    }

    [Test]
    public void EventWriteAbortIsGerror()
    {
        var bed = new SmmuTestBed(enable: false);
        bed.Reg(SmmuRegister.Cr0, 0);
        bed.Reg(SmmuRegister.EventqBase, (1UL << 41) | 4);
        bed.Reg(SmmuRegister.Cr0, 0b1101);
        bed.Translate(300, 0);
        Assert.That(bed.ReadReg(SmmuRegister.Gerror), Is.EqualTo(1UL << 2));
    }
}
