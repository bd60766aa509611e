using NUnit.Framework;
using HwEmu.Campaigns;

namespace HwEmu.Tests.Campaigns;

/// <summary>Phase 2: faults on the scenario's own machine (MachineBuilder + IRunObserver).</summary>
public class ScenarioTargetTests
{
    private static CampaignRunner Runner(string faults, out Campaign c, string scenario = "passthrough-its")
    {
        c = CampaignLoader.Parse($$"""{ "scenario": "{{scenario}}", "target": "scenario", "seed": 4, "runs": 2, "faults": [ {{faults}} ] }""", "c.json");
        return new CampaignRunner(c);
    }

    [Test]
    public void GoldenRun_ObservesDmasAndInterrupts_AndIsClean()
    {
        var r = Runner("""{ "model": "tlb-corrupt", "when": { "timeNs": 5000 } }""", out var c);
        var g = r.Golden(c.Faults[0].Machine);
        Assert.That(g.Detections, Is.Empty);
        Assert.That(g.Hang, Is.False);
        Assert.That(g.Dma, Has.Count.GreaterThan(100));
        // All but the transactions still in flight when the 1 ms run ends were translated.
        Assert.That(g.Dma.Where(d => d.TimePs < 990_000_000).All(d => d.Status == DmaStatus.Ok && d.Pa != 0), Is.True);
        Assert.That(g.Interrupts, Is.Not.Empty);
        Assert.That(g.Interrupts.All(i => i.Owner == i.Writer && i.Writer == 0x100), Is.True, "the NVMe function 01:00.0 raises its own vectors");
    }

    [Test]
    public void SteValidBitFlippedBeforeTheFirstTranslation_IsBadSte()
    {
        var r = Runner("""{ "model": "bitflip", "structure": "ste", "bit": 0, "when": { "nth": 0, "of": "dma" } }""", out _);
        var rec = r.RunOne(0);
        Assert.That(rec.Outcome, Is.EqualTo(Outcome.Detected), rec.Detail);
        Assert.That(rec.Detail, Is.EqualTo("SMMU C_BAD_STE"));
    }

    [Test]
    public void RogueMsiOutsideTheItt_IsDroppedByTheIts()
    {
        var r = Runner("""{ "model": "rogue-msi", "eventId": 40000, "when": { "timeNs": 20000 } }""", out _);
        var rec = r.RunOne(0);
        Assert.That(rec.Outcome, Is.EqualTo(Outcome.Detected), rec.Detail);
        Assert.That(rec.Detail, Does.StartWith("ITS dropped the MSI: EventOutOfRange"));
        Assert.That(rec.DetectionLatencyPs, Is.EqualTo(0));
    }

    [Test]
    public void DuplicatedMsi_IsASpuriousInterruptOnTheDevicesOwnVector()
    {
        var r = Runner("""{ "model": "duplicate-msi", "when": { "nth": 3, "of": "msi" } }""", out _);
        var rec = r.RunOne(0);
        Assert.That(rec.Outcome, Is.EqualTo(Outcome.InterruptSpurious), rec.Detail);
        Assert.That(rec.Detail, Is.EqualTo("1 extra INTID 8193 (requester 256's vector)"));
    }

    [Test]
    public void RogueMsiWithTheOtherDevicesVector_ItsKeepsItInTheWritersTable_Gicv2mDeliversItToTheVictim()
    {
        string dir = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "campaigns", "scenarios");
        var c = CampaignLoader.Parse($$"""
            { "seed": 2, "runs": 1, "faults": [
              { "model": "rogue-msi", "device": 0, "victim": 1, "vector": 1, "when": { "timeNs": 50000 }, "scenario": "{{dir}}/two-vfio-its.json" },
              { "model": "rogue-msi", "device": 0, "victim": 1, "vector": 1, "when": { "timeNs": 50000 }, "scenario": "{{dir}}/two-vfio-gicv2m.json",
                "machine": { "allowUnsafeInterrupts": true } } ] }
            """, "c.json");
        var r = new CampaignRunner(c);
        var its = r.RunOne(0);
        Assert.That(its.Outcome, Is.EqualTo(Outcome.InterruptSpurious), its.Detail);
        Assert.That(its.Detail, Does.EndWith(" extra INTID 8193 (requester 256's vector)"), "EventID 1 looked up in the writer's (01:00.0) ITT");
        var v2m = r.RunOne(1);
        Assert.That(v2m.Outcome, Is.EqualTo(Outcome.InterruptMisrouted), v2m.Detail);
        Assert.That(v2m.Detail, Does.StartWith("INTID 83 on CPU 0 written by requester 256, vector of requester 512"));
    }

    [Test]
    public void Gicv2mScenario_WithoutUnsafeInterrupts_IsRefusedBeforeAnyRun()
    {
        string dir = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "campaigns", "scenarios");
        var c = CampaignLoader.Parse($$"""{ "faults": [ { "model": "rogue-msi", "when": { "timeNs": 50000 }, "scenario": "{{dir}}/two-vfio-gicv2m.json" } ] }""", "c.json");
        var ex = Assert.Throws<CampaignException>(() => new CampaignRunner(c))!;
        Assert.That(ex.Message, Does.Contain("allow_unsafe_interrupts"));
    }

    [Test]
    public void DmaToAnUnmappedIova_IsATranslationFault()
    {
        var r = Runner("""{ "model": "dma-outside", "region": "unmapped", "when": { "timeNs": 20000 } }""", out _);
        var rec = r.RunOne(1);
        Assert.That(rec.Outcome, Is.EqualTo(Outcome.Detected), rec.Detail);
        Assert.That(rec.Detail, Is.EqualTo("SMMU F_TRANSLATION"));
    }

    [Test]
    public void LeafPteOutputBitFlip_SendsTheDmaElsewhere()
    {
        // Bit 28 of the leaf descriptor is output-address bit 28: the access lands 256 MiB away.
        var r = Runner("""{ "model": "bitflip", "structure": "pte", "level": 3, "bit": 28, "when": { "nth": 50, "of": "dma" } }""", out _);
        var rec = r.RunOne(0);
        // The flip happens when DMA #50 is issued, before its translation: that very read goes to the wrong page.
        Assert.That(rec.Outcome, Is.EqualTo(Outcome.SilentDataCorruption), rec.Detail);
        var m = System.Text.RegularExpressions.Regex.Match(rec.Detail, "^requester 256 read IOVA 0x13bd36000: page 0x([0-9a-f]+) became PA 0x([0-9a-f]+)$");
        Assert.That(m.Success, Is.True, rec.Detail);
        ulong golden = Convert.ToUInt64(m.Groups[1].Value, 16), faulty = Convert.ToUInt64(m.Groups[2].Value, 16);
        Assert.That(golden ^ faulty, Is.EqualTo(1UL << 28), "exactly output-address bit 28 differs");
    }

    [Test]
    public void SameResults_At1And2Workers()
    {
        var r = Runner("""
            { "model": "bitflip", "structure": "pte", "level": [0, 3], "when": { "nth": [0, 3000], "of": "dma" }, "runs": 4 },
            { "model": "tlb-corrupt", "when": { "timeNs": [1000, 900000] }, "runs": 4 }
            """, out _);
        var one = r.Run(1, Shard.All);
        var two = r.Run(2, Shard.All);
        Assert.That(two, Is.EqualTo(one));
        Assert.That(one.All(x => x.Activated), Is.True);
    }

    [Test]
    public void ScenarioTheHostRefuses_FailsBeforeAnyRun()
    {
        string scenario = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "scenarios", "passthrough-gicv2m.json");
        var ex = Assert.Throws<CampaignException>(() => Runner("""{ "model": "tlb-corrupt", "when": { "timeNs": 5000 } }""", out _, scenario))!;
        Assert.That(ex.Message, Does.StartWith("campaign 'campaign': the golden run of fault 'tlb-corrupt (scenario passthrough-gicv2m)''s machine is not fault-free (an exception: "));
    }

    [TestCase("""{ "model": "drop-msi", "when": { "timeNs": 5 } }""", "$.faults[0].model")]
    [TestCase("""{ "model": "tlb-corrupt" }""", "$.faults[0].when")]
    [TestCase("""{ "model": "tlb-corrupt", "when": { "nth": 1, "of": "command" } }""", "$.faults[0].when")]
    public void UnsupportedOnAScenario_IsABadInputError(string fault, string path)
    {
        var ex = Assert.Throws<CampaignException>(() => Runner(fault, out _))!;
        Assert.That(ex.JsonPath, Is.EqualTo(path));
    }
}
