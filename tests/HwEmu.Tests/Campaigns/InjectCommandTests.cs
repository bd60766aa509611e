using NUnit.Framework;
using static HwEmu.Tests.Cli.HwemuRunner;

namespace HwEmu.Tests.Campaigns;

/// <summary><c>hwemu inject</c> end to end: exit codes, files, shards and merge.</summary>
public class InjectCommandTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "hwemu-inject-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, true);

    private string Campaign()
    {
        string p = Path.Combine(_dir, "c.json");
        File.WriteAllText(p, """
            { "name": "cli", "seed": 3, "runs": 10, "machine": { "steps": 16 },
              "faults": [ { "model": "drop-msi", "device": [0, 1] }, { "model": "dma-outside", "region": "peer-bar", "machine": { "acs": false } } ] }
            """);
        return p;
    }

    [Test]
    public void Run_WritesReportJsonHtmlAndResults()
    {
        string c = Campaign(), json = Path.Combine(_dir, "r.json"), html = Path.Combine(_dir, "r.html"), res = Path.Combine(_dir, "res.json");
        var (code, o, e) = Hwemu("inject", c, "--workers", "2", "--json", json, "--report", html, "--results", res);
        Assert.That(code, Is.EqualTo(0), e);
        Assert.That(o, Does.StartWith("campaign cli: 20 runs, seed 3"));
        Assert.That(o, Does.Contain("drop-msi (ITS, strict, ACS)"));
        Assert.That(e, Does.Match(@"20 runs in [0-9.]+ s: [0-9.]+ runs/s with 2 workers"));
        Assert.That(e, Does.Contain("progress 100% 20/20 runs"));
        Assert.That(File.ReadAllText(json), Does.Contain("\"irq-lost\""));
        Assert.That(File.ReadAllText(html), Does.StartWith("<!DOCTYPE html>"));
        Assert.That(File.ReadAllText(res), Does.Contain("\"format\": \"hwemu-inject-results/1\""));
    }

    [Test]
    public void ShardsThenMerge_PrintTheUnshardedReport()
    {
        string c = Campaign();
        var (code, whole, _) = Hwemu("inject", c, "--workers", "1", "--no-progress");
        Assert.That(code, Is.EqualTo(0));
        string a = Path.Combine(_dir, "a.json"), b = Path.Combine(_dir, "b.json"), ja = Path.Combine(_dir, "m.json"), jw = Path.Combine(_dir, "w.json");
        Assert.That(Hwemu("inject", c, "--shard", "1/2", "--results", a, "--no-progress").Code, Is.EqualTo(0));
        var (c2, partial, _) = Hwemu("inject", c, "--shard", "2/2", "--results", b, "--no-progress");
        Assert.That(c2, Is.EqualTo(0));
        Assert.That(partial, Does.StartWith("shard 2/2: partial report"));
        var (mc, merged, me) = Hwemu("inject", "merge", b, a, "--json", ja);
        Assert.That(mc, Is.EqualTo(0), me);
        Assert.That(merged, Is.EqualTo(whole));
        Hwemu("inject", c, "--workers", "2", "--json", jw, "--no-progress");
        Assert.That(File.ReadAllText(ja), Is.EqualTo(File.ReadAllText(jw)));
    }

    [Test]
    public void BadInput_Exit2_WithAMessage()
    {
        string c = Path.Combine(_dir, "bad.json");
        File.WriteAllText(c, """{ "faults": [ { "model": "drop-msi", "device": 9 } ] }""");
        var (code, _, e) = Hwemu("inject", c);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(e, Is.EqualTo($"hwemu: {c}: $.faults[0].device: expected an integer in 0..1 or [min, max] within it, found 9\n"));
        Assert.That(Hwemu("inject", Campaign(), "--shard", "3/2").Err, Does.Contain("--shard: expected K/N with 1 <= K <= N, found \"3/2\""));
        Assert.That(Hwemu("inject", Path.Combine(_dir, "none.json")).Code, Is.EqualTo(2));
        string r = Path.Combine(_dir, "r.json");
        File.WriteAllText(r, """{ "format": "something-else" }""");
        var (mc, _, me) = Hwemu("inject", "merge", r);
        Assert.That(mc, Is.EqualTo(2));
        Assert.That(me, Does.Contain("$.format: expected \"hwemu-inject-results/1\", found \"something-else\""));
    }

    [Test]
    public void Models_ListsEveryModel()
    {
        var (code, o, _) = Hwemu("inject", "models");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(o.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(16));
        Assert.That(o, Does.Contain("rogue-msi").And.Contain("latency-spike"));
    }
}
