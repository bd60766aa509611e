using System.Text;
using System.Text.Json;
using HwEmu.Devices.Platform.Reporting;
using NUnit.Framework;

namespace HwEmu.Tests.Platform;

public class LatencyHistogramTests
{
    [Test]
    public void SmallValuesAreExact()
    {
        var h = new LatencyHistogram();
        for (ulong v = 1; v <= 100; v++) h.Record(v);
        Assert.That(h.Count, Is.EqualTo(100));
        Assert.That(h.Percentile(50), Is.EqualTo(50));
        Assert.That(h.Percentile(99), Is.EqualTo(99));
        Assert.That(h.Percentile(100), Is.EqualTo(100));
        Assert.That(h.Min, Is.EqualTo(1));
        Assert.That(h.Max, Is.EqualTo(100));
        Assert.That(h.Mean, Is.EqualTo(50.5));
    }

    [Test]
    public void BucketBoundariesAreContiguousAndCoverTheRange()
    {
        Assert.That(LatencyHistogram.BucketIndex(0), Is.EqualTo(0));
        Assert.That(LatencyHistogram.BucketIndex(255), Is.EqualTo(255));
        Assert.That(LatencyHistogram.BucketIndex(256), Is.EqualTo(256));
        Assert.That(LatencyHistogram.BucketIndex(257), Is.EqualTo(256)); // 256..257 share a 2-wide bucket
        Assert.That(LatencyHistogram.BucketIndex(ulong.MaxValue), Is.EqualTo(LatencyHistogram.BucketCount - 1));
        for (int i = 0; i < LatencyHistogram.BucketCount - 1; i++)
        {
            Assert.That(LatencyHistogram.BucketHighest(i) + 1, Is.EqualTo(LatencyHistogram.BucketLowest(i + 1)), $"bucket {i}");
            Assert.That(LatencyHistogram.BucketIndex(LatencyHistogram.BucketLowest(i)), Is.EqualTo(i));
            Assert.That(LatencyHistogram.BucketIndex(LatencyHistogram.BucketHighest(i)), Is.EqualTo(i));
        }
        Assert.That(LatencyHistogram.BucketHighest(LatencyHistogram.BucketCount - 1), Is.EqualTo(ulong.MaxValue));
    }

    [Test]
    public void LargeValuesWithinRelativeErrorAndClampedToMax()
    {
        var h = new LatencyHistogram();
        h.Record(1_000_000, 99);
        h.Record(123_456_789);
        Assert.That(h.Percentile(50), Is.InRange(1_000_000UL, 1_000_000UL + 1_000_000 / 128));
        Assert.That(h.Percentile(99), Is.EqualTo(h.Percentile(50)));
        Assert.That(h.Percentile(99.5), Is.EqualTo(123_456_789)); // bucket top clamped to the exact max
        Assert.That(h.Max, Is.EqualTo(123_456_789));
        Assert.That(h.Sum, Is.EqualTo((UInt128)99_000_000 + 123_456_789));
    }

    [Test]
    public void EmptyAndResetAndAdd()
    {
        var a = new LatencyHistogram();
        Assert.That(a.Percentile(50), Is.EqualTo(0));
        Assert.That(a.Mean, Is.EqualTo(0));
        a.Record(10);
        var b = new LatencyHistogram();
        b.Record(5);
        b.Record(20);
        a.Add(b);
        Assert.That((a.Count, a.Min, a.Max), Is.EqualTo((3L, 5UL, 20UL)));
        Assert.That(a.Percentile(50), Is.EqualTo(10));
        a.Reset();
        Assert.That((a.Count, a.Min, a.Max), Is.EqualTo((0L, 0UL, 0UL)));
    }

    [Test]
    public void RecordDoesNotAllocate()
    {
        var h = new LatencyHistogram();
        h.Record(1);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (ulong i = 0; i < 10_000; i++) h.Record(i * 997);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0));
    }
}

public class ResultsWriterTests
{
    internal static RunResults Sample()
    {
        var r = new RunResults("passthrough-its", 42, 1_000_000_000) { SimulatedPs = 1_000_000_000, SampleIntervalPs = 500_000_000 };
        DeviceResults nvme = r.Device("nvme0", "01:00.0");
        for (int i = 0; i < 1000; i++) nvme.RecordTransaction(false, 4096, 2_000_000);
        nvme.RecordTransaction(true, 512, 3_000_000);
        nvme.Operations = 1000;
        for (ulong i = 0; i < 100; i++) r.TranslationLatency.Record(i < 98 ? 20_000UL : 500_000UL);
        r.Translation.TlbHits = 75;
        r.Translation.TlbMisses = 25;
        r.Translation.Walks = 25;
        r.CountFault("F_TRANSLATION", 2);
        r.CountFault("C_BAD_STE");
        r.Interrupt(8193, 1).DeliveryLatency.Record(700_000);
        r.Interrupt(8192, 0).DeliveryLatency.Record(600_000);
        r.P2pBypasses = 3;
        r.AddSample(new TimeSample(500_000_000, 2_000_000, 500, 40, 50, 4));
        r.AddSample(new TimeSample(1_000_000_000, 2_096_512, 501, 35, 50, 2));
        return r;
    }

    [Test]
    public void JsonRoundTripsExactValues()
    {
        string json = ResultsJsonWriter.ToJson(Sample());
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement root = doc.RootElement;
        Assert.That(root.GetProperty("scenario").GetString(), Is.EqualTo("passthrough-its"));
        Assert.That(root.GetProperty("seed").GetUInt64(), Is.EqualTo(42));
        JsonElement dev = root.GetProperty("devices")[0];
        Assert.That(dev.GetProperty("bdf").GetString(), Is.EqualTo("01:00.0"));
        Assert.That(dev.GetProperty("readBytes").GetInt64(), Is.EqualTo(4_096_000));
        Assert.That(dev.GetProperty("writeBytes").GetInt64(), Is.EqualTo(512));
        // 4096512 bytes in 1 ms = 4.096512 GB/s; 1000 operations in 1 ms = 1e6 IOPS.
        Assert.That(dev.GetProperty("gbPerSecond").GetDouble(), Is.EqualTo(4.096512).Within(1e-12));
        Assert.That(dev.GetProperty("iops").GetDouble(), Is.EqualTo(1e6).Within(1e-6));
        JsonElement tl = root.GetProperty("translationLatency");
        Assert.That(tl.GetProperty("p50Ps").GetUInt64(), Is.EqualTo(20_095)); // top of the 128-wide bucket holding 20000
        Assert.That(tl.GetProperty("maxPs").GetUInt64(), Is.EqualTo(500_000));
        Assert.That(tl.GetProperty("maxCycles").GetUInt64(), Is.EqualTo(500)); // 500 ns at 1 GHz
        Assert.That(root.GetProperty("translation").GetProperty("tlbHitRate").GetDouble(), Is.EqualTo(0.75));
        Assert.That(root.GetProperty("translation").GetProperty("walksPerSecond").GetDouble(), Is.EqualTo(25_000).Within(1e-6));
        JsonElement faults = root.GetProperty("faults");
        Assert.That(faults.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "C_BAD_STE", "F_TRANSLATION" }));
        Assert.That(faults.GetProperty("F_TRANSLATION").GetInt64(), Is.EqualTo(2));
        JsonElement irq = root.GetProperty("interrupts");
        Assert.That(irq.GetArrayLength(), Is.EqualTo(2));
        Assert.That(irq[0].GetProperty("intid").GetUInt32(), Is.EqualTo(8192));
        Assert.That(irq[1].GetProperty("cpu").GetInt32(), Is.EqualTo(1));
        Assert.That(irq[1].GetProperty("deliveryLatency").GetProperty("maxPs").GetUInt64(), Is.EqualTo(700_000));
        Assert.That(root.GetProperty("p2pBypasses").GetInt64(), Is.EqualTo(3));
        JsonElement samples = root.GetProperty("timeSeries").GetProperty("samples");
        Assert.That(samples[1].GetProperty("bytes").GetInt64(), Is.EqualTo(2_096_512));
        Assert.That(samples[0].GetProperty("queueDepth").GetInt32(), Is.EqualTo(4));
    }

    [Test]
    public void HistogramBucketOf20000()
    {
        // 20000 = 0b100111000100000: k=14, shift=7, so the bucket is 128 wide: 19968..20095 (p50 reports its top).
        int i = LatencyHistogram.BucketIndex(20_000);
        Assert.That(LatencyHistogram.BucketLowest(i), Is.EqualTo(19_968));
        Assert.That(LatencyHistogram.BucketHighest(i), Is.EqualTo(20_095));
    }

    [Test]
    public void JsonIsDeterministic()
    {
        byte[] a = Encoding.UTF8.GetBytes(ResultsJsonWriter.ToJson(Sample()));
        byte[] b = Encoding.UTF8.GetBytes(ResultsJsonWriter.ToJson(Sample()));
        Assert.That(a, Is.EqualTo(b));
    }

    [Test]
    public void SummaryHasAlignedTablesAndAllSections()
    {
        string text = SummaryWriter.ToText(Sample());
        Assert.That(text, Does.Contain("scenario passthrough-its  seed 42  simulated 1.000 ms"));
        Assert.That(text, Does.Contain("nvme0"));
        Assert.That(text, Does.Contain("4.097"));
        Assert.That(text, Does.Contain("1000000"));
        Assert.That(text, Does.Contain("75.00%"));
        Assert.That(text, Does.Contain("F_TRANSLATION"));
        Assert.That(text, Does.Contain("8193"));
        Assert.That(text, Does.Contain("P2P bypasses 3"));
        string[] lines = text.Split('\n');
        int header = Array.FindIndex(lines, l => l.StartsWith("device", StringComparison.Ordinal));
        Assert.That(lines[header].Length, Is.EqualTo(lines[header + 1].Length), "right-aligned columns end together");
    }

    [Test]
    public void WriteTableAligns()
    {
        var sw = new StringWriter { NewLine = "\n" };
        SummaryWriter.WriteTable(sw, new List<string[]> { new[] { "a", "bb" }, new[] { "ccc", "d" } });
        Assert.That(sw.ToString(), Is.EqualTo("a    bb\nccc   d\n"));
    }

    [Test]
    public void HtmlIsSelfContainedWithThreeCharts()
    {
        var sw = new StringWriter();
        HtmlReport.Write(Sample(), sw);
        string html = sw.ToString();
        Assert.That(html, Does.StartWith("<!DOCTYPE html>"));
        Assert.That(html, Does.Contain("<svg id=\"latency-histogram\""));
        Assert.That(html, Does.Contain("<svg id=\"throughput\""));
        Assert.That(html, Does.Contain("<svg id=\"tlb-hit-rate\""));
        Assert.That(html, Does.Contain("<rect class=\"bar\""));
        Assert.That(html, Does.Contain("<polyline class=\"line\""));
        foreach (string bad in new[] { "<script", "<link", "src=", "href=", "url(", "http:", "https:", "@import" })
            Assert.That(html, Does.Not.Contain(bad));
        // Hit rate 80% then 70%: the y coordinates are 220-40-0.8*140 = 68.0 and 220-40-0.7*140 = 82.0.
        Assert.That(html, Does.Contain("points=\"40.0,68.0 600.0,82.0\""));
    }

    [Test]
    public void HtmlEscapesScenarioName()
    {
        var r = new RunResults("<b>&", 1, 1_000_000_000);
        var sw = new StringWriter();
        HtmlReport.Write(r, sw);
        Assert.That(sw.ToString(), Does.Contain("&lt;b&gt;&amp;"));
        Assert.That(sw.ToString(), Does.Contain("no translations"));
    }
}

public class PerfettoWriterTests
{
    [TestCase(0UL, "0")]
    [TestCase(1UL, "0.000001")]
    [TestCase(1_500_000UL, "1.5")]
    [TestCase(2_000_000UL, "2")]
    [TestCase(123_456_789UL, "123.456789")]
    [TestCase(ulong.MaxValue, "18446744073709.551615")]
    public void MicrosecondFormatting(ulong ps, string expected)
    {
        var buf = new byte[32];
        int n = PerfettoWriter.FormatMicroseconds(ps, buf);
        Assert.That(Encoding.ASCII.GetString(buf, 0, n), Is.EqualTo(expected));
    }

    [Test]
    public void EventsParseBackWithExactFields()
    {
        var ms = new MemoryStream();
        using (var w = new PerfettoWriter(ms))
        {
            w.ProcessName(1, "nvme0");
            w.ThreadName(2, 5, "StreamID 0x100");
            w.AsyncBegin(1, "dma", "read", 77, 1_234_567, "bytes", 4096);
            w.AsyncEnd(1, "dma", "read", 77, 2_000_000);
            w.Complete(2, 5, "walk", "walk", 1_500_000, 250_500, "reads", 4);
            w.Instant(3, 0, "irq", "LPI 8192", 3_000_001);
            w.Counter(2, "tlb", 4_000_000, "hitRate", 0.75);
            Assert.That(w.EventCount, Is.EqualTo(7));
        }
        using JsonDocument doc = JsonDocument.Parse(ms.ToArray());
        Assert.That(doc.RootElement.GetProperty("displayTimeUnit").GetString(), Is.EqualTo("ns"));
        JsonElement ev = doc.RootElement.GetProperty("traceEvents");
        Assert.That(ev.GetArrayLength(), Is.EqualTo(7));
        Assert.That(ev[0].GetProperty("ph").GetString(), Is.EqualTo("M"));
        Assert.That(ev[0].GetProperty("name").GetString(), Is.EqualTo("process_name"));
        Assert.That(ev[0].GetProperty("args").GetProperty("name").GetString(), Is.EqualTo("nvme0"));
        Assert.That(ev[1].GetProperty("tid").GetInt32(), Is.EqualTo(5));
        Assert.That(ev[2].GetProperty("ph").GetString(), Is.EqualTo("b"));
        Assert.That(ev[2].GetProperty("id").GetUInt64(), Is.EqualTo(77));
        Assert.That(ev[2].GetProperty("ts").GetDecimal(), Is.EqualTo(1.234567m));
        Assert.That(ev[2].GetProperty("args").GetProperty("bytes").GetInt64(), Is.EqualTo(4096));
        Assert.That(ev[3].GetProperty("ph").GetString(), Is.EqualTo("e"));
        Assert.That(ev[3].GetProperty("cat").GetString(), Is.EqualTo("dma"));
        Assert.That(ev[3].GetProperty("ts").GetDecimal(), Is.EqualTo(2m));
        Assert.That(ev[4].GetProperty("ph").GetString(), Is.EqualTo("X"));
        Assert.That(ev[4].GetProperty("dur").GetDecimal(), Is.EqualTo(0.2505m));
        Assert.That(ev[5].GetProperty("ph").GetString(), Is.EqualTo("i"));
        Assert.That(ev[5].GetProperty("s").GetString(), Is.EqualTo("t"));
        Assert.That(ev[5].GetProperty("ts").GetDecimal(), Is.EqualTo(3.000001m));
        Assert.That(ev[6].GetProperty("ph").GetString(), Is.EqualTo("C"));
        Assert.That(ev[6].GetProperty("args").GetProperty("hitRate").GetDouble(), Is.EqualTo(0.75));
    }

    [Test]
    public void WritingAfterFinishThrowsAndFinishIsIdempotent()
    {
        var ms = new MemoryStream();
        var w = new PerfettoWriter(ms);
        w.Finish();
        w.Finish();
        Assert.Throws<InvalidOperationException>(() => w.Counter(1, "c", 0, "v", 1));
        w.Dispose();
        using JsonDocument doc = JsonDocument.Parse(ms.ToArray());
        Assert.That(doc.RootElement.GetProperty("traceEvents").GetArrayLength(), Is.EqualTo(0));
    }
}
