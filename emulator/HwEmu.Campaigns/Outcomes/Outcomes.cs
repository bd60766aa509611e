namespace HwEmu.Campaigns;

/// <summary>JSON / report names of outcomes.</summary>
public static class Outcomes
{
    /// <summary>All outcomes in report order.</summary>
    public static readonly Outcome[] All = Enum.GetValues<Outcome>();

    /// <summary>The report name.</summary>
    public static string Name(Outcome o) => o switch
    {
        Outcome.Masked => "masked",
        Outcome.Detected => "detected",
        Outcome.SilentDataCorruption => "sdc",
        Outcome.InterruptLost => "irq-lost",
        Outcome.InterruptSpurious => "irq-spurious",
        Outcome.InterruptMisrouted => "irq-misrouted",
        Outcome.Hang => "hang",
        _ => "emulator-error",
    };

    /// <summary>Parses a report name.</summary>
    public static bool TryParse(string name, out Outcome outcome)
    {
        foreach (var o in All)
            if (Name(o) == name) { outcome = o; return true; }
        outcome = default;
        return false;
    }
}
