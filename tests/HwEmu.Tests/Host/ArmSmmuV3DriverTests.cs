using HwEmu.Devices.Host;
using HwEmu.Devices.Host.ArmSmmuV3;
using HwEmu.Devices.Host.Iommu;
using HwEmu.Devices.Smmu;
using NUnit.Framework;

namespace HwEmu.Tests.Host;

/// <summary>The arm-smmu-v3 driver model programming the SMMUv3 model through registers and memory only.</summary>
public class ArmSmmuV3DriverTests
{
    private const IommuProt Rw = IommuProt.Read | IommuProt.Write | IommuProt.Cache;
    private static readonly CmdqCommand SevSync = new(0x0FC0_2046UL, 0); // CS=SIG_SEV, MSH=ISH, MSIATTR=OIWB

    private static void AssertCommands(IEnumerable<CmdqCommand> actual, params CmdqCommand[] expected)
    {
        var a = actual.Select(c => c.ToString()).ToArray();
        Assert.That(a, Is.EqualTo(expected.Select(c => c.ToString()).ToArray()));
    }

    private static CmdqCommand NhVa(ushort asid, ulong addr, int num = 0, int scale = 0, int ttl = 3, int tg = 1) =>
        CmdqCommand.TlbiAddress(CmdqOpcode.TlbiNhVa, 0, asid, addr, leaf: true, tg, num, scale, ttl);

    private static CmdqCommand Prefetch(uint sid) => new((byte)CmdqOpcode.PrefetchConfig | (ulong)sid << 32, 0);

    [Test]
    public void ProbeDecodesTheModelsIdRegisters()
    {
        var bed = new DriverTestBed(new SmmuConfig(), reset: false);
        var d = bed.Driver;
        Assert.That(d.Probe(), Is.EqualTo(Errno.None));
        Assert.That(d.Features, Is.EqualTo(ArmSmmuV3Features.TwoLevelStrtab | ArmSmmuV3Features.TwoLevelCdtab | ArmSmmuV3Features.TtLe |
            ArmSmmuV3Features.Sev | ArmSmmuV3Features.Msi | ArmSmmuV3Features.Hyp | ArmSmmuV3Features.TransS1 |
            ArmSmmuV3Features.TransS2 | ArmSmmuV3Features.Coherency | ArmSmmuV3Features.RangeInv));
        Assert.That((d.Ias, d.Oas, d.AsidBits, d.VmidBits, d.SidBits, d.SsidBits), Is.EqualTo((48, 48, 16, 16, 16, 20)));
        Assert.That(d.PgsizeBitmap, Is.EqualTo(0x6221_5000UL), "4K|2M|1G, 16K|32M, 64K|512M");
        Assert.That(d.MsiPoll, Is.True, "MSI + coherent: CMD_SYNC completion by MSI write");
        Assert.That((d.CmdqShift, d.EvtqShift), Is.EqualTo((18, 17)), "min(IDR1 19, Q_MAX_SZ_SHIFT - entry size)");
        Assert.That(d.Reset(), Is.EqualTo(Errno.None));
        Assert.That((d.CmdqShift, d.EvtqShift), Is.EqualTo((16, 15)), "halved to 1 MiB queues, as in the capture");
    }

    [Test]
    public void ProbeRefusesAnSmmuWithoutTranslation()
    {
        var bed = new DriverTestBed(new SmmuConfig { Stage1 = false, Stage2 = false }, reset: false);
        Assert.That(bed.Driver.Probe(), Is.EqualTo(Errno.ENXIO));
        Assert.That(bed.Driver.KernelLog[^1], Is.EqualTo("arm-smmu-v3 arm-smmu-v3.0.auto: no translation support!"));
        Assert.That(bed.Driver.Reset(), Is.EqualTo(Errno.ENXIO));
    }

    [Test]
    public void ResetProgramsTheCapturesRegistersAndCommands()
    {
        var bed = new DriverTestBed();
        var d = bed.Driver;
        Assert.That(bed.SmmuReg(SmmuRegister.Cr0), Is.EqualTo(0xdu));
        Assert.That(bed.SmmuReg(SmmuRegister.Cr1), Is.EqualTo(0xd75u));
        Assert.That(bed.SmmuReg(SmmuRegister.Cr2), Is.EqualTo(0x6u));
        Assert.That(bed.SmmuReg(SmmuRegister.StrtabBaseCfg), Is.EqualTo(0x10210u), "2-level, SPLIT 8, LOG2SIZE 16");
        Assert.That(bed.SmmuReg64(SmmuRegister.StrtabBase), Is.EqualTo(0x4000_0000_0000_0000UL | d.StreamTableBase));
        Assert.That(bed.SmmuReg64(SmmuRegister.CmdqBase), Is.EqualTo(0x4000_0000_0000_0000UL | d.CommandQueueBase | 0x10));
        Assert.That(bed.SmmuReg64(SmmuRegister.EventqBase), Is.EqualTo(0x4000_0000_0000_0000UL | d.EventQueueBase | 0x0f));
        Assert.That(bed.SmmuReg(SmmuRegister.IrqCtrl), Is.EqualTo(0x5u));
        AssertCommands(d.CommandLog, CmdqCommand.CfgiAll(), SevSync, CmdqCommand.TlbiNsnhAll(), SevSync);
        Assert.That(bed.SmmuReg(SmmuRegister.CmdqCons), Is.EqualTo(4u));
        Assert.That(bed.Smmu.CommandQueue.Errors, Is.EqualTo(0));
    }

    [Test]
    public void ResetWithHypAndMsiUsesTlbiEl2AllAndMsiPolledSyncs()
    {
        var bed = new DriverTestBed(new SmmuConfig());
        var log = bed.Driver.CommandLog;
        Assert.That(log.Select(c => c.Opcode), Is.EqualTo(new[]
        {
            CmdqOpcode.CfgiSteRange, CmdqOpcode.Sync, CmdqOpcode.TlbiEl2All, CmdqOpcode.Sync, CmdqOpcode.TlbiNsnhAll, CmdqOpcode.Sync,
        }));
        // CMD_SYNC: CS = SIG_IRQ, MSIAddress = its own slot; the SMMU's MSI wrote 0 over the first word.
        ulong slot = bed.Driver.CommandQueueBase + 16;
        Assert.That(log[1].Dword0, Is.EqualTo(0x0FC0_1046UL));
        Assert.That(log[1].Dword1, Is.EqualTo(slot));
        Assert.That(bed.Memory.Read32(slot), Is.EqualTo(0u));
    }

    [Test]
    public void AttachWritesLinuxsSteAndCdWithItsCommandSequence()
    {
        var bed = new DriverTestBed();
        var domain = bed.Driver.AllocDomain(IommuDomainType.Dma)!;
        var d = (ArmSmmuDomain)domain.Ops!;
        int before = bed.Driver.CommandLog.Count;
        Assert.That(d.Attach([8u]), Is.EqualTo(Errno.None));
        AssertCommands(bed.Driver.CommandLog.Skip(before),
            SevSync, SevSync, CmdqCommand.CfgiSte(8), SevSync, CmdqCommand.CfgiSte(8), SevSync, Prefetch(8));
        Assert.That(d.Asid, Is.EqualTo(1));

        ulong ste = bed.Driver.SteAddress(8);
        Assert.That(ste, Is.Not.EqualTo(0UL));
        Assert.That(bed.Memory.Read64(ste), Is.EqualTo(d.CdTable | 0xb), "V, Config = S1 translate, S1Fmt linear, S1CDMax 0");
        Assert.That(bed.Memory.Read64(ste + 8), Is.EqualTo(0xd6UL), "S1DSS SSID0, S1CIR/S1COR WBRA, S1CSH ISH, STRW NSEL1");
        Assert.That(bed.Memory.Read64(ste + 16), Is.EqualTo(0UL));
        // CD: T0SZ 16, TG0 4K, IRGN0/ORGN0 WBWA, SH0 ISH, EPD1, V, IPS 44-bit, AA64, R, A, ASET, ASID 1.
        Assert.That(bed.Memory.Read64(d.CdTable), Is.EqualTo(0x0001_E204_C000_3510UL));
        Assert.That(bed.Memory.Read64(d.CdTable + 8), Is.EqualTo(d.Table!.Pgd));
        Assert.That(bed.Memory.Read64(d.CdTable + 16), Is.EqualTo(0UL));
        Assert.That(bed.Memory.Read64(d.CdTable + 24), Is.EqualTo(0xffff_ffff_f404_ff44UL), "MAIR as the kernel's int arithmetic leaves it");
        // The level-1 descriptor of StreamIDs 0..255: SPAN 9, L2Ptr.
        Assert.That(bed.Memory.Read64(bed.Driver.StreamTableBase), Is.EqualTo((ste & ~0x3fffUL) | 9));
        // A neighbour in the same level-2 table stays abort (SHCFG = incoming, as every no-domain STE).
        Assert.That((bed.Memory.Read64(ste + 64), bed.Memory.Read64(ste + 72)), Is.EqualTo((1UL, 1UL << 44)));
        Assert.That(bed.Dma(9, 0x1000).Status, Is.EqualTo(TranslationStatus.Abort));
    }

    private static (DriverTestBed Bed, IommuDomain Domain, ArmSmmuDomain Smmu) NvmeDmaDomain(ArmSmmuV3DriverOptions? options = null, SmmuConfig? config = null)
    {
        var bed = new DriverTestBed(config, options);
        var host = new HostSystem(HostPlatform.QemuVirtItsNvme());
        var domain = bed.Driver.AttachDefaultDomain(host, host.Groups[0]);
        Assert.That(domain, Is.Not.Null);
        return (bed, domain!, (ArmSmmuDomain)domain!.Ops!);
    }

    [Test]
    public void DmaThroughTheDriversDomainTranslates()
    {
        var (bed, domain, d) = NvmeDmaDomain();
        Assert.That(domain.Type, Is.EqualTo(IommuDomainType.Dma));
        Assert.That(bed.Driver.CommandLog[^2].ToString(), Is.EqualTo(CmdqCommand.TlbiNhAsid(0, 1).ToString()), "direct mappings flush");
        Assert.That(d.DmaMap(0x4800_0123, 0x100, Rw, out ulong dma), Is.EqualTo(Errno.None));
        Assert.That(dma, Is.EqualTo(0xffff_f123UL), "top-down below 4 GiB, offset kept");
        var r = bed.Dma(8, dma);
        Assert.That(r.Status, Is.EqualTo(TranslationStatus.Ok));
        Assert.That(r.OutputAddress, Is.EqualTo(0x4800_0123UL));
        Assert.That(bed.Dma(8, dma, write: true).OutputAddress, Is.EqualTo(0x4800_0123UL));
        Assert.That(bed.Dma(0x10, dma).Status, Is.EqualTo(TranslationStatus.Abort), "virtio's stream is not attached");
    }

    [Test]
    public void StrictUnmapInvalidatesAndTheNextAccessFaultsWithTheEventRecord()
    {
        var (bed, _, d) = NvmeDmaDomain();
        Assert.That(d.DmaMap(0x4800_0000, 0x1000, Rw, out ulong dma), Is.EqualTo(Errno.None));
        Assert.That(bed.Dma(8, dma + 0x10).Status, Is.EqualTo(TranslationStatus.Ok)); // now in the TLB
        int before = bed.Driver.CommandLog.Count;
        Assert.That(d.DmaUnmap(dma, 0x1000), Is.EqualTo(0x1000UL));
        AssertCommands(bed.Driver.CommandLog.Skip(before), NhVa(1, 0xffff_f000), SevSync);

        var r = bed.Dma(8, dma + 0x10);
        Assert.That(r.Status, Is.EqualTo(TranslationStatus.Fault));
        var events = bed.Driver.DrainEvents();
        Assert.That(events, Has.Count.EqualTo(1));
        var e = events[0];
        Assert.That((e.Type, e.StreamId, e.InputAddress, e.Read, e.Stage2), Is.EqualTo((SmmuEventType.FTranslation, 8u, 0xffff_f010UL, true, false)));
        Assert.That(e.Dword0, Is.EqualTo(0x0000_0008_0000_0010UL));
        Assert.That(e.Dword1, Is.EqualTo(0x0000_0208_0000_0000UL), "RnW (read), CLASS = IN, stage 1");
        Assert.That((e.Dword2, e.Dword3), Is.EqualTo((0xffff_f010UL, 0UL)));
        Assert.That(bed.Driver.KernelLog.TakeLast(5), Is.EqualTo(new[]
        {
            "arm-smmu-v3 arm-smmu-v3.0.auto: event 0x10 received:",
            "arm-smmu-v3 arm-smmu-v3.0.auto: \t0x0000000800000010",
            "arm-smmu-v3 arm-smmu-v3.0.auto: \t0x0000020800000000",
            "arm-smmu-v3 arm-smmu-v3.0.auto: \t0x00000000fffff010",
            "arm-smmu-v3 arm-smmu-v3.0.auto: \t0x0000000000000000",
        }));
        Assert.That(bed.SmmuReg(SmmuRegister.EventqCons), Is.EqualTo(bed.SmmuReg(SmmuRegister.EventqProd)));
        Assert.That(bed.Driver.DrainEvents(), Is.Empty);
        Assert.That(d.DmaMap(0x4900_0000, 0x1000, Rw, out ulong again), Is.EqualTo(Errno.None));
        Assert.That(again, Is.EqualTo(dma), "strict: the IOVA is free at once");
    }

    [Test]
    public void LazyUnmapLeavesTheTlbStaleUntilTheFlushQueueIsFlushed()
    {
        var (bed, domain, d) = NvmeDmaDomain(new ArmSmmuV3DriverOptions { Strict = false });
        Assert.That(domain.Type, Is.EqualTo(IommuDomainType.DmaFq));
        Assert.That(d.DmaMap(0x4800_0000, 0x1000, Rw, out ulong dma), Is.EqualTo(Errno.None));
        Assert.That(bed.Dma(8, dma).Status, Is.EqualTo(TranslationStatus.Ok));
        int before = bed.Driver.CommandLog.Count;
        Assert.That(d.DmaUnmap(dma, 0x1000), Is.EqualTo(0x1000UL));
        Assert.That(bed.Driver.CommandLog.Count, Is.EqualTo(before), "no invalidation on a queued unmap");
        Assert.That(d.IovaToPhys(dma), Is.EqualTo(0UL), "the PTE is gone");
        var stale = bed.Dma(8, dma);
        Assert.That((stale.Status, stale.Source, stale.OutputAddress), Is.EqualTo((TranslationStatus.Ok, TranslationSource.Tlb, 0x4800_0000UL)));
        Assert.That(d.DmaMap(0x4900_0000, 0x1000, Rw, out ulong other), Is.EqualTo(Errno.None));
        Assert.That(other, Is.Not.EqualTo(dma), "the IOVA is not reused before the flush");
        Assert.That(d.QueuedIovas, Is.EqualTo(1));

        d.FlushQueue();
        AssertCommands(bed.Driver.CommandLog.Skip(before), CmdqCommand.TlbiNhAsid(0, 1), SevSync);
        Assert.That(bed.Dma(8, dma).Status, Is.EqualTo(TranslationStatus.Fault));
        Assert.That(d.QueuedIovas, Is.EqualTo(0));
        Assert.That(d.DmaMap(0x4a00_0000, 0x1000, Rw, out ulong reused), Is.EqualTo(Errno.None));
        Assert.That(reused, Is.EqualTo(dma), "freed after the flush");
    }

    [Test]
    public void AFullFlushQueueFlushesBeforeQueueingMore()
    {
        var (bed, _, d) = NvmeDmaDomain(new ArmSmmuV3DriverOptions { Strict = false, FlushQueueSize = 4 });
        var iovas = new ulong[4];
        for (int i = 0; i < 4; i++) Assert.That(d.DmaMap(0x4800_0000 + (ulong)i * 0x1000, 0x1000, Rw, out iovas[i]), Is.EqualTo(Errno.None));
        int before = bed.Driver.CommandLog.Count;
        for (int i = 0; i < 3; i++) d.DmaUnmap(iovas[i], 0x1000);
        Assert.That((d.QueuedIovas, bed.Driver.CommandLog.Count), Is.EqualTo((3, before)));
        d.DmaUnmap(iovas[3], 0x1000);
        Assert.That((d.QueuedIovas, d.FlushQueueFlushes), Is.EqualTo((1, 1L)));
        AssertCommands(bed.Driver.CommandLog.Skip(before), CmdqCommand.TlbiNhAsid(0, 1), SevSync);
    }

    private static (DriverTestBed Bed, ArmSmmuDomain D) Unmanaged(SmmuConfig? config = null, uint sid = 0x10)
    {
        var bed = new DriverTestBed(config);
        var domain = bed.Driver.AllocDomain(IommuDomainType.Unmanaged)!;
        var d = (ArmSmmuDomain)domain.Ops!;
        Assert.That(d.Attach([sid]), Is.EqualTo(Errno.None));
        return (bed, d);
    }

    [Test]
    public void RangeInvalidationSplitsIntoNumAndScale()
    {
        var (bed, d) = Unmanaged();
        Assert.That(IommuCore.Map(d, 0x10_0000, 0x4800_0000, 33 * 0x1000UL, Rw), Is.EqualTo(Errno.None));
        int before = bed.Driver.CommandLog.Count;
        Assert.That(IommuCore.Unmap(d, 0x10_0000, 33 * 0x1000UL), Is.EqualTo(33 * 0x1000UL));
        // 33 pages: 1 page (NUM 0, SCALE 0), then 32 pages (NUM 0, SCALE 5); one CMD_SYNC.
        AssertCommands(bed.Driver.CommandLog.Skip(before), NhVa(1, 0x10_0000), NhVa(1, 0x10_1000, scale: 5), SevSync);
    }

    [Test]
    public void BlockUnmapUsesTheBlockLevelAsTtl()
    {
        var (bed, d) = Unmanaged();
        Assert.That(IommuCore.Map(d, 0x20_0000, 0x4820_0000, 0x20_0000, Rw), Is.EqualTo(Errno.None));
        Assert.That(d.Table!.Walk(0x20_0000).Level, Is.EqualTo(2));
        int before = bed.Driver.CommandLog.Count;
        Assert.That(IommuCore.Unmap(d, 0x20_0000, 0x20_0000), Is.EqualTo(0x20_0000UL));
        AssertCommands(bed.Driver.CommandLog.Skip(before), NhVa(1, 0x20_0000, scale: 9, ttl: 2), SevSync);
    }

    [Test]
    public void WithoutRilEachGranuleGetsItsOwnTlbi()
    {
        var (bed, d) = Unmanaged(DriverTestBed.QemuSmmu with { RangeInvalidation = false });
        Assert.That(IommuCore.Map(d, 0x10_0000, 0x4800_0000, 0x3000, Rw), Is.EqualTo(Errno.None));
        int before = bed.Driver.CommandLog.Count;
        IommuCore.Unmap(d, 0x10_0000, 0x3000);
        AssertCommands(bed.Driver.CommandLog.Skip(before),
            NhVa(1, 0x10_0000, ttl: 0, tg: 0), NhVa(1, 0x10_1000, ttl: 0, tg: 0), NhVa(1, 0x10_2000, ttl: 0, tg: 0), SevSync);
    }

    [Test]
    public void Stage2DomainWritesS2SteAndInvalidatesByIpa()
    {
        var bed = new DriverTestBed(new SmmuConfig { Msi = false });
        var domain = bed.Driver.AllocDomain(IommuDomainType.Unmanaged, ArmSmmuStage.S2)!;
        var d = (ArmSmmuDomain)domain.Ops!;
        int before = bed.Driver.CommandLog.Count;
        Assert.That(d.Attach([3u]), Is.EqualTo(Errno.None));
        AssertCommands(bed.Driver.CommandLog.Skip(before), CmdqCommand.CfgiSte(3), SevSync, CmdqCommand.CfgiSte(3), SevSync, Prefetch(3));
        ulong ste = bed.Driver.SteAddress(3);
        Assert.That(bed.Memory.Read64(ste), Is.EqualTo(0xdUL));
        Assert.That(bed.Memory.Read64(ste + 16), Is.EqualTo(0x044D_3590_0000_0001UL), "VMID 1, VTCR (T0SZ 16, SL0 2, WBWA, ISH, 4K, PS 48), S2AA64, S2PTW, S2R");
        Assert.That(bed.Memory.Read64(ste + 24), Is.EqualTo(d.Table!.Pgd));
        Assert.That(IommuCore.Map(d, 0x8000_0000, 0x4800_0000, 0x1000, Rw), Is.EqualTo(Errno.None));
        Assert.That(bed.Dma(3, 0x8000_0040).OutputAddress, Is.EqualTo(0x4800_0040UL));
        before = bed.Driver.CommandLog.Count;
        IommuCore.Unmap(d, 0x8000_0000, 0x1000);
        AssertCommands(bed.Driver.CommandLog.Skip(before),
            CmdqCommand.TlbiAddress(CmdqOpcode.TlbiS2Ipa, 1, 0, 0x8000_0000, true, 1, 0, 0, 3), SevSync);
        Assert.That(bed.Dma(3, 0x8000_0040).Status, Is.EqualTo(TranslationStatus.Fault));
    }

    [Test]
    public void IdentityDomainBypassesAndDetachAborts()
    {
        var bed = new DriverTestBed();
        var domain = bed.Driver.AllocDomain(IommuDomainType.Identity)!;
        var d = bed.Driver.DriverDomain(domain)!;
        int before = bed.Driver.CommandLog.Count;
        Assert.That(d.Attach([5u]), Is.EqualTo(Errno.None));
        AssertCommands(bed.Driver.CommandLog.Skip(before), CmdqCommand.CfgiSte(5), SevSync);
        ulong ste = bed.Driver.SteAddress(5);
        Assert.That((bed.Memory.Read64(ste), bed.Memory.Read64(ste + 8)), Is.EqualTo((0x9UL, 1UL << 44)));
        var r = bed.Dma(5, 0x4123_4567);
        Assert.That((r.Status, r.OutputAddress), Is.EqualTo((TranslationStatus.Bypass, 0x4123_4567UL)));
        d.Detach([5u]);
        Assert.That(bed.Memory.Read64(ste), Is.EqualTo(0x1UL));
        Assert.That(bed.Dma(5, 0x4123_4567).Status, Is.EqualTo(TranslationStatus.Abort));
        Assert.That(d.Attach([5u]), Is.EqualTo(Errno.None));
        bed.Driver.FreeDomain(domain);
        Assert.That((bed.Memory.Read64(ste), bed.Driver.StreamDomain(5), bed.Driver.DriverDomain(domain)), Is.EqualTo((0x1UL, (ArmSmmuDomain?)null, (ArmSmmuDomain?)null)));
    }

    [Test]
    public void MovingAMasterDetachesItFromItsOldDomainFirst()
    {
        var bed = new DriverTestBed();
        var a = (ArmSmmuDomain)bed.Driver.AllocDomain(IommuDomainType.Unmanaged)!.Ops!;
        var b = (ArmSmmuDomain)bed.Driver.AllocDomain(IommuDomainType.Unmanaged)!.Ops!;
        Assert.That(a.Attach([8u]), Is.EqualTo(Errno.None));
        int before = bed.Driver.CommandLog.Count;
        Assert.That(b.Attach([8u]), Is.EqualTo(Errno.None));
        AssertCommands(bed.Driver.CommandLog.Skip(before),
            CmdqCommand.CfgiSte(8), SevSync,                       // abort STE
            SevSync, SevSync,                                      // b's CD (no masters yet)
            CmdqCommand.CfgiSte(8), SevSync, CmdqCommand.CfgiSte(8), SevSync, Prefetch(8));
        Assert.That((a.StreamIds.Count, b.StreamIds.Count, b.Asid), Is.EqualTo((0, 1, 2)));
        Assert.That(bed.Driver.StreamDomain(8), Is.SameAs(b));
    }

    [Test]
    public void LinearStreamTable()
    {
        var bed = new DriverTestBed(options: new ArmSmmuV3DriverOptions { StreamTable = StreamTableFormat.Linear });
        Assert.That(bed.SmmuReg(SmmuRegister.StrtabBaseCfg), Is.EqualTo(16u));
        Assert.That(bed.Driver.SteAddress(8), Is.EqualTo(bed.Driver.StreamTableBase + 8 * 64));
        Assert.That(bed.Memory.Read64(bed.Driver.SteAddress(0x1234)), Is.EqualTo(1UL), "abort STEs");
        var d = (ArmSmmuDomain)bed.Driver.AllocDomain(IommuDomainType.Unmanaged)!.Ops!;
        Assert.That(d.Attach([0x1234u]), Is.EqualTo(Errno.None));
        Assert.That(IommuCore.Map(d, 0x1000, 0x4800_0000, 0x1000, Rw), Is.EqualTo(Errno.None));
        Assert.That(bed.Dma(0x1234, 0x1008).OutputAddress, Is.EqualTo(0x4800_0008UL));
    }

    [Test]
    public void StreamIdBeyondTheTableIsRefused()
    {
        var bed = new DriverTestBed(DriverTestBed.QemuSmmu with { StreamIdBits = 8 });
        Assert.That(bed.Driver.TwoLevelStreamTable, Is.False, "SIDSIZE <= SPLIT: linear");
        var d = (ArmSmmuDomain)bed.Driver.AllocDomain(IommuDomainType.Unmanaged)!.Ops!;
        Assert.That(d.Attach([0x100u]), Is.EqualTo(Errno.ERANGE));
    }

    [Test]
    public void IllegalCommandIsSkippedAsLinuxDoes()
    {
        var bed = new DriverTestBed();
        var err = bed.Driver.IssueWithSync(new CmdqCommand((byte)CmdqOpcode.CfgiVmsPidm, 0));
        Assert.That(err, Is.EqualTo(Errno.None), "the failing command is rewritten as CMD_SYNC and the queue resumes");
        Assert.That(bed.Driver.KernelLog, Does.Contain("arm-smmu-v3 arm-smmu-v3.0.auto: CMDQ error (cons 0x01000004): Illegal command"));
        Assert.That(bed.Smmu.CommandQueue.Errors, Is.EqualTo(1));
        Assert.That(bed.SmmuReg(SmmuRegister.CmdqCons) & 0xfffff, Is.EqualTo(6u), "ERR stays in CONS[30:24] until overwritten");
        Assert.That(bed.SmmuReg(SmmuRegister.Gerror) ^ bed.SmmuReg(SmmuRegister.Gerrorn), Is.EqualTo(0u));
    }

    [Test]
    public void VfioContainerAttachInstallsTheStreamAndMapsThroughTheSmmu()
    {
        var bed = new DriverTestBed();
        var host = new HostSystem(HostPlatform.QemuVirtItsNvme());
        var mem = new HwEmu.Devices.Host.Vfio.LinearUserMemory(0x7f00_0000_0000, 0x4c00_0000, 0x10_0000);
        var c = new HwEmu.Devices.Host.Vfio.VfioContainer(host, _ => bed.Driver.AllocDomain(IommuDomainType.Unmanaged), mem);
        Assert.That(c.AttachGroup(host.Groups[0]), Is.EqualTo(Errno.None));
        Assert.That(bed.Driver.StreamDomain(8), Is.Not.Null);
        Assert.That(c.MapDma(HwEmu.Devices.Host.Vfio.VfioDmaMap.ReadWrite(0x7f00_0000_0000, 0x1_0000_0000, 0x2000)), Is.EqualTo(Errno.None));
        Assert.That(bed.Dma(8, 0x1_0000_1004).OutputAddress, Is.EqualTo(0x4c00_1004UL));
        Assert.That(c.DetachGroup(host.Groups[0]), Is.EqualTo(Errno.None));
        Assert.That(bed.Driver.StreamDomain(8), Is.Null);
        Assert.That(bed.Dma(8, 0x1_0000_1004).Status, Is.EqualTo(TranslationStatus.Abort));
    }

    [Test]
    public void UnmappingAWholeTableFlushesTheWalkNotJustLeaves()
    {
        var (bed, d) = Unmanaged();
        Assert.That(IommuCore.Map(d, 0x20_0000, 0x4800_0000, 0x1000, Rw), Is.EqualTo(Errno.None));
        Assert.That(d.Table!.Walk(0x20_0000).Level, Is.EqualTo(3));
        int before = bed.Driver.CommandLog.Count;
        Assert.That(IommuCore.Unmap(d, 0x20_0000, 0x20_0000), Is.EqualTo(0x20_0000UL));
        // io_pgtable_tlb_flush_walk: leaf = 0, granule 4K (TTL 3), 512 pages as NUM 0 SCALE 9.
        AssertCommands(bed.Driver.CommandLog.Skip(before),
            CmdqCommand.TlbiAddress(CmdqOpcode.TlbiNhVa, 0, 1, 0x20_0000, leaf: false, tg: 1, num: 0, scale: 9, ttl: 3), SevSync);
    }

    [Test]
    public void EventQueueOverflowIsReportedAndAcknowledged()
    {
        var bed = new DriverTestBed(options: new ArmSmmuV3DriverOptions { QueueMaxBytesLog2 = 12 });
        Assert.That(bed.Driver.EvtqShift, Is.EqualTo(7));
        var d = (ArmSmmuDomain)bed.Driver.AllocDomain(IommuDomainType.Unmanaged)!.Ops!;
        Assert.That(d.Attach([8u]), Is.EqualTo(Errno.None));
        for (int i = 0; i < 130; i++) Assert.That(bed.Dma(8, 0x1000_0000 + (ulong)i * 0x1000).Status, Is.EqualTo(TranslationStatus.Fault));
        Assert.That(bed.Smmu.EventQueue.Overflows, Is.EqualTo(2));
        var events = bed.Driver.DrainEvents();
        Assert.That(events, Has.Count.EqualTo(128));
        Assert.That(events[127].InputAddress, Is.EqualTo(0x1000_0000UL + 127 * 0x1000));
        Assert.That(bed.Driver.KernelLog, Has.One.EqualTo("arm-smmu-v3 arm-smmu-v3.0.auto: EVTQ overflow detected -- events lost"));
        uint prod = bed.SmmuReg(SmmuRegister.EventqProd), cons = bed.SmmuReg(SmmuRegister.EventqCons);
        Assert.That(cons, Is.EqualTo(prod), "OVACKFLG follows OVFLG, CONS caught up");
        Assert.That(prod >> 31, Is.EqualTo(1u));
        bed.Dma(8, 0x2000_0000);
        Assert.That(bed.Driver.DrainEvents().Select(e => e.InputAddress), Is.EqualTo(new[] { 0x2000_0000UL }));
    }

    [Test]
    public void NothingAtTheAddressIsRefusedWithoutSideEffects()
    {
        var bed = new DriverTestBed(reset: false);
        var drv = new ArmSmmuV3Driver(bed.Bus, 0x0a00_0000, bed.Pages);
        Assert.That(drv.Reset(), Is.EqualTo(Errno.ENXIO), "IDR0 reads as zero: no translation");
        Assert.That(drv.AllocDomain(IommuDomainType.Dma), Is.Null);
        Assert.That(drv.DrainEvents(), Is.Empty);
        Assert.That(bed.Pages.BlocksInUse, Is.EqualTo(0));
    }
}
