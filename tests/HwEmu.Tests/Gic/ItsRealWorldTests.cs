using NUnit.Framework;
using HwEmu.Devices.Gic;
using HwEmu.Emulator.Bus;
using HwEmu.Emulator.Memory;

namespace HwEmu.Tests.Gic;

/// <summary>
/// Reads back the ITS and LPI tables Linux 6.1 left in a QEMU `virt` guest (Data/qemu-virt-its-nvme: 256 MiB RAM
/// image at PA 0x40000000 and the QEMU trace of the same run).
/// </summary>
public class ItsRealWorldTests
{
    private static PhysicalMemory? s_image;

    private static PhysicalMemory Image()
    {
        if (s_image is null)
        {
            var mem = new PhysicalMemory();
            mem.LoadImageFile(Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "qemu-virt-its-nvme", "ram.bin.gz"), 0x4000_0000);
            s_image = mem;
        }
        return s_image;
    }

    private static (Gicv3 Gic, GicV3Its Its) Machine()
    {
        var bus = new SystemBus(Image());
        bus.AddRam(0x4000_0000, 0x1000_0000);
        // -smp 1; the image is shared, so the pending-table writes of delivered LPIs must not persist: the
        // CPU interface acknowledges at once, which clears each pending bit again.
        var gic = new Gicv3(bus, new GicConfig { Cpus = 1 });
        gic.Attach();
        var its = new GicV3Its(gic);
        its.Attach();
        var cpu = BusAttributes.Cpu;
        // Register values from trace.log.gz (zcat trace.log.gz | grep -E 'gicv3_its_write|gicv3_redist_write'):
        //   gicv3_its_write offset 0x100 data 0xf907000042590600 size 8   (BASER0: device, two-level, 64 KiB pages)
        //   gicv3_its_write offset 0x108 data 0xbc070000425a0600 size 8   (BASER1: collection, flat, 64 KiB pages)
        //   gicv3_its_write offset 0x80  data 0xb80000004258040f size 8   (CBASER: 64 KiB queue)
        //   gicv3_its_write offset 0x88  data 0x0 size 8                  (CWRITER; CREADR = 0, nothing re-executed)
        //   gicv3_its_write offset 0x0   data 0x80000001 size 4           (CTLR.Enabled)
        //   gicv3_redist_write ... offset 0x70 data 0x425b078f size 8     (GICR_PROPBASER, IDbits 15)
        //   gicv3_redist_write ... offset 0x78 data 0x425c0780 size 8     (GICR_PENDBASER)
        //   gicv3_redist_write ... offset 0x0  data 0x3 size 4            (GICR_CTLR.EnableLPIs)
        Assert.That(bus.Write(0x0808_0100, 8, 0xf907000042590600, cpu), Is.EqualTo(BusStatus.Ok));
        Assert.That(bus.Write(0x0808_0108, 8, 0xbc070000425a0600, cpu), Is.EqualTo(BusStatus.Ok));
        Assert.That(bus.Write(0x0808_0080, 8, 0xb80000004258040f, cpu), Is.EqualTo(BusStatus.Ok));
        Assert.That(bus.Write(0x0808_0088, 8, 0x0, cpu), Is.EqualTo(BusStatus.Ok));
        Assert.That(bus.Write(0x0808_0000, 4, 0x80000001, cpu), Is.EqualTo(BusStatus.Ok));
        Assert.That(bus.Write(0x080A_0070, 8, 0x425b078f, cpu), Is.EqualTo(BusStatus.Ok));
        Assert.That(bus.Write(0x080A_0078, 8, 0x425c0780, cpu), Is.EqualTo(BusStatus.Ok));
        Assert.That(bus.Write(0x080A_0000, 4, 0x3, cpu), Is.EqualTo(BusStatus.Ok));
        return (gic, its);
    }

    [Test]
    public void RegistersReadBackAsInTheTrace()
    {
        var (_, its) = Machine();
        // gicv3_its_read offset 0x100 data 0xf907000042590600 / 0x108 data 0xbc070000425a0600 / 0x80 0xb80000004258040f
        Assert.That(its.Registers.Get("GITS_BASER", 0), Is.EqualTo(0xf907000042590600UL));
        Assert.That(its.Registers.Get("GITS_BASER", 1), Is.EqualTo(0xbc070000425a0600UL));
        Assert.That(its.Registers.Get("GITS_CBASER"), Is.EqualTo(0xb80000004258040fUL));
        Assert.That(its.DeviceTable.Indirect, Is.True);
        Assert.That(its.DeviceTable.PageSize, Is.EqualTo(65536));
        Assert.That(its.DeviceTable.Base, Is.EqualTo(0x4259_0000UL));
        Assert.That(its.DeviceTable.Entries, Is.EqualTo(65536UL), "capped at 2^16 DeviceIDs");
        Assert.That(its.CollectionTable.Base, Is.EqualTo(0x425A_0000UL));
        Assert.That(its.CollectionTable.Entries, Is.EqualTo(8192UL));
    }

    [TestCase(0x8u, 0u, 0x2000u)]
    [TestCase(0x8u, 1u, 0x2001u)]
    [TestCase(0x10u, 0u, 0x2002u)]
    [TestCase(0x10u, 1u, 0x2003u)]
    public void LinuxTablesTranslateToTheLpisOfTheTrace(uint deviceId, uint eventId, uint lpi)
    {
        // Expected LPIs from the trace (zcat trace.log.gz | grep gicv3_its_ite_read):
        //   ITTaddr 0x432db800 EventID 0x0: valid 1 inttype 1 intid 0x2000 ICID 0x0   (DeviceID 0x8)
        //   ITTaddr 0x432db800 EventID 0x1: valid 1 inttype 1 intid 0x2001 ICID 0x0   (DeviceID 0x8)
        //   ITTaddr 0x433cc200 EventID 0x0: valid 1 inttype 1 intid 0x2002 ICID 0x0   (DeviceID 0x10)
        //   ITTaddr 0x433cc200 EventID 0x1: valid 1 inttype 1 intid 0x2003 ICID 0x0   (DeviceID 0x10)
        var (gic, its) = Machine();
        var status = gic.Bus.Write(0x0809_0040, 4, eventId, new BusAttributes(RequesterId: (ushort)deviceId, DeviceId: deviceId));
        Assert.That(status, Is.EqualTo(BusStatus.Ok));
        var t = its.LastTranslation;
        Assert.That(t.Result, Is.EqualTo(ItsTranslationResult.Delivered));
        Assert.That(t.IntId, Is.EqualTo(lpi));
        Assert.That(t.Cpu, Is.EqualTo(0));
        Assert.That(gic.CpuInterfaces[0].Count(lpi), Is.EqualTo(1));
        Assert.That(gic.Redistributors[0].IsPending(lpi), Is.False, "acknowledged");
    }

    [Test]
    public void DecodedEntriesMatchTheTrace()
    {
        var mem = Image();
        var f = QemuItsTableFormat.Instance;
        Span<byte> e = stackalloc byte[12];
        // Level-1 entry 0 of the two-level device table: valid, level-2 page at 0x43260000.
        Assert.That(mem.Read64(0x4259_0000), Is.EqualTo(0x8000_0000_4326_0000UL));
        // gicv3_its_dte_read ... DeviceID 0x8: valid 1 size 0x0 ITTaddr 0x432db800; DeviceID 0x10: ... 0x433cc200
        mem.Read(0x4326_0000 + 8 * 8, e[..8]);
        Assert.That(f.DecodeDte(e), Is.EqualTo(new Dte(true, 0, 0x432d_b800)));
        mem.Read(0x4326_0000 + 0x10 * 8, e[..8]);
        Assert.That(f.DecodeDte(e), Is.EqualTo(new Dte(true, 0, 0x433c_c200)));
        // gicv3_its_cte_read ... ICID 0x0: valid 1 RDBase 0x0
        mem.Read(0x425A_0000, e[..8]);
        Assert.That(f.DecodeCte(e), Is.EqualTo(new Cte(true, 0)));
        mem.Read(0x432d_b800 + 12, e);
        Assert.That(f.DecodeIte(e), Is.EqualTo(new Ite(true, true, 0x2001, 0, 0, 0x3FF)));
        // LPI configuration bytes 0xa3 (priority 0xa0, group 1, enabled) for 0x2000..0x2003.
        for (uint i = 0; i < 4; i++) Assert.That(mem.Read8(0x425B_0000 + i), Is.EqualTo(0xA3));
    }

    [Test]
    public void UnmappedIdsOfTheImageAreDropped()
    {
        var (gic, its) = Machine();
        Assert.That(its.Translate(0x18, 0, 0), Is.EqualTo(ItsTranslationResult.UnmappedDevice));
        Assert.That(its.Translate(0x8, 2, 0), Is.EqualTo(ItsTranslationResult.EventOutOfRange), "MAPD Size 0: two events");
        Assert.That(its.Translate(0x10000, 0, 0), Is.EqualTo(ItsTranslationResult.DeviceOutOfRange));
        Assert.That(its.DroppedMsis, Is.EqualTo(3));
        Assert.That(gic.CpuInterfaces[0].Delivered, Is.EqualTo(0));
    }
}
