using System.Text;
using System.Text.Json;
using HwEmu.Traces.Format;
using HwEmu.Traces.Qemu;
using HwEmu.Traces.Replay;
using NUnit.Framework;

namespace HwEmu.Tests.Traces;

/// <summary>
/// The acceptance check of issue #7: the QEMU capture imported and replayed through SmmuV3 and GicV3Its gives QEMU's
/// result for every translation and every ITS translation write.
/// </summary>
public class CaptureReplayTests
{
    internal static ReplayResult Replay(byte[] trace, Devices.Platform.PlatformSpec? overrides = null)
    {
        using var reader = new TraceReader(new MemoryStream(trace));
        var script = ReplayScript.Load(reader);
        return ReplayEngine.Run(script, ReplayMachine.Build(script.Header, overrides), "capture");
    }

    [Test]
    public void ImportCountsEveryEventOfTheCapture()
    {
        using var reader = new TraceReader(new MemoryStream(CaptureFiles.Trace()));
        var info = TraceInfo.Read(reader);
        // CAPTURE-README: 1849 smmuv3_translate_success, 92 gicv3_its_translation_write, 582 smmuv3_cmdq_opcode.
        Assert.That(info.CountsByType[(ushort)TraceRecordType.DmaIssued], Is.EqualTo(1849));
        Assert.That(info.CountsByType[(ushort)TraceRecordType.Translation], Is.EqualTo(1849));
        Assert.That(info.CountsByType[(ushort)TraceRecordType.MsiWrite], Is.EqualTo(92));
        Assert.That(info.CountsByType[(ushort)TraceRecordType.InterruptDelivered], Is.EqualTo(92));
        Assert.That(info.CountsByType[(ushort)TraceRecordType.SmmuCommand], Is.EqualTo(582));
        Assert.That(info.CountsByType[(ushort)TraceRecordType.ItsCommand], Is.EqualTo(41));
        Assert.That(reader.Header.Platform, Is.EqualTo("qemu-virt ram=0x40000000+0x10000000 smmu=0x9050000 gicd=0x8000000 gicr=0x80a0000 its=0x8080000 cpus=1"));
    }

    [Test]
    public void EveryTranslationAndItsWriteOfTheCaptureMatchesQemu()
    {
        var r = Replay(CaptureFiles.Trace());
        Assert.That((r.Translations.Replayed, r.Translations.Matched, r.Translations.Mismatched, r.Translations.Unverified), Is.EqualTo((1849L, 1849L, 0L, 0L)));
        Assert.That((r.Msis.Replayed, r.Msis.Matched, r.Msis.Mismatched, r.Msis.Unverified), Is.EqualTo((92L, 92L, 0L, 0L)));
        Assert.That(r.Mismatches, Is.Empty);
        Assert.That(r.RegisterWritesRefused, Is.EqualTo(0));
        // The model's IOTLB (2048 entries) never evicts here, so it hits exactly where QEMU's did:
        // zcat trace.log.gz | grep -c smmu_iotlb_lookup_hit → 982, smmu_iotlb_lookup_miss → 867.
        Assert.That((r.Results.Translation.TlbHits, r.Results.Translation.TlbMisses), Is.EqualTo((982L, 867L)));
        // Delivered LPIs per INTID (zcat trace.log.gz | grep -A2 translation_write | grep ite_read | grep -o 'intid 0x[0-9a-f]*' | sort | uniq -c).
        var irqs = r.Results.Interrupts.Select(i => (i.Intid, i.Count)).ToArray();
        Assert.That(irqs, Is.EqualTo(new[] { (8192u, 18L), (8193u, 57L), (8195u, 17L) }));
    }

    [Test]
    public void ReplayIsDeterministic()
    {
        static string Json(ReplayResult r)
        {
            var ms = new MemoryStream();
            r.WriteJson(ms);
            return Encoding.UTF8.GetString(ms.ToArray());
        }
        string a = Json(Replay(CaptureFiles.Trace())), b = Json(Replay(CaptureFiles.Trace()));
        Assert.That(a, Is.EqualTo(b));
        using var doc = JsonDocument.Parse(a);
        var t = doc.RootElement.GetProperty("translations");
        Assert.That((t.GetProperty("replayed").GetInt64(), t.GetProperty("matched").GetInt64(), t.GetProperty("mismatched").GetInt64()), Is.EqualTo((1849L, 1849L, 0L)));
        var m = doc.RootElement.GetProperty("msis");
        Assert.That((m.GetProperty("replayed").GetInt64(), m.GetProperty("matched").GetInt64(), m.GetProperty("mismatched").GetInt64()), Is.EqualTo((92L, 92L, 0L)));
    }

    [Test]
    public void ImportIsDeterministic()
    {
        string a = Path.GetTempFileName(), b = Path.GetTempFileName();
        try
        {
            QemuLogImporter.Import(CaptureFiles.Log, CaptureFiles.Ram, 0x4000_0000, a);
            QemuLogImporter.Import(CaptureFiles.Log, CaptureFiles.Ram, 0x4000_0000, b);
            Assert.That(File.ReadAllBytes(a), Is.EqualTo(File.ReadAllBytes(b)));
        }
        finally
        {
            File.Delete(a);
            File.Delete(b);
        }
    }

    [Test]
    public void ASmallerTlbChangesTheStatisticsButNotTheResults()
    {
        var small = new Devices.Platform.PlatformSpec { Smmu = new Devices.Platform.SmmuSpec { TlbEntries = 4, TlbWays = 4 } };
        var r = Replay(CaptureFiles.Trace(), small);
        Assert.That((r.Translations.Matched, r.Msis.Matched, r.MismatchCount), Is.EqualTo((1849L, 92L, 0L)));
        Assert.That(r.Results.Translation.TlbHits, Is.LessThan(982));
        Assert.That(r.Results.Translation.TlbHits + r.Results.Translation.TlbMisses, Is.EqualTo(1849));
        Assert.That(r.Platform, Does.EndWith("with platform overrides"));
    }

    [Test]
    public void WithoutTheWalkedPtesTheSnapshotAloneGivesMismatches()
    {
        // The page tables changed during the run: dropping the smmu_get_pte values leaves the RAM snapshot's
        // entries, which Linux had partly cleared (strict unmap) — proof the importer's PTE writes carry the result.
        var lines = CaptureFiles.LogLines().Where(l => !l.Contains(":smmu_get_pte ", StringComparison.Ordinal) && !l.Contains(":smmu_ptw_", StringComparison.Ordinal));
        var ms = new MemoryStream();
        var platform = new QemuVirtPlatform();
        using (var w = new HwEmu.Traces.Recording.TraceWriter(ms, new TraceHeader { Platform = platform.Describe() }, leaveOpen: true))
        using (var ram = new System.IO.Compression.GZipStream(File.OpenRead(CaptureFiles.Ram), System.IO.Compression.CompressionMode.Decompress))
        {
            QemuLogImporter.Import(new StringReader(string.Join('\n', lines)), ram, platform, w);
        }
        var r = Replay(ms.ToArray());
        Assert.That(r.Translations.Mismatched, Is.GreaterThan(100));
        Assert.That(r.Mismatches, Has.Count.EqualTo(ReplayResult.MaxListedMismatches));
        Assert.That(r.Translations.Matched + r.Translations.Mismatched, Is.EqualTo(1849));
    }
}
