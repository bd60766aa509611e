using NUnit.Framework;
using HwEmu.Campaigns;

namespace HwEmu.Tests.Campaigns;

/// <summary>Plans, worker pool, shards and merge: the report does not depend on how the runs were spread.</summary>
public class CampaignExecutionTests
{
    private const string Json = """
    {
      "name": "t", "seed": 42, "runs": 24,
      "machine": { "steps": 24 },
      "faults": [
        { "model": "drop-command", "command": "tlbi", "when": { "nth": [0, 20], "of": "command" } },
        { "model": "rogue-msi", "device": [0, 1], "victim": [0, 1], "machine": { "msi": "gicv2m" } },
        { "model": "bitflip", "structure": "pte", "level": [0, 3], "device": [0, 1] },
        { "model": "doorbell-missing", "device": [0, 1], "runs": 5 }
      ]
    }
    """;

    private static Campaign Load() => CampaignLoader.Parse(Json, "t.json");

    private static string ReportJson(CampaignResults r) => ReportJsonWriter.ToJson(CampaignReport.Build(r));

    [Test]
    public void PlanOfRunI_DependsOnSeedAndIOnly()
    {
        var c = Load();
        Assert.That(c.TotalRuns, Is.EqualTo(77));
        var a = FaultPlan.Derive(c, 30);
        var b = FaultPlan.Derive(c, 30);
        Assert.That(a, Is.EqualTo(b));
        Assert.That(a.Fault, Is.EqualTo(1));
        Assert.That(a.Model, Is.EqualTo(FaultModel.RogueMsi));
        var other = FaultPlan.Derive(c with { Seed = 43 }, 30);
        Assert.That(other.Salt, Is.Not.EqualTo(a.Salt));
        var plans = Enumerable.Range(0, 24).Select(i => FaultPlan.Derive(c, i).At).ToArray();
        Assert.That(plans.All(x => x is >= 0 and <= 20), Is.True);
        Assert.That(plans.Distinct().Count(), Is.GreaterThan(5), "the range is sampled");
    }

    [Test]
    public void SameSeed_SameReport_At1_2_And4Workers()
    {
        var c = Load();
        var runner = new CampaignRunner(c);
        string one = ReportJson(CampaignResults.From(c, Shard.All, runner.Run(1, Shard.All)));
        string two = ReportJson(CampaignResults.From(c, Shard.All, runner.Run(2, Shard.All)));
        string four = ReportJson(CampaignResults.From(c, Shard.All, runner.Run(4, Shard.All)));
        Assert.That(two, Is.EqualTo(one));
        Assert.That(four, Is.EqualTo(one));
        Assert.That(one, Does.Contain("\"sdc\""));
    }

    [Test]
    public void ARunsResult_DoesNotDependOnWhatRanBeforeOnTheThread()
    {
        // Workers reuse one zeroed memory per thread; a leak from one run into the next would show here.
        var c = CampaignLoader.Load(Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "campaigns", "all-models.json"));
        var runner = new CampaignRunner(c);
        var runs = Enumerable.Range(0, c.TotalRuns).ToArray();
        var forward = runs.Select(runner.RunOne).ToArray();
        var backward = runs.Reverse().Select(runner.RunOne).Reverse().ToArray();
        Assert.That(backward, Is.EqualTo(forward));
        // The memory faults of the campaign are visible: not everything is masked.
        Assert.That(forward.Count(r => r.Outcome == Outcome.Masked), Is.LessThan(forward.Length / 2));
    }

    [Test]
    public void Shards_PartitionTheRuns_AndMergeToTheUnshardedReport()
    {
        var c = Load();
        var runner = new CampaignRunner(c);
        var all = CampaignResults.From(c, Shard.All, runner.Run(2, Shard.All));
        var parts = new List<(string, CampaignResults)>();
        for (int k = 1; k <= 3; k++)
        {
            var sh = new Shard(k, 3);
            var r = CampaignResults.From(c, sh, runner.Run(1, sh));
            // Through the file format, as separate machines would hand them over.
            var ms = new MemoryStream();
            ResultsFile.Write(r, ms);
            parts.Add(($"shard{k}.json", ResultsFile.Parse(System.Text.Encoding.UTF8.GetString(ms.ToArray()), $"shard{k}.json")));
        }
        Assert.That(parts.Sum(p => p.Item2.Records.Count), Is.EqualTo(77));
        Assert.That(parts[0].Item2.Records.Select(r => r.Run), Is.EqualTo(new[] { 0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36, 39, 42, 45, 48, 51, 54, 57, 60, 63, 66, 69, 72, 75 }));
        // Any order of the files.
        parts.Reverse();
        var merged = CampaignResults.Merge(parts);
        Assert.That(ReportJson(merged), Is.EqualTo(ReportJson(all)));
    }

    [Test]
    public void Merge_RefusesMissingDuplicateAndForeignShards()
    {
        var c = Load();
        var runner = new CampaignRunner(c);
        var s1 = CampaignResults.From(c, new Shard(1, 2), runner.Run(1, new Shard(1, 2)));
        var s2 = CampaignResults.From(c, new Shard(2, 2), runner.Run(1, new Shard(2, 2)));
        Assert.That(() => CampaignResults.Merge([("a", s1)]),
            Throws.TypeOf<CampaignException>().With.Message.EqualTo("inject merge: 38 of 77 runs are missing (first: run 1); give the results of every shard"));
        Assert.That(() => CampaignResults.Merge([("a", s1), ("b", s1)]),
            Throws.TypeOf<CampaignException>().With.Message.EqualTo("b: run 0 appears in more than one results file (the same shard given twice?)"));
        var foreign = s2 with { Fingerprint = "0000000000000000", Name = "other" };
        Assert.That(() => CampaignResults.Merge([("a", s1), ("b", foreign)]),
            Throws.TypeOf<CampaignException>().With.Message.StartsWith("b: results of campaign 'other' (fingerprint 0000000000000000) cannot merge with a"));
    }

    [Test]
    public void ShardParsing()
    {
        Assert.That(Shard.TryParse("2/5", out var s), Is.True);
        Assert.That(s, Is.EqualTo(new Shard(2, 5)));
        Assert.That(s.Runs(12), Is.EqualTo(new[] { 1, 6, 11 }));
        foreach (var bad in new[] { "0/3", "4/3", "1/0", "a/b", "1", "1/2/3", "-1/2" })
            Assert.That(Shard.TryParse(bad, out _), Is.False, bad);
    }

    [Test]
    public void Wilson95_KnownValues()
    {
        var (lo, hi) = WilsonInterval.Compute(0, 100);
        Assert.That(lo, Is.EqualTo(0));
        Assert.That(hi, Is.EqualTo(0.0370).Within(0.0001));
        (lo, hi) = WilsonInterval.Compute(50, 100);
        Assert.That(lo, Is.EqualTo(0.4038).Within(0.0001));
        Assert.That(hi, Is.EqualTo(0.5962).Within(0.0001));
        (lo, hi) = WilsonInterval.Compute(100, 100);
        Assert.That(lo, Is.EqualTo(0.9630).Within(0.0001));
        Assert.That(hi, Is.EqualTo(1.0));
    }

    [Test]
    public void Report_CountsPercentagesAndLatency()
    {
        var faults = new[] { new FaultInfo("f", "bitflip", 4, "ITS, strict, ACS") };
        var recs = new[]
        {
            new RunRecord(0, 0, Outcome.Detected, true, 1_000, "x", "p0"),
            new RunRecord(1, 0, Outcome.Detected, true, 3_000, "x", "p1"),
            new RunRecord(2, 0, Outcome.SilentDataCorruption, true, -1, "PA", "p2"),
            new RunRecord(3, 0, Outcome.Masked, false, -1, "not activated", "p3"),
        };
        var r = CampaignReport.Build(new CampaignResults { Name = "n", Fingerprint = "f", Seed = 1, TotalRuns = 4, Faults = faults, Shard = "1/1", Records = recs });
        var f = r.Faults[0];
        Assert.That(f.Activated, Is.EqualTo(3));
        Assert.That(f.Outcomes[(int)Outcome.Detected].Count, Is.EqualTo(2));
        Assert.That(f.Outcomes[(int)Outcome.Detected].Percent, Is.EqualTo(50.0));
        Assert.That(f.Outcomes[(int)Outcome.SilentDataCorruption].Percent, Is.EqualTo(25.0));
        Assert.That(f.Latency.Count, Is.EqualTo(2));
        Assert.That(f.Latency.MinNs, Is.EqualTo(1.0));
        Assert.That(f.Latency.MaxNs, Is.EqualTo(3.0));
        Assert.That(f.Latency.P50Ns, Is.EqualTo(1.0));
        Assert.That(f.Latency.Buckets, Is.EqualTo(new[] { (1.0, 1), (4.0, 1) }));
        Assert.That(f.Examples, Is.EqualTo(new[] { "p2: sdc: PA" }));
        var html = new StringWriter();
        ReportHtmlWriter.Write(r, html);
        Assert.That(html.ToString(), Does.StartWith("<!DOCTYPE html>").And.Contain("<svg").And.Not.Contain("<script").And.Not.Contain("http://ex"));
    }

    [Test]
    public void AnExceptionInARun_IsAnEmulatorError_NotACrash()
    {
        var golden = new RunObservation();
        var faulty = new RunObservation { Exception = "InvalidOperationException: boom" };
        Assert.That(OutcomeClassifier.Classify(golden, faulty).Outcome, Is.EqualTo(Outcome.EmulatorError));
    }

    [Test]
    public void ExampleCampaigns_LoadAndHaveCleanGoldenRuns()
    {
        string dir = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "campaigns");
        var files = Directory.GetFiles(dir, "*.json");
        Assert.That(files, Has.Length.GreaterThanOrEqualTo(6));
        foreach (var f in files)
        {
            var c = CampaignLoader.Load(f);
            Assert.DoesNotThrow(() => new CampaignRunner(c), f);
        }
    }
}
