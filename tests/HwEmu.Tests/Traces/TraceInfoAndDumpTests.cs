using HwEmu.Traces;
using HwEmu.Traces.Format;
using HwEmu.Traces.Recording;
using NUnit.Framework;

namespace HwEmu.Tests.Traces;

public class TraceInfoAndDumpTests
{
    [Test]
    public void InfoCountsTypesAndTimeSpan()
    {
        var ms = new MemoryStream();
        using (var writer = new TraceWriter(ms, SampleTrace.Header, new TraceWriterOptions { BlockSize = 300 }, leaveOpen: true))
        {
            for (long i = 0; i < 24; i++)
            {
                SampleTrace.AppendRecord(i, a => a.WriteTo(writer));
            }
            writer.AppendRaw(Convert.FromHexString("93ccc8cd2af801")); // unknown type 200 at time 11000
        }
        using var reader = new TraceReader(new MemoryStream(ms.ToArray()));
        TraceInfo info = TraceInfo.Read(reader);
        Assert.That(info.RecordCount, Is.EqualTo(26));
        Assert.That(info.CountsByType[(ushort)TraceRecordType.Translation], Is.EqualTo(4));
        Assert.That(info.CountsByType[(ushort)TraceRecordType.Checkpoint], Is.EqualTo(2));
        Assert.That(info.CountsByType[200], Is.EqualTo(1));
        Assert.That(info.FirstTime, Is.EqualTo(1000UL));
        Assert.That(info.LastTime, Is.EqualTo(1000UL + (23 * 1250UL)));
        var text = new StringWriter { NewLine = "\n" };
        info.WriteTo(text);
        string expected =
            "format:      HwEmu trace v1, compression None\n" +
            "emulator:    0.1.0-test\n" +
            "platform:    qemu-virt smmuv3 its\n" +
            "scenario:    nvme fio 4k randread — ünïcode ok\n" +
            "seed:        0xfeedface12345678\n" +
            $"records:     26 in {info.BlockCount} blocks\n" +
            "time span:   1000 .. 29750 ps (28750 ps)\n" +
            "truncated:   no\n" +
            "record types:\n" +
            "  Header                          1\n" +
            "  DmaIssued                       2\n" +
            "  Translation                     4\n" +
            "  TranslationFault                2\n" +
            "  MsiWrite                        2\n" +
            "  InterruptDelivered              2\n" +
            "  RegisterWrite                   2\n" +
            "  SmmuCommand                     2\n" +
            "  ItsCommand                      2\n" +
            "  MemoryWrite                     2\n" +
            "  FaultInjected                   2\n" +
            "  Checkpoint                      2\n" +
            "  200                             1 (unknown type)\n";
        Assert.That(text.ToString(), Is.EqualTo(expected));
    }

    [Test]
    public void InfoReportsTruncationAndCorruptionInsteadOfThrowing()
    {
        (byte[] file, _) = SampleTrace.Build(100, new TraceWriterOptions { BlockSize = 300 });
        using (var reader = new TraceReader(new MemoryStream(file, 0, file.Length - 10)))
        {
            TraceInfo info = TraceInfo.Read(reader);
            Assert.That(info.IsTruncated, Is.True);
            Assert.That(info.UnverifiedRecords, Is.GreaterThan(0));
            Assert.That(info.RecordCount, Is.EqualTo(100));
            Assert.That(info.TruncationDetail, Does.StartWith("at byte offset "));
        }
        file[file.Length - 50] ^= 1;
        using (var reader = new TraceReader(new MemoryStream(file)))
        {
            TraceInfo info = TraceInfo.Read(reader);
            Assert.That(info.Error, Is.Not.Null);
            Assert.That(info.Error!.Message, Does.Contain("CRC-32C mismatch"));
            var text = new StringWriter();
            info.WriteTo(text);
            Assert.That(text.ToString(), Does.Contain("error:       Trace format error at byte offset "));
        }
    }

    [Test]
    public void JsonLinesDumpOfARange()
    {
        (byte[] file, _) = SampleTrace.Build(24);
        using var reader = new TraceReader(new MemoryStream(file));
        var text = new StringWriter { NewLine = "\n" };
        long n = TraceJsonDumper.Write(reader, text, from: 1, count: 12);
        Assert.That(n, Is.EqualTo(12));
        string[] lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(12));
        Assert.That(lines[0], Does.Match("^\\{\"index\":1,\"offset\":\\d+,\"type\":\"DmaIssued\",\"time\":1000,\"transactionId\":0,\"requesterId\":\"0x100\",\"streamId\":\"0x100\",\"substreamId\":\"0x5\",\"address\":\"0xfffff000\",\"size\":4096,\"direction\":\"Write\",\"attributes\":\"NonSecure, NoSnoop\"\\}$"));
        Assert.That(lines[1], Does.Contain("\"type\":\"Translation\",\"time\":2250,\"transactionId\":1,\"streamId\":\"0x100\",\"substreamId\":null,\"inputAddress\":\"0xfffff000\",\"outputAddress\":\"0x412345000\",\"permissions\":\"Read, Write\",\"latencyCycles\":3,\"servedBy\":\"Iotlb\",\"walkFetches\":0}"));
        Assert.That(lines[2], Does.Contain("\"eventType\":\"0x10\",\"action\":\"Terminated\",\"latencyCycles\":120,\"eventRecord\":\"1000000018000000020000000000000000"));
        Assert.That(lines[6], Does.Contain("\"opcode\":\"CMD_CFGI_STE\",\"error\":0,\"command\":\"03000000000100000100000000000000\""));
        Assert.That(lines[7], Does.Contain("\"opcode\":\"MAPTI\""));
        Assert.That(lines[8], Does.Contain("\"structure\":\"StreamTable\",\"data\":\"0100000010203040ffee\""));
    }

    [Test]
    public void JsonDumpIncludesTheHeaderAndUnknownTypes()
    {
        var ms = new MemoryStream();
        using (var writer = new TraceWriter(ms, SampleTrace.Header, leaveOpen: true))
        {
            writer.AppendRaw(Convert.FromHexString("94ccc80a92a1789101c4020102"));
        }
        using var reader = new TraceReader(new MemoryStream(ms.ToArray()));
        var text = new StringWriter { NewLine = "\n" };
        TraceJsonDumper.Write(reader, text);
        string[] lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(2));
        Assert.That(lines[0], Does.StartWith("{\"index\":0,\"offset\":36,\"type\":\"Header\",\"formatVersion\":1,\"emulatorVersion\":\"0.1.0-test\""));
        Assert.That(lines[0], Does.Contain("\"seed\":\"0xfeedface12345678\",\"timeUnit\":\"ps\"}"));
        Assert.That(lines[1], Does.Match("^\\{\"index\":1,\"offset\":\\d+,\"type\":200,\"fields\":\\[10,\\[\"x\",\\[1\\]\\],\"0102\"\\]\\}$"));
    }

    [Test]
    public void QuickBenchmarksRunAndReportTheirNames()
    {
        var enc = TraceQuickBenchmarks.EncodeTranslation(0.05);
        var dec = TraceQuickBenchmarks.DecodeTranslation(0.05);
        Assert.That(enc.Name, Is.EqualTo("trace.encode.translation"));
        Assert.That(dec.Name, Is.EqualTo("trace.decode.translation"));
        Assert.That(enc.Operations, Is.GreaterThan(0));
        Assert.That(dec.Operations, Is.GreaterThan(0));
        Assert.That(dec.Seconds, Is.GreaterThan(0));
        TestContext.Out.WriteLine($"{enc.Name}: {enc.Operations / enc.Seconds / 1e6:F1} M/s; {dec.Name}: {dec.Operations / dec.Seconds / 1e6:F1} M/s");
    }
}
