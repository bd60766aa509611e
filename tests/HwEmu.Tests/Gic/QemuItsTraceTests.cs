using System.IO.Compression;
using NUnit.Framework;
using HwEmu.Devices.Gic;
using HwEmu.Emulator.Bus;
using HwEmu.Emulator.Memory;

namespace HwEmu.Tests.Gic;

public class QemuItsTraceTests
{
    [Test]
    public void LinesMatchTheCapturedQemuTrace()
    {
        // Lines from Data/qemu-virt-its-nvme/trace.log.gz (after "TID@TIME:").
        Assert.That(QemuItsTrace.Command(ItsCommand.Mapd(8, 0, 0x481e_3a00, true)),
            Is.EqualTo("gicv3_its_cmd_mapd GICv3 ITS: command MAPD DeviceID 0x8 Size 0x0 ITT_addr 0x481e3a V 1"));
        Assert.That(QemuItsTrace.Command(ItsCommand.Mapc(0, 0, true)), Is.EqualTo("gicv3_its_cmd_mapc GICv3 ITS: command MAPC ICID 0x0 RDbase 0x0 V 1"));
        Assert.That(QemuItsTrace.Command(ItsCommand.Mapti(0x10, 1, 0x2003, 0)),
            Is.EqualTo("gicv3_its_cmd_mapti GICv3 ITS: command MAPTI DeviceID 0x10 EventID 0x1 ICID 0x0 pINTID 0x2003"));
        Assert.That(QemuItsTrace.Command(ItsCommand.Discard(8, 1)), Is.EqualTo("gicv3_its_cmd_discard GICv3 ITS: command DISCARD DeviceID 0x8 EventID 0x1"));
        Assert.That(QemuItsTrace.Command(ItsCommand.Inv(8, 0)), Is.EqualTo("gicv3_its_cmd_inv GICv3 ITS: command INV DeviceID 0x8 EventID 0x0"));
        Assert.That(QemuItsTrace.Command(ItsCommand.Sync(0)), Is.EqualTo("gicv3_its_cmd_sync GICv3 ITS: command SYNC"));
        Assert.That(QemuItsTrace.Command(ItsCommand.Invall(0)), Is.EqualTo("gicv3_its_cmd_invall GICv3 ITS: command INVALL"));
        Assert.That(QemuItsTrace.ProcessCommand(0xd, ItsCommand.Mapd(8, 0, 0x481e_3a00, false)),
            Is.EqualTo("gicv3_its_process_command GICv3 ITS: processing command at offset 0xd: 0x8"));
        var msi = new MsiTranslation(0x10, 1, ItsTranslationResult.Delivered, 0x2003, 0, 0, 0);
        Assert.That(QemuItsTrace.TranslationWrite(msi),
            Is.EqualTo("gicv3_its_translation_write GICv3 ITS TRANSLATER write: offset 0x40 data 0x1 size 4 requester_id 0x10"));
        Assert.That(QemuItsTrace.Command(new ItsCommand(0x29, 0, 0, 0)), Is.EqualTo("gicv3_its_cmd_unknown GICv3 ITS: unknown command 0x29"));
    }

    [Test]
    public void ReplayOfTheCapturedQueue_ProducesTheSameCommandTraceAsQemu()
    {
        string dir = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "qemu-virt-its-nvme");
        var expected = new List<string>();
        using (var reader = new StreamReader(new GZipStream(File.OpenRead(Path.Combine(dir, "trace.log.gz")), CompressionMode.Decompress)))
        {
            for (string? line; (line = reader.ReadLine()) is not null && expected.Count < 64;)
            {
                int colon = line.IndexOf(':');
                if (colon < 0) continue;
                string body = line[(colon + 1)..];
                if (body.StartsWith("gicv3_its_process_command", StringComparison.Ordinal) || body.StartsWith("gicv3_its_cmd_", StringComparison.Ordinal))
                    expected.Add(body);
            }
        }
        var mem = new PhysicalMemory();
        mem.LoadImageFile(Path.Combine(dir, "ram.bin.gz"), 0x4000_0000);
        var bus = new SystemBus(mem);
        bus.AddRam(0x4000_0000, 0x1000_0000);
        var gic = new Gicv3(bus, new GicConfig { Cpus = 1 });
        gic.Attach();
        var its = new GicV3Its(gic);
        its.Attach();
        var actual = new List<string>();
        gic.Observer = new TraceObserver(actual);
        bus.Write(0x0808_0100, 8, 0xf907000042590600, BusAttributes.Cpu);
        bus.Write(0x0808_0108, 8, 0xbc070000425a0600, BusAttributes.Cpu);
        bus.Write(0x0808_0080, 8, 0xb80000004258040f, BusAttributes.Cpu);
        bus.Write(0x0808_0000, 4, 1, BusAttributes.Cpu);
        bus.Write(0x0808_0088, 8, 0x20 << 5, BusAttributes.Cpu);
        Assert.That(actual, Has.Count.EqualTo(64));
        Assert.That(actual, Is.EqualTo(expected));
    }

    private sealed class TraceObserver(List<string> lines) : IGicObserver
    {
        public void OnItsCommand(GicV3Its its, in ItsCommandRecord record)
        {
            lines.Add(QemuItsTrace.ProcessCommand(record.Offset, record.Command));
            lines.Add(QemuItsTrace.Command(record.Command));
        }

        public void OnMsiTranslated(GicV3Its its, in MsiTranslation translation) { }
        public void OnInterruptDelivered(in GicDelivery delivery) { }
    }
}
