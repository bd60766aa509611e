using System.Text.Json;
using HwEmu.Tests.Traces;
using NUnit.Framework;
using static HwEmu.Tests.Cli.HwemuRunner;

namespace HwEmu.Tests.Cli;

public class ReplayImportExportCommandTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("hwemu-cli-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    [Test]
    public void ImportThenReplayVerifiesTheCapture()
    {
        var import = Hwemu("import", "qemu", "--log", CaptureFiles.Log, "--ram", CaptureFiles.Ram, "--ram-base", "0x40000000", "-o", P("cap.hwtrace"));
        Assert.That(import.Code, Is.EqualTo(0), import.Err);
        Assert.That(import.Out, Does.Contain("translations:     1849 (0 faults)").And.Contain("msi writes:       92 (92 with the delivered LPI)"));

        var replay = Hwemu("replay", P("cap.hwtrace"), "--verify", "--json", P("r.json"));
        Assert.That(replay.Code, Is.EqualTo(0), replay.Err);
        Assert.That(replay.Out, Does.Contain("translations: 1849 replayed, 1849 matched, 0 mismatched, 0 unverified"));
        Assert.That(replay.Out, Does.Contain("msis:         92 replayed, 92 matched, 0 mismatched, 0 unverified"));
        Assert.That(replay.Out, Does.Contain("translation latency"), "the recomputed summary follows");
        using var json = JsonDocument.Parse(File.ReadAllText(P("r.json")));
        Assert.That(json.RootElement.GetProperty("translations").GetProperty("matched").GetInt64(), Is.EqualTo(1849));
        Assert.That(json.RootElement.GetProperty("msis").GetProperty("mismatched").GetInt64(), Is.EqualTo(0));

        var again = Hwemu("replay", P("cap.hwtrace"), "--verify");
        Assert.That(again.Out, Is.EqualTo(replay.Out), "deterministic");

        var export = Hwemu("export", "perfetto", P("cap.hwtrace"), "-o", P("cap.json"));
        Assert.That(export.Code, Is.EqualTo(0), export.Err);
        using var perfetto = JsonDocument.Parse(File.ReadAllText(P("cap.json")));
        Assert.That(perfetto.RootElement.GetProperty("traceEvents").GetArrayLength(), Is.GreaterThan(1849 + 92));
    }

    [Test]
    public void ARunRecordingReplaysWithEveryResultMatched()
    {
        string scenario = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "replay-its.json");
        var run = Hwemu("run", scenario, "--trace", P("run.hwtrace"));
        Assert.That(run.Code, Is.EqualTo(0), run.Err);
        var replay = Hwemu("replay", P("run.hwtrace"), "--verify", "--json", P("r.json"));
        Assert.That(replay.Code, Is.EqualTo(0), replay.Out + replay.Err);
        using var json = JsonDocument.Parse(File.ReadAllText(P("r.json")));
        var t = json.RootElement.GetProperty("translations");
        var m = json.RootElement.GetProperty("msis");
        Assert.That(t.GetProperty("replayed").GetInt64(), Is.GreaterThan(100));
        Assert.That((t.GetProperty("mismatched").GetInt64(), t.GetProperty("unverified").GetInt64()), Is.EqualTo((0L, 0L)));
        Assert.That(m.GetProperty("replayed").GetInt64(), Is.GreaterThan(10));
        Assert.That(m.GetProperty("matched").GetInt64(), Is.EqualTo(m.GetProperty("replayed").GetInt64()));
        // The cache table of the replay's summary is the run's, line for line.
        static string Caches(string text) => string.Join('\n', text.Split('\n').SkipWhile(l => !l.StartsWith("cache ", StringComparison.Ordinal)).Take(4));
        Assert.That(Caches(replay.Out), Is.EqualTo(Caches(run.Out)).And.Not.Empty);
    }

    [Test]
    public void AMismatchExitsWithOne()
    {
        File.WriteAllBytes(P("cap.hwtrace"), CaptureFiles.Trace());
        byte[] bytes = File.ReadAllBytes(P("cap.hwtrace"));
        var (code, output, _) = Hwemu("replay", P("cap.hwtrace"), "--verify");
        Assert.That(code, Is.EqualTo(0));
        var tampered = TamperedTranslation();
        File.WriteAllBytes(P("bad.hwtrace"), tampered);
        var bad = Hwemu("replay", P("bad.hwtrace"), "--verify");
        Assert.That(bad.Code, Is.EqualTo(1));
        Assert.That(bad.Out, Does.Contain("1 mismatched").And.Contain("mismatches:\n  record "));
        Assert.That(Hwemu("replay", P("bad.hwtrace")).Code, Is.EqualTo(0), "without --verify the replay itself succeeded");
        Assert.That(bytes, Is.Not.Empty);
        Assert.That(output, Is.Not.Empty);
    }

    private static byte[] TamperedTranslation()
    {
        using var reader = new HwEmu.Traces.Format.TraceReader(new MemoryStream(CaptureFiles.Trace()));
        var ms = new MemoryStream();
        using (var w = new HwEmu.Traces.Recording.TraceWriter(ms, reader.Header, leaveOpen: true))
        {
            bool done = false;
            while (reader.TryReadNext(out var rec))
            {
                if (!done && rec.TryRead(out HwEmu.Traces.Format.TranslationRecord t))
                {
                    w.Append(t with { OutputAddress = t.OutputAddress + 0x1000 });
                    done = true;
                }
                else w.AppendRaw(rec.Bytes);
            }
        }
        return ms.ToArray();
    }

    [Test]
    public void ACorruptTraceIsBadInputNamingOffsetAndRecord()
    {
        byte[] f = (byte[])CaptureFiles.Trace().Clone();
        f[f.Length / 2] ^= 0x40; // inside a complete block: its CRC-32C no longer matches
        File.WriteAllBytes(P("corrupt.hwtrace"), f);
        foreach (var args in new[] { new[] { "replay", P("corrupt.hwtrace"), "--verify" }, new[] { "export", "perfetto", P("corrupt.hwtrace"), "-o", P("x.json") } })
        {
            var (code, _, err) = Hwemu(args);
            Assert.That(code, Is.EqualTo(2), string.Join(' ', args));
            Assert.That(err, Does.Contain(P("corrupt.hwtrace") + ": Trace format error at byte offset ").And.Contain("record"));
        }
        Assert.That(File.Exists(P("x.json")), Is.False, "no half-written export");
    }

    [Test]
    public void AMalformedLogLineIsBadInputNamingFileAndLine()
    {
        File.WriteAllText(P("t.log"), "smmu_add_mr smmuv3-iommu-memory-region-0-0\nsmmuv3_write_mmio addr: 0x20 val:oops size: 0x4(0)\n");
        var (code, _, err) = Hwemu("import", "qemu", "--log", P("t.log"), "-o", P("t.hwtrace"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Is.EqualTo("hwemu: t.log:2: event smmuv3_write_mmio: expected a number for \"val:\"\n").Or.Contain("t.log:2: event smmuv3_write_mmio: expected a number for \"val"));
        Assert.That(File.Exists(P("t.hwtrace")), Is.False);
    }

    [TestCase("--ram-base", "0x40000800", "--ram-base: '0x40000800' is not a 4 KiB-aligned physical address")]
    [TestCase("--ram-base", "zz", "--ram-base: 'zz' is not a 4 KiB-aligned physical address")]
    public void BadImportOptionsAreBadInput(string option, string value, string message)
    {
        var (code, _, err) = Hwemu("import", "qemu", "--log", CaptureFiles.Log, option, value, "-o", P("o.hwtrace"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain(message));
    }

    [Test]
    public void MissingFilesAndAnUnknownPlatformAreBadInput()
    {
        Assert.That(Hwemu("replay", P("nope.hwtrace")).Code, Is.EqualTo(2));
        Assert.That(Hwemu("import", "qemu", "--log", P("nope.log"), "-o", P("o")).Err, Does.Contain("nope.log: no such file"));
        using (new HwEmu.Traces.Recording.TraceWriter(File.Create(P("juno.hwtrace")), new HwEmu.Traces.Format.TraceHeader { Platform = "juno-r2" })) { }
        var (code, _, err) = Hwemu("replay", P("juno.hwtrace"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("juno.hwtrace: the trace's platform \"juno-r2\" is not one replay can rebuild"));
    }

    private static string Scenario(string platform) =>
        "{ \"name\": \"small-tlb\", \"platform\": { " + platform + " }, " +
        "\"topology\": { \"rootPorts\": [ { \"name\": \"rp0\", \"bdf\": \"00:01.0\", \"secondaryBus\": 1 } ], " +
        "\"endpoints\": [ { \"name\": \"nvme0\", \"parent\": \"rp0\", \"bdf\": \"01:00.0\", \"bars\": [ { \"index\": 0, \"address\": \"0x10000000\", \"size\": \"16KiB\" } ] } ] }, " +
        "\"devices\": [ { \"name\": \"nvme0\", \"kind\": \"nvme\", \"msixVectors\": 5, \"queues\": 4 } ], " +
        "\"domains\": [ { \"device\": \"nvme0\", \"kind\": \"dma-strict\" } ], " +
        "\"workloads\": [ { \"name\": \"r\", \"device\": \"nvme0\", \"pattern\": \"random\", \"transferSize\": \"4KiB\", \"workingSet\": \"256MiB\", \"queueDepth\": 64 } ], " +
        "\"run\": { \"transactions\": 1000 } }";

    [Test]
    public void APlatformFileOverridesTheSmmuCaches()
    {
        File.WriteAllBytes(P("cap.hwtrace"), CaptureFiles.Trace());
        File.WriteAllText(P("small.json"), Scenario("\"smmu\": { \"tlbEntries\": 8, \"tlbWays\": 2 }"));
        var (code, output, err) = Hwemu("replay", P("cap.hwtrace"), "--verify", "--platform", P("small.json"), "--json", P("s.json"));
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(output, Does.Contain("with platform overrides").And.Contain("1849 matched"));
        using var json = JsonDocument.Parse(File.ReadAllText(P("s.json")));
        Assert.That(json.RootElement.GetProperty("smmu").GetProperty("tlbHits").GetInt64(), Is.LessThan(982));
        File.WriteAllText(P("typo.json"), Scenario("\"smmu\": { \"tlbEntriez\": 8 }"));
        var typo = Hwemu("replay", P("cap.hwtrace"), "--platform", P("typo.json"));
        Assert.That(typo.Code, Is.EqualTo(2));
        Assert.That(typo.Err, Does.Contain("typo.json"));
    }
}
