using HwEmu.Devices.Smmu;
using HwEmu.Emulator.Bus;
using HwEmu.Emulator.Memory;
using NUnit.Framework;

namespace HwEmu.Tests.Smmu;

/// <summary>
/// Real-world check: the RAM image Linux 6.1 left behind while driving QEMU's SMMUv3 (qemu-virt-its-nvme capture),
/// with the registers programmed to the values the driver wrote (trace.log.gz smmuv3_write_mmio lines).
/// </summary>
public class SmmuCaptureTests
{
    private static SmmuV3? _smmu;

    private static SmmuV3 Smmu() => _smmu ??= Build();

    private static SmmuV3 Build()
    {
        var mem = new PhysicalMemory();
        string dir = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "qemu-virt-its-nvme");
        mem.LoadImageFile(Path.Combine(dir, "ram.bin.gz"), 0x4000_0000);
        var bus = new SystemBus(mem);
        bus.AddRam(0x4000_0000, 0x1000_0000);
        var smmu = new SmmuV3(bus, new SmmuConfig { OutputAddressBits = 44 }); // QEMU 7.2 advertises OAS 44
        void W(ulong offset, int size, ulong value) => Assert.That(smmu.Write(offset, size, value, BusAttributes.Cpu), Is.EqualTo(BusStatus.Ok));
        // Values and order from trace.log.gz (13659@1795345707.517256 .. .520436), arm_smmu_device_reset():
        W(0x20, 4, 0x0);                   // CR0 = 0
        W(0x28, 4, 0xd75);                 // CR1: queue/table attributes (ISH, WB)
        W(0x2c, 4, 0x6);                   // CR2: RECINVSID | PTM
        W(0x80, 8, 0x4000000043079000);    // STRTAB_BASE: RA | 0x43079000
        W(0x88, 4, 0x10210);               // STRTAB_BASE_CFG: 2-level, SPLIT 8, LOG2SIZE 16
        W(0x90, 8, 0x400000004bb00010);    // CMDQ_BASE: 2^16 entries at 0x4bb00000
        W(0x98, 4, 0x0);                   // CMDQ_PROD
        W(0x9c, 4, 0x0);                   // CMDQ_CONS
        W(0x20, 4, 0x8);                   // CR0 = CMDQEN
        W(0xa0, 8, 0x400000004bc0000f);    // EVENTQ_BASE: 2^15 entries at 0x4bc00000
        W(0xa8, 4, 0x0);                   // EVENTQ_PROD (page-0 alias, as QEMU 7.2 accepted)
        W(0xac, 4, 0x0);                   // EVENTQ_CONS
        W(0x20, 4, 0xc);                   // CR0 = CMDQEN | EVENTQEN
        W(0x50, 4, 0x0);                   // IRQ_CTRL = 0
        W(0x68, 8, 0x0);                   // GERROR_IRQ_CFG0
        W(0xb0, 8, 0x0);                   // EVENTQ_IRQ_CFG0
        W(0x50, 4, 0x5);                   // IRQ_CTRL = GERROR_IRQEN | EVENTQ_IRQEN
        W(0x20, 4, 0xd);                   // CR0 = SMMUEN | EVENTQEN | CMDQEN
        return smmu;
    }

    // (StreamID, IOVA, PA) from smmuv3_translate_success lines whose PTEs are still live in the image.
    [TestCase(0x8u, 0xfffff040UL, 0x8090040UL, TestName = "NvmeMsiDoorbell")]
    [TestCase(0x10u, 0xfffff040UL, 0x8090040UL, TestName = "VirtioMsiDoorbell")]
    [TestCase(0x8u, 0xffffb008UL, 0x48030008UL, TestName = "NvmeQueueMemory")]
    [TestCase(0x8u, 0xffffc000UL, 0x432df000UL, TestName = "NvmeAdminQueue")]
    [TestCase(0x8u, 0xfffdf000UL, 0x433ee000UL, TestName = "NvmeDataPage")]
    [TestCase(0x8u, 0xffffd440UL, 0x432d9440UL, TestName = "NvmeCompletionEntry")]
    [TestCase(0x8u, 0xfffe0e00UL, 0x48035e00UL, TestName = "NvmeSqEntry")]
    [TestCase(0x10u, 0xffffd002UL, 0x4325b002UL, TestName = "VirtioAvailRing")]
    [TestCase(0x10u, 0xffffda44UL, 0x4325ba44UL, TestName = "VirtioUsedRing")]
    [TestCase(0x10u, 0xffffc000UL, 0x4325a000UL, TestName = "VirtioDescriptorTable")]
    public void TranslatesAsLinuxMapped(uint sid, ulong iova, ulong pa)
    {
        var smmu = Smmu();
        smmu.Translate(SmmuTransaction.WriteTo(sid, iova), out var r);
        Assert.That(r.Status, Is.EqualTo(TranslationStatus.Ok), r.Event.ToString());
        Assert.That(r.OutputAddress, Is.EqualTo(pa));
    }

    // Data buffers whose PTEs Linux had already cleared (strict-mode unmap) when the image was saved: the walk
    // reaches an invalid level-3 descriptor, exactly as a late DMA would.
    [TestCase(0x8u, 0xfffcf000UL, TestName = "UnmappedNvmeBufferFaults")]
    [TestCase(0x10u, 0xfffe58b0UL, TestName = "UnmappedVirtioBufferFaults")]
    public void UnmappedBuffersFault(uint sid, ulong iova)
    {
        var smmu = Smmu();
        smmu.Translate(SmmuTransaction.WriteTo(sid, iova), out var r);
        Assert.That((r.Status, r.Event.Type, r.Event.StreamId, r.Event.InputAddress),
            Is.EqualTo((TranslationStatus.Fault, SmmuEventType.FTranslation, sid, iova)));
    }

    [Test]
    public void WalkStartsAtLevelZeroOfThe48BitTable()
    {
        // Fresh SMMU so the config and TLB are cold: 2-level STE (L1STD + STE) + CD + 4 descriptor levels.
        var smmu = Build();
        smmu.Translate(SmmuTransaction.WriteTo(0x8, 0xfffff040), out var r);
        Assert.That((r.DescriptorFetches, r.Source, r.PageSizeLog2), Is.EqualTo((1 + 1 + 1 + 4, TranslationSource.FullWalk, 12)));
    }
}
