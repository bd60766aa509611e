using NUnit.Framework;
using HwEmu.Campaigns;

namespace HwEmu.Tests.Campaigns;

/// <summary>Campaign files: values, defaults, and errors that name the file, the JSON path and what was expected.</summary>
public class CampaignLoaderTests
{
    private static string Error(string json)
    {
        var ex = Assert.Throws<CampaignException>(() => CampaignLoader.Parse(json, "c.json"))!;
        return ex.Message;
    }

    [Test]
    public void Parses_AllFieldsAndRanges()
    {
        var c = CampaignLoader.Parse("""
            { "name": "x", "seed": 9, "runs": 7, "machine": { "msi": "gicv2m", "invalidation": "lazy", "acs": false, "steps": 10 },
              "faults": [ { "model": "bitflip", "structure": "cd", "device": [0, 1], "bit": [3, 9], "when": { "timeNs": 500 } },
                          { "model": "delay-command", "command": "cfgi", "delayNs": 70, "when": { "nth": 2, "of": "command" }, "runs": 3,
                            "machine": { "msi": "its" } } ] }
            """, "c.json");
        Assert.That(c.Name, Is.EqualTo("x"));
        Assert.That(c.Seed, Is.EqualTo(9UL));
        Assert.That(c.TotalRuns, Is.EqualTo(10));
        var f0 = c.Faults[0];
        Assert.That(f0.Model, Is.EqualTo(FaultModel.BitFlip));
        Assert.That(f0.Structure, Is.EqualTo(StructureKind.Cd));
        Assert.That(f0.Device, Is.EqualTo(new ValueRange(0, 1)));
        Assert.That(f0.Bit, Is.EqualTo(new ValueRange(3, 9)));
        Assert.That(f0.When, Is.EqualTo(new TriggerSpec(TriggerKind.Time, ValueRange.Of(500))));
        Assert.That(f0.Machine, Is.EqualTo(new MachineSpec { Msi = MsiKind.Gicv2m, Invalidation = InvalidationMode.Lazy, Acs = false, Steps = 10 }));
        Assert.That(f0.Name, Is.EqualTo("bitflip CD (GICv2m, lazy, no ACS)"));
        var f1 = c.Faults[1];
        Assert.That(f1.Machine.Msi, Is.EqualTo(MsiKind.Its));
        Assert.That(f1.Machine.Invalidation, Is.EqualTo(InvalidationMode.Lazy), "entry machine overrides only what it names");
        Assert.That(f1.When, Is.EqualTo(new TriggerSpec(TriggerKind.Nth, ValueRange.Of(2), TriggerEvent.Command)));
        Assert.That(f1.DelayNs, Is.EqualTo(ValueRange.Of(70)));
        Assert.That(f1.Runs, Is.EqualTo(3));
    }

    [Test]
    public void DefaultTrigger_IsAnyStep()
    {
        var c = CampaignLoader.Parse("""{ "faults": [ { "model": "drop-msi" } ] }""", "c.json");
        Assert.That(c.Faults[0].When, Is.EqualTo(new TriggerSpec(TriggerKind.Step, new ValueRange(0, 63))));
        Assert.That(c.Faults[0].Runs, Is.EqualTo(100));
    }

    [TestCase("""{ "faults": [] }""", "c.json: $.faults: expected a non-empty array of fault entries, found an array")]
    [TestCase("""{ "faults": [ { "model": "bitflop" } ] }""", "c.json: $.faults[0].model: expected one of bitflip, stuck-at-0, stuck-at-1, drop-command, delay-command, tlb-corrupt, doorbell-missing, doorbell-elsewhere, dma-outside, rogue-msi, duplicate-msi, drop-msi, cmdq-corrupt, eventq-overflow, completion-error, latency-spike, found \"bitflop\"")]
    [TestCase("""{ "faults": [ { "model": "bitflip", "bits": 3 } ] }""", "c.json: $.faults[0].bits: expected one of the properties name, model, runs, when, machine, scenario, structure, device, level, vector, bit, found unknown property \"bits\"")]
    [TestCase("""{ "faults": [ { "model": "bitflip", "bit": [9, 3] } ] }""", "c.json: $.faults[0].bit: expected an integer in 0..511 or [min, max] within it, found an array")]
    [TestCase("""{ "faults": [ { "model": "drop-msi", "device": 2 } ] }""", "c.json: $.faults[0].device: expected an integer in 0..1 or [min, max] within it, found 2")]
    [TestCase("""{ "faults": [ { "model": "drop-msi", "when": { "step": 1, "timeNs": 5 } } ] }""", "c.json: $.faults[0].when: expected exactly one of \"step\", \"timeNs\", \"nth\", found several")]
    [TestCase("""{ "faults": [ { "model": "drop-msi", "when": { "nth": 1 } } ] }""", "c.json: $.faults[0].when.of: expected the counted event: \"dma\", \"msi\", \"map\", \"unmap\" or \"command\", found nothing")]
    [TestCase("""{ "machine": { "msi": "v2m" }, "faults": [ { "model": "drop-msi" } ] }""", "c.json: $.machine.msi: expected one of \"its\", \"gicv2m\", found \"v2m\"")]
    [TestCase("""{ "machine": { "msi": "gicv2m" }, "faults": [ { "model": "bitflip", "structure": "ite" } ] }""", "c.json: $.faults[0].structure: expected pte, ste or cd (the machine's MSI controller is GICv2m, which has no ITS tables), found \"ite\"")]
    [TestCase("""{ "machine": { "msi": "gicv2m", "devices": 8, "vectors": 16 }, "faults": [ { "model": "drop-msi" } ] }""", "c.json: $.machine.vectors: expected devices × vectors ≤ 64 (the GICv2m frame has 64 SPIs), found 8 × 16")]
    [TestCase("""{ "seed": -1, "faults": [ { "model": "drop-msi" } ] }""", "c.json: $.seed: expected a non-negative integer, found -1")]
    [TestCase("""{ "faults": [ { "model": "drop-command", "command": "any" } ] }""", "c.json: $.faults[0].command: expected \"tlbi\", \"cfgi\" or \"sync\", found \"any\"")]
    public void Errors_NameFilePathAndExpectation(string json, string message)
    {
        Assert.That(Error(json), Is.EqualTo(message));
    }

    [Test]
    public void MalformedJson_NamesTheLine()
    {
        Assert.That(Error("{\n  \"faults\": [ ,\n}"), Does.StartWith("c.json: line 2, byte "));
    }

    [Test]
    public void BrokenScenario_FailsBeforeAnyRun_NamingTheScenarioError()
    {
        string dir = Path.Combine(Path.GetTempPath(), "hwemu-inject-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "bad-scenario.json"), """{ "name": "bad", "platform": { "msi": { "kind": "apic" } } }""");
            string campaign = Path.Combine(dir, "c.json");
            File.WriteAllText(campaign, """{ "scenario": "bad-scenario.json", "faults": [ { "model": "drop-msi" } ] }""");
            var ex = Assert.Throws<CampaignException>(() => CampaignLoader.Load(campaign))!;
            Assert.That(ex.Message, Does.StartWith(campaign + ": $.scenario: expected a valid scenario, found \"bad-scenario.json\" is invalid: "));
            Assert.That(ex.Message, Does.Contain("bad-scenario.json"));
            Assert.That(ex.Message, Does.Contain("$.platform.msi.kind"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void GoodScenario_GivesTheMachineItsPlatform()
    {
        string scenario = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "scenarios", "passthrough-gicv2m.json");
        var c = CampaignLoader.Parse($$"""{ "scenario": "{{scenario}}", "faults": [ { "model": "drop-msi" } ] }""", "c.json");
        Assert.That(c.Faults[0].Machine.Msi, Is.EqualTo(MsiKind.Gicv2m));
        var builtIn = CampaignLoader.Parse("""{ "scenario": "passthrough-its", "faults": [ { "model": "drop-msi" } ] }""", "c.json");
        Assert.That(builtIn.Faults[0].Machine.Msi, Is.EqualTo(MsiKind.Its));
    }
}
