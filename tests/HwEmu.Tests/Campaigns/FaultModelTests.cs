using NUnit.Framework;
using HwEmu.Campaigns;

namespace HwEmu.Tests.Campaigns;

/// <summary>Each fault model, applied to a small passthrough machine, gives its expected outcome class.</summary>
public class FaultModelTests
{
    private static readonly MachineSpec Its = new() { Devices = 2, Steps = 16 };
    private static readonly MachineSpec V2m = Its with { Msi = MsiKind.Gicv2m };

    private static Classification Run(MachineSpec machine, FaultPlan plan, out RunObservation faulty)
    {
        var golden = CampaignRunner.Execute(machine, null);
        faulty = CampaignRunner.Execute(machine, plan);
        return OutcomeClassifier.Classify(golden, faulty);
    }

    private static FaultPlan Plan(FaultModel model, long step = 4, int device = 0) => new()
    {
        Model = model, Trigger = TriggerKind.Step, At = step, Device = device, Bit = -1, Offset = -1, Value = -1, Index = 0,
        Other = 1, Command = CommandKind.Tlbi, Ns = 10_000, DurationNs = 10_000, Salt = 12345,
    };

    [TestCase(MsiKind.Its)]
    [TestCase(MsiKind.Gicv2m)]
    public void GoldenRun_IsClean_AndDeliversOneInterruptPerStep(MsiKind msi)
    {
        var m = Its with { Msi = msi };
        var g = CampaignRunner.Execute(m, null);
        Assert.That(g.Exception, Is.Null);
        Assert.That(g.Hang, Is.False);
        Assert.That(g.Detections, Is.Empty);
        Assert.That(g.StepsCompleted, Is.EqualTo(16));
        Assert.That(g.Dma, Has.Count.EqualTo(32));
        Assert.That(g.Dma.All(d => d.Status == DmaStatus.Ok), Is.True);
        Assert.That(g.Interrupts, Has.Count.EqualTo(16));
        var runner = new PassthroughMachine(m, null, new RunObservation());
        Assert.That(g.Interrupts[0].IntId, Is.EqualTo(runner.IntId(0, 0)));
        Assert.That(g.Interrupts[1].IntId, Is.EqualTo(runner.IntId(1, 1)));
        Assert.That(g.Interrupts.All(i => i.Owner == i.Writer), Is.True);
    }

    private static Classification Check(MachineSpec m, FaultPlan p, Outcome expected, string? detail = null)
    {
        var c = Run(m, p, out var obs);
        Assert.That(c.Outcome, Is.EqualTo(expected), c.Detail);
        Assert.That(obs.InjectedPs, Is.Not.EqualTo(ulong.MaxValue), "activated");
        if (detail != null) Assert.That(c.Detail, Does.Contain(detail));
        return c;
    }

    [Test]
    public void DroppedTlbi_Strict_StaleTlbRedirectsTheNextDmaToTheOldPage()
    {
        // TLBI #4 is step 4's unmap (device 0); its IOVA is reused at step 6 with a new page, the stale entry wins.
        var p = Plan(FaultModel.DropCommand) with { Trigger = TriggerKind.Nth, Of = TriggerEvent.Command, At = 4, Command = CommandKind.Tlbi };
        Check(Its, p, Outcome.SilentDataCorruption, "device 0 step 6 read IOVA 0x10000000: PA 0x48006000 became 0x48004000");
    }

    [Test]
    public void DroppedTlbi_Lazy_LostFlushFreesIovasWithStaleEntries_Sdc()
    {
        // First flush (after 4 unmaps): TLBI_NH_ASID for device 0 (#0), for device 1 (#1), CMD_SYNC; then the IOVAs are freed.
        var m = Its with { Invalidation = InvalidationMode.Lazy, LazyBatch = 4 };
        var p = Plan(FaultModel.DropCommand) with { Trigger = TriggerKind.Nth, Of = TriggerEvent.Command, At = 1, Command = CommandKind.Tlbi };
        Check(m, p, Outcome.SilentDataCorruption, "device 1 step 5 read IOVA 0x10001000: PA 0x48005000 became 0x48003000");
    }

    [Test]
    public void DroppedCmdSync_DriverTimesOutAfterOneSecond()
    {
        var p = Plan(FaultModel.DropCommand) with { Trigger = TriggerKind.Nth, Of = TriggerEvent.Command, At = 3, Command = CommandKind.Sync };
        var c = Check(Its, p, Outcome.Detected, "CMD_SYNC timeout");
        Assert.That(c.DetectionLatencyPs, Is.EqualTo((long)PassthroughMachine.SyncTimeoutPs));
    }

    [Test]
    public void DelayedTlbi_PastTheReuse_IsSdc_ShortDelay_IsMasked()
    {
        var p = Plan(FaultModel.DelayCommand) with { Trigger = TriggerKind.Nth, Of = TriggerEvent.Command, At = 4, Command = CommandKind.Tlbi, Ns = 10_000 };
        Check(Its, p, Outcome.SilentDataCorruption);
        Check(Its, p with { Ns = 100 }, Outcome.Masked);
    }

    [Test]
    public void DroppedCfgiCd_AtDomainSwitch_OldContextFaults_Detected()
    {
        // Device 0 switches domain at step 8: CFGI #2 is its CFGI_CD (after the two boot CFGI_STEs).
        var p = Plan(FaultModel.DropCommand) with { Trigger = TriggerKind.Nth, Of = TriggerEvent.Command, At = 2, Command = CommandKind.Cfgi };
        Check(Its, p, Outcome.Detected, "F_TRANSLATION");
    }

    [Test]
    public void PteBitFlip_OutputAddressBit_RedirectsTheDma()
    {
        var p = Plan(FaultModel.BitFlip) with { Structure = StructureKind.Pte, Index = 3, Bit = 20 };
        Check(Its, p, Outcome.SilentDataCorruption, "PA");
    }

    [Test]
    public void PteStuckAt0_ValidBit_IsATranslationFault()
    {
        var p = Plan(FaultModel.StuckAt0) with { Structure = StructureKind.Pte, Index = 3, Bit = 0 };
        Check(Its, p, Outcome.Detected, "F_TRANSLATION");
    }

    [Test]
    public void SteBitFlip_BeforeFirstUse_ValidBitCleared_IsBadSte()
    {
        var p = Plan(FaultModel.BitFlip, step: 0) with { Structure = StructureKind.Ste, Bit = 0, Device = 1 };
        Check(Its, p, Outcome.Detected, "C_BAD_STE");
    }

    [Test]
    public void SteBitFlip_AfterTheStreamIsCached_IsMasked()
    {
        var p = Plan(FaultModel.BitFlip, step: 4) with { Structure = StructureKind.Ste, Bit = 0, Device = 1 };
        Check(Its, p, Outcome.Masked);
    }

    [Test]
    public void CdBitFlip_BeforeFirstUse_ValidBit_IsBadCd()
    {
        var p = Plan(FaultModel.BitFlip, step: 0) with { Structure = StructureKind.Cd, Bit = 31, Device = 1 };
        Check(Its, p, Outcome.Detected, "C_BAD_CD");
    }

    [Test]
    public void DteValidBitCleared_ItsDropsTheMsi_Detected()
    {
        var p = Plan(FaultModel.StuckAt0, step: 0) with { Structure = StructureKind.Dte, Bit = 0, Device = 0 };
        var c = Run(Its, p, out _);
        Assert.That(c.Outcome, Is.EqualTo(Outcome.Detected), c.Detail);
        Assert.That(c.Detail, Does.Contain("ITS dropped"));
    }

    [Test]
    public void IteAndCteFlips_ProduceAnInterruptOrDetectionOutcome()
    {
        foreach (var s in new[] { StructureKind.Ite, StructureKind.Cte })
            for (int bit = 0; bit < 64; bit += 7)
            {
                var c = Run(Its, Plan(FaultModel.BitFlip, step: 0) with { Structure = s, Bit = bit }, out var obs);
                Assert.That(obs.Exception, Is.Null);
                Assert.That(c.Outcome, Is.Not.EqualTo(Outcome.EmulatorError).And.Not.EqualTo(Outcome.SilentDataCorruption), $"{s} bit {bit}: {c.Detail}");
            }
    }

    [Test]
    public void TlbCorruption_WriteGoesElsewhere_Sdc()
    {
        var p = Plan(FaultModel.TlbCorrupt) with { Bit = 8 }; // PA bit 20
        Check(Its, p, Outcome.SilentDataCorruption, "write");
    }

    [Test]
    public void DoorbellMissing_MsiFaultsInTheSmmu_Detected()
    {
        Check(Its, Plan(FaultModel.DoorbellMissing, step: 0), Outcome.Detected, "F_TRANSLATION");
    }

    [Test]
    public void DoorbellElsewhere_MsiLandsInRam_Sdc()
    {
        Check(Its, Plan(FaultModel.DoorbellElsewhere, step: 0), Outcome.SilentDataCorruption, "extra write");
    }

    [Test]
    public void DmaOutside_Unmapped_Detected()
    {
        Check(Its, Plan(FaultModel.DmaOutside) with { Region = OutsideRegion.Unmapped }, Outcome.Detected, "F_TRANSLATION");
    }

    [Test]
    public void DmaOutside_PeerBar_WithAcs_Detected_WithoutAcs_Sdc()
    {
        var p = Plan(FaultModel.DmaOutside) with { Region = OutsideRegion.PeerBar, Other = 1 };
        Check(Its, p, Outcome.Detected, "F_TRANSLATION");
        Check(Its with { Acs = false }, p, Outcome.SilentDataCorruption, "PA 0x1000010000");
    }

    [Test]
    public void DmaOutside_MsiWindow_ItsDropsUnknownEventId_V2mRaisesTheWrittenSpi()
    {
        var its = Plan(FaultModel.DmaOutside) with { Region = OutsideRegion.MsiWindow, Value = 1000 };
        Check(Its, its, Outcome.Detected, "EventOutOfRange");
        var v2m = Plan(FaultModel.DmaOutside) with { Region = OutsideRegion.MsiWindow, Value = PassthroughMachine.FirstSpi + 2 };
        Check(V2m, v2m, Outcome.InterruptMisrouted, "written by device 0, vector of device 1");
    }

    [Test]
    public void RogueMsi_Gicv2m_ReachesTheVictim_Its_StaysInTheWritersOwnTable()
    {
        var p = Plan(FaultModel.RogueMsi) with { Other = 1, Index = 0 };
        Check(V2m, p, Outcome.InterruptMisrouted, "vector of device 1");
        Check(Its, p, Outcome.InterruptSpurious, "device 0's own vector");
        Check(Its, p with { Value = 31 }, Outcome.Detected, "UnmappedEvent");
    }

    [Test]
    public void DuplicateAndDroppedMsi()
    {
        Check(Its, Plan(FaultModel.DuplicateMsi), Outcome.InterruptSpurious);
        Check(Its, Plan(FaultModel.DropMsi), Outcome.InterruptLost, "not delivered");
        Check(V2m, Plan(FaultModel.DropMsi), Outcome.InterruptLost);
    }

    [Test]
    public void CommandQueueCorruption_OpcodeBit_IsIllegalCommand_Detected()
    {
        var p = Plan(FaultModel.CmdqCorrupt) with { Trigger = TriggerKind.Nth, Of = TriggerEvent.Command, At = 4, Command = CommandKind.Tlbi, Bit = 7 };
        Check(Its, p, Outcome.Detected, "CERROR_ILL");
    }

    [Test]
    public void EventQueueOverflow_DetectedWithLostEvents()
    {
        var m = Its with { EventQueueLog2 = 3 };
        var c = Run(m, Plan(FaultModel.EventqOverflow) with { Value = 12 }, out var obs);
        Assert.That(c.Outcome, Is.EqualTo(Outcome.Detected), c.Detail);
        Assert.That(obs.EventsLost, Is.EqualTo(4));
        Assert.That(c.Detail, Does.Contain("4 events lost"));
    }

    [TestCase(CompletionStatus.Ur, true, Outcome.Detected)]
    [TestCase(CompletionStatus.Ca, true, Outcome.Detected)]
    [TestCase(CompletionStatus.Poisoned, true, Outcome.Detected)]
    [TestCase(CompletionStatus.Poisoned, false, Outcome.SilentDataCorruption)]
    public void CompletionErrors(CompletionStatus status, bool checksPoison, Outcome expected)
    {
        Check(Its with { DeviceChecksPoison = checksPoison }, Plan(FaultModel.CompletionError) with { Status = status }, expected);
    }

    [Test]
    public void LatencySpike_BelowTheBound_Masked_AboveIt_Hang()
    {
        Check(Its, Plan(FaultModel.LatencySpike) with { Ns = 1000 }, Outcome.Masked);
        Check(Its, Plan(FaultModel.LatencySpike) with { Ns = 50_000 }, Outcome.Hang);
    }
}
