using System.Globalization;
using HwEmu.Emulator.Kernel;

namespace HwEmu.Campaigns;

/// <summary>
/// One faulty run's concrete fault: every random choice of the entry drawn. Derived from the campaign seed and the
/// global run index only (<see cref="Derive"/>), so any worker count or shard produces the same plan.
/// </summary>
public readonly record struct FaultPlan
{
    /// <summary>Global run index.</summary>
    public int Run { get; init; }
    /// <summary>Index of the fault entry.</summary>
    public int Fault { get; init; }
    /// <summary>Model.</summary>
    public FaultModel Model { get; init; }
    /// <summary>Trigger kind.</summary>
    public TriggerKind Trigger { get; init; }
    /// <summary>Trigger value (step, ns, occurrence).</summary>
    public long At { get; init; }
    /// <summary>Counted event of an Nth trigger.</summary>
    public TriggerEvent Of { get; init; }
    /// <summary>Structure of a memory fault.</summary>
    public StructureKind Structure { get; init; }
    /// <summary>Device.</summary>
    public int Device { get; init; }
    /// <summary>Second device (victim, peer).</summary>
    public int Other { get; init; }
    /// <summary>Level / vector.</summary>
    public int Index { get; init; }
    /// <summary>Bit index, or -1 for the model's default width.</summary>
    public int Bit { get; init; }
    /// <summary>Command kind.</summary>
    public CommandKind Command { get; init; }
    /// <summary>Region.</summary>
    public OutsideRegion Region { get; init; }
    /// <summary>Completion status.</summary>
    public CompletionStatus Status { get; init; }
    /// <summary>Delay / extra latency, ns.</summary>
    public ulong Ns { get; init; }
    /// <summary>Duration, ns.</summary>
    public ulong DurationNs { get; init; }
    /// <summary>Offset, or -1 for default.</summary>
    public long Offset { get; init; }
    /// <summary>Data / EventID / burst, or -1 for default.</summary>
    public long Value { get; init; }
    /// <summary>A random word for choices made inside the machine (e.g. which bit when the width is only known there).</summary>
    public ulong Salt { get; init; }

    /// <summary>Draws run <paramref name="run"/>'s plan.</summary>
    public static FaultPlan Derive(Campaign campaign, int run)
    {
        var (fi, _) = campaign.Locate(run);
        var f = campaign.Faults[fi];
        var rnd = new DeterministicRandom(campaign.Seed, "campaign/run/" + run.ToString(CultureInfo.InvariantCulture));
        // Fixed draw order: every field consumes exactly one number, so adding a parameter to an entry never shifts another's.
        long at = f.When.Value.Draw(rnd);
        int device = (int)f.Device.Draw(rnd);
        int level = (int)f.Level.Draw(rnd);
        int vector = (int)f.Vector.Draw(rnd);
        long bit = f.Bit is { } b ? b.Draw(rnd) : Skip(rnd, -1);
        ulong delay = (ulong)f.DelayNs.Draw(rnd);
        int peer = (int)f.Peer.Draw(rnd);
        int victim = (int)f.Victim.Draw(rnd);
        long eventId = f.EventId is { } e ? e.Draw(rnd) : Skip(rnd, -1);
        long offset = f.Offset is { } o ? o.Draw(rnd) : Skip(rnd, -1);
        long data = f.Data is { } d ? d.Draw(rnd) : Skip(rnd, -1);
        long burst = f.Burst is { } bu ? bu.Draw(rnd) : Skip(rnd, -1);
        ulong extra = (ulong)f.ExtraNs.Draw(rnd);
        ulong duration = (ulong)f.DurationNs.Draw(rnd);
        ulong salt = rnd.NextUInt64();
        return new FaultPlan
        {
            Run = run, Fault = fi, Model = f.Model, Trigger = f.When.Kind, At = at, Of = f.When.Of,
            Structure = f.Structure, Device = device,
            Other = f.Model == FaultModel.RogueMsi ? victim : peer,
            Index = f.Model == FaultModel.BitFlip || f.Model == FaultModel.StuckAt0 || f.Model == FaultModel.StuckAt1
                ? (f.Structure == StructureKind.Pte ? level : vector) : vector,
            Bit = (int)bit, Command = f.Command, Region = f.Region, Status = f.Status,
            Ns = f.Model == FaultModel.LatencySpike ? extra : delay, DurationNs = duration,
            Offset = offset,
            Value = f.Model switch { FaultModel.RogueMsi => eventId, FaultModel.EventqOverflow => burst, _ => data },
            Salt = salt,
        };
    }

    private static long Skip(DeterministicRandom rnd, long value)
    {
        rnd.NextUInt64();
        return value;
    }

    /// <summary>Compact description for reproduction lists.</summary>
    public override string ToString()
    {
        var s = new System.Text.StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $"run {Run}: {FaultModels.Name(Model)} ");
        s.Append(Trigger switch
        {
            TriggerKind.Step => string.Create(CultureInfo.InvariantCulture, $"at step {At}"),
            TriggerKind.Time => string.Create(CultureInfo.InvariantCulture, $"at {At} ns"),
            _ => string.Create(CultureInfo.InvariantCulture, $"at {Of.ToString().ToLowerInvariant()} #{At}"),
        });
        s.Append(CultureInfo.InvariantCulture, $", device {Device}");
        if (FaultModels.IsMemoryFault(Model)) s.Append(CultureInfo.InvariantCulture, $", {Structure.ToString().ToUpperInvariant()}");
        if (Bit >= 0) s.Append(CultureInfo.InvariantCulture, $", bit {Bit}");
        return s.ToString();
    }
}
