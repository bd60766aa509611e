using NUnit.Framework;
using HwEmu.Campaigns;

namespace HwEmu.Tests.Campaigns;

/// <summary>
/// Scenario targets, the faults that need hooks in the scenario machine: MSI drop, completion errors, memory latency
/// (IRunFaultHooks) and command faults (the ArmSmmuV3Driver's command path on a DMA-domain scenario, which unmaps
/// at every completion: TLBI_NH_VA + CMD_SYNC strict, TLBI_NH_ASID from the flush queue lazy).
/// </summary>
public class ScenarioHookFaultTests
{
    private static readonly string StrictLazy = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "campaigns", "scenarios", "dma-strict-vs-lazy.json");

    private static RunRecord RunOne(string fault, string scenario = "passthrough-its", int run = 0)
    {
        var c = CampaignLoader.Parse($$"""{ "scenario": "{{scenario.Replace("\\", "\\\\")}}", "target": "scenario", "seed": 4, "runs": 2, "machine": { "hangBoundNs": 200000 }, "faults": [ {{fault}} ] }""", "c.json");
        return new CampaignRunner(c).RunOne(run);
    }

    [Test]
    public void DroppedMsi_IsALostInterrupt()
    {
        var rec = RunOne("""{ "model": "drop-msi", "when": { "nth": 3, "of": "msi" } }""");
        Assert.That((rec.Outcome, rec.Activated, rec.Detail), Is.EqualTo((Outcome.InterruptLost, true, "1 INTID 8193 not delivered")));
    }

    [TestCase("UR", "PCIe AER: Unsupported Request")]
    [TestCase("CA", "PCIe AER: Completer Abort")]
    [TestCase("poisoned", "PCIe AER: Poisoned TLP")]
    public void CompletionError_IsDetectedAtOnceByTheDevice(string status, string detail)
    {
        var rec = RunOne($$"""{ "model": "completion-error", "status": "{{status}}", "when": { "timeNs": 20000 } }""");
        Assert.That((rec.Outcome, rec.DetectionLatencyPs, rec.Detail), Is.EqualTo((Outcome.Detected, 0L, detail)));
    }

    [Test]
    public void PoisonedData_ConsumedByADeviceThatDoesNotCheckIt_IsSilentCorruption()
    {
        var rec = RunOne("""{ "model": "completion-error", "status": "poisoned", "machine": { "deviceChecksPoison": false }, "when": { "timeNs": 20000 } }""");
        Assert.That(rec.Outcome, Is.EqualTo(Outcome.SilentDataCorruption), rec.Detail);
        Assert.That(rec.Detail, Is.EqualTo("requester 256 read IOVA 0x130282000: ok became poisoned"));
        // On DMA-API pages, which have no golden counterpart (the IOVA maps other pages over time), too.
        var dyn = RunOne("""{ "model": "completion-error", "status": "poisoned", "machine": { "deviceChecksPoison": false }, "when": { "timeNs": 20000 } }""", StrictLazy);
        Assert.That(dyn.Outcome, Is.EqualTo(Outcome.SilentDataCorruption), dyn.Detail);
        Assert.That(dyn.Detail, Does.Match("^requester 256 read PA 0x[0-9a-f]+: consumed poisoned data$"));
    }

    [Test]
    public void LatencySpike_FewerIosCompleteInTheFixedRun_InterruptsMissing()
    {
        // 100 µs more per memory access for 500 µs of a 1 ms run: the NVMe function completes fewer commands.
        var spike = RunOne("""{ "model": "latency-spike", "extraNs": 100000, "durationNs": 500000, "when": { "timeNs": 20000 } }""");
        Assert.That(spike.Outcome, Is.EqualTo(Outcome.InterruptLost), spike.Detail);
        Assert.That(spike.Detail, Does.Match("^[0-9]+ INTID 8193 not delivered$"));
        // 1 ns for 1 ns: no access starts inside the window's effect on the completion count.
        var tiny = RunOne("""{ "model": "latency-spike", "extraNs": 0, "durationNs": 1000, "when": { "timeNs": 20000 } }""");
        Assert.That(tiny.Outcome, Is.EqualTo(Outcome.Masked), tiny.Detail);
    }

    [Test]
    public void GoldenRunOfADmaDomainScenario_FollowsEveryMappingWithoutMisdirection()
    {
        var c = CampaignLoader.Parse($$"""{ "scenario": "{{StrictLazy.Replace("\\", "\\\\")}}", "target": "scenario", "seed": 4, "runs": 1, "machine": { "hangBoundNs": 200000 }, "faults": [ { "model": "drop-command", "command": "tlbi", "when": { "nth": 5, "of": "command" } } ] }""", "c.json");
        var g = new CampaignRunner(c).Golden(c.Faults[0].Machine);
        Assert.That(g.Misdirected, Is.Empty);
        Assert.That(g.Detections, Is.Empty);
        Assert.That(g.Dma.Count(d => d.Status == DmaStatus.Ok), Is.GreaterThan(100));
    }

    [Test]
    public void DroppedTlbi_StaleEntryReachesTheOldPageAfterTheIovaIsReused()
    {
        var rec = RunOne("""{ "model": "drop-command", "command": "tlbi", "when": { "nth": 5, "of": "command" } }""", StrictLazy);
        Assert.That(rec.Outcome, Is.EqualTo(Outcome.SilentDataCorruption), rec.Detail);
        Assert.That(rec.Detail, Is.EqualTo("requester 256 write IOVA 0xfffe0000: mapped to page 0x400d0000, reached PA 0x40080000"));
    }

    [Test]
    public void DelayedTlbi_LongerThanTheIovaReuse_IsSilentCorruption_ShortIsMasked()
    {
        var late = RunOne("""{ "model": "delay-command", "command": "tlbi", "delayNs": 50000, "when": { "nth": 5, "of": "command" } }""", StrictLazy);
        Assert.That(late.Outcome, Is.EqualTo(Outcome.SilentDataCorruption), late.Detail);
        var quick = RunOne("""{ "model": "delay-command", "command": "tlbi", "delayNs": 1, "when": { "nth": 5, "of": "command" } }""", StrictLazy);
        Assert.That(quick.Outcome, Is.EqualTo(Outcome.Masked), quick.Detail);
        Assert.That(quick.Activated, Is.True);
    }

    [Test]
    public void DroppedCmdSync_TheDriverTimesOut()
    {
        var rec = RunOne("""{ "model": "drop-command", "command": "sync", "when": { "nth": 5, "of": "command" } }""", StrictLazy);
        Assert.That((rec.Outcome, rec.DetectionLatencyPs, rec.Detail), Is.EqualTo((Outcome.Detected, 1_000_000_000_000L, "CMD_SYNC timeout")));
    }

    [Test]
    public void CorruptedOpcode_IsCerrorIll_CorruptedAddress_InvalidatesTheWrongPage()
    {
        // Bit 3 is in the opcode (TLBI_NH_VA 0x12 -> 0x1a, not a command of a Non-secure SMMU: CERROR_ILL, IHI 0070 §4.1.2).
        var op = RunOne("""{ "model": "cmdq-corrupt", "command": "tlbi", "bit": 3, "when": { "nth": 5, "of": "command" } }""", StrictLazy);
        Assert.That((op.Outcome, op.DetectionLatencyPs, op.Detail), Is.EqualTo((Outcome.Detected, 0L, "SMMU GERROR.CMDQ_ERR CERROR_ILL")));
        // Bit 100 is address bit 36 of TLBI_NH_VA's Address[63:12]: it invalidates another page; the real one stays stale.
        var addr = RunOne("""{ "model": "cmdq-corrupt", "command": "tlbi", "bit": 100, "when": { "nth": 5, "of": "command" } }""", StrictLazy);
        Assert.That(addr.Outcome, Is.EqualTo(Outcome.SilentDataCorruption), addr.Detail);
    }

    [Test]
    public void StuckAtOnTheSteValidBit_0IsBadSte_1IsMasked()
    {
        var zero = RunOne("""{ "model": "stuck-at-0", "structure": "ste", "bit": 0, "when": { "nth": 0, "of": "dma" } }""");
        Assert.That((zero.Outcome, zero.Detail), Is.EqualTo((Outcome.Detected, "SMMU C_BAD_STE")));
        var one = RunOne("""{ "model": "stuck-at-1", "structure": "ste", "bit": 0, "when": { "nth": 0, "of": "dma" } }""");
        Assert.That((one.Outcome, one.Activated), Is.EqualTo((Outcome.Masked, true)), "STE.V is already 1");
    }

    [Test]
    public void TlbCorruptionOnADmaApiWorkload_IsMasked_EveryPageIsTranslatedOncePerMapping()
    {
        // The DMA engines map each 64 KiB buffer, translate each page once and unmap it (strict: TLBI_NH_VA; lazy: the
        // IOVA is not reused before the flush): a corrupted TLB entry is never hit again.
        for (int n = 26; n < 200; n += 43)
        {
            var rec = RunOne("""{ "model": "tlb-corrupt", "bit": 4, "when": { "nth": N, "of": "dma" } }""".Replace("N", n.ToString(System.Globalization.CultureInfo.InvariantCulture)), StrictLazy);
            Assert.That((rec.Outcome, rec.Activated), Is.EqualTo((Outcome.Masked, true)), rec.Detail);
        }
    }

    [TestCase("doorbell-missing")]
    [TestCase("doorbell-elsewhere")]
    [TestCase("eventq-overflow")]
    public void ModelsWithoutMeaningOnAScenario_AreRefused(string model)
    {
        var ex = Assert.Throws<CampaignException>(() => RunOne($$"""{ "model": "{{model}}", "when": { "timeNs": 5 } }"""))!;
        Assert.That(ex.JsonPath, Is.EqualTo("$.faults[0].model"));
    }

    [Test]
    public void CommandTriggerOnANonCommandModel_IsRefused()
    {
        var ex = Assert.Throws<CampaignException>(() => RunOne("""{ "model": "drop-msi", "when": { "nth": 1, "of": "command" } }"""))!;
        Assert.That(ex.JsonPath, Is.EqualTo("$.faults[0].when"));
    }

    [Test]
    public void HookFaults_SameResultsAt1And2Workers()
    {
        string faults = """
            { "model": "drop-command", "command": "tlbi", "when": { "nth": [0, 40], "of": "command" } },
            { "model": "completion-error", "status": "UR", "when": { "timeNs": [1000, 500000] } },
            { "model": "drop-msi", "when": { "nth": [0, 20], "of": "msi" } }
            """;
        var c = CampaignLoader.Parse($$"""{ "scenario": "{{StrictLazy.Replace("\\", "\\\\")}}", "target": "scenario", "seed": 9, "runs": 3, "machine": { "hangBoundNs": 200000 }, "faults": [ {{faults}} ] }""", "c.json");
        var r = new CampaignRunner(c);
        Assert.That(r.Run(2, Shard.All), Is.EqualTo(r.Run(1, Shard.All)));
    }
}
