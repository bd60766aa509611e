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
}
