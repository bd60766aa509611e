using System.Text.Json;
using HwEmu.Traces.Export;
using HwEmu.Traces.Format;
using HwEmu.Traces.Recording;
using NUnit.Framework;

namespace HwEmu.Tests.Traces;

public class PerfettoExportTests
{
    private static JsonDocument Export(byte[] trace, ulong hz = 1_000_000_000)
    {
        var ms = new MemoryStream();
        PerfettoExporter.Export(new TraceReader(new MemoryStream(trace)), ms, hz);
        return JsonDocument.Parse(ms.ToArray());
    }

    [Test]
    public void EveryRecordOfTheSampleBecomesOneEvent()
    {
        var (bytes, _) = SampleTrace.Build(24, new TraceWriterOptions());
        using var doc = Export(bytes);
        var events = doc.RootElement.GetProperty("traceEvents").EnumerateArray().ToArray();
        Assert.That(doc.RootElement.GetProperty("displayTimeUnit").GetString(), Is.EqualTo("ns"));
        Assert.That(events.Count(e => e.GetProperty("ph").GetString() == "M"), Is.EqualTo(6));
        Assert.That(events.Length - 6, Is.EqualTo(24), "one event per record after the header");
        var x = events.Single(e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("args").GetProperty("record").GetInt64() == 2);
        // Sample record 1: TranslationRecord(t = 2250 ps, latency 3 cycles at 1 GHz) → starts 3 ns earlier.
        Assert.That(x.GetProperty("ts").GetDouble(), Is.EqualTo(0.00225 - 0.003).Within(1e-12).Or.EqualTo(0));
        Assert.That(x.GetProperty("dur").GetDouble(), Is.EqualTo(0.003));
        Assert.That((x.GetProperty("pid").GetInt32(), x.GetProperty("tid").GetInt64()), Is.EqualTo((1, 0x100L)));
        Assert.That(x.GetProperty("args").GetProperty("pa").GetString(), Is.EqualTo("0x412345000"));
    }

    [Test]
    public void TheCaptureExportsTranslationsMsisAndLpisOnTheirTracks()
    {
        using var doc = Export(CaptureFiles.Trace());
        var events = doc.RootElement.GetProperty("traceEvents").EnumerateArray().ToArray();
        Assert.That(events.Count(e => e.GetProperty("name").GetString() == "translate"), Is.EqualTo(1849));
        Assert.That(events.Count(e => e.GetProperty("name").GetString() == "MSI"), Is.EqualTo(92));
        Assert.That(events.Count(e => e.GetProperty("name").GetString() == "CMD_SYNC"), Is.EqualTo(292));
        var first = events.First(e => e.GetProperty("name").GetString() == "translate");
        Assert.That(first.GetProperty("args").GetProperty("iova").GetString(), Is.EqualTo("0xffffd000"));
        Assert.That(first.GetProperty("args").GetProperty("pa").GetString(), Is.EqualTo("0x432d9000"));
        Assert.That(first.GetProperty("tid").GetInt64(), Is.EqualTo(8));
        Assert.That(doc.RootElement.GetProperty("otherData").GetProperty("platform").GetString(), Does.StartWith("qemu-virt "));
    }
}
