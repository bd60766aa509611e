namespace HwEmu.Campaigns;

/// <summary>JSON names of the fault models and which parameters each accepts.</summary>
public static class FaultModels
{
    private static readonly (FaultModel Model, string Name, string[] Parameters, string Summary)[] Table =
    [
        (FaultModel.BitFlip, "bitflip", ["structure", "device", "level", "vector", "bit"], "flip one bit of a PTE/STE/CD/DTE/ITE/CTE in memory"),
        (FaultModel.StuckAt0, "stuck-at-0", ["structure", "device", "level", "vector", "bit"], "hold one bit of a structure at 0"),
        (FaultModel.StuckAt1, "stuck-at-1", ["structure", "device", "level", "vector", "bit"], "hold one bit of a structure at 1"),
        (FaultModel.DropCommand, "drop-command", ["command"], "the Nth TLBI / CFGI / CMD_SYNC is lost"),
        (FaultModel.DelayCommand, "delay-command", ["command", "delayNs"], "the Nth TLBI / CFGI is executed delayNs late"),
        (FaultModel.TlbCorrupt, "tlb-corrupt", ["device", "bit"], "flip an output-address bit of the TLB entry in use"),
        (FaultModel.DoorbellMissing, "doorbell-missing", ["device"], "the MSI page is not mapped for the device"),
        (FaultModel.DoorbellElsewhere, "doorbell-elsewhere", ["device"], "the MSI page maps a RAM page"),
        (FaultModel.DmaOutside, "dma-outside", ["device", "region", "peer", "offset", "data"], "a DMA write outside the device's mappings"),
        (FaultModel.RogueMsi, "rogue-msi", ["device", "victim", "vector", "eventId"], "a device writes another device's EventID or SPI"),
        (FaultModel.DuplicateMsi, "duplicate-msi", ["device"], "the MSI is sent twice"),
        (FaultModel.DropMsi, "drop-msi", ["device"], "the MSI is lost"),
        (FaultModel.CmdqCorrupt, "cmdq-corrupt", ["command", "bit"], "one bit of a queued SMMU command flips"),
        (FaultModel.EventqOverflow, "eventq-overflow", ["device", "burst"], "event queue not drained, burst of faulting DMAs"),
        (FaultModel.CompletionError, "completion-error", ["device", "status"], "the descriptor read completes with UR, CA or poison"),
        (FaultModel.LatencySpike, "latency-spike", ["extraNs", "durationNs"], "memory latency spike"),
    ];

    /// <summary>All JSON names.</summary>
    public static IEnumerable<string> Names => Table.Select(t => t.Name);

    /// <summary>The JSON name of <paramref name="model"/>.</summary>
    public static string Name(FaultModel model) => Table[(int)model].Name;

    /// <summary>One-line description.</summary>
    public static string Summary(FaultModel model) => Table[(int)model].Summary;

    /// <summary>Parameters (besides name, model, runs, when) the model accepts.</summary>
    public static IReadOnlyList<string> Parameters(FaultModel model) => Table[(int)model].Parameters;

    /// <summary>Parses a JSON name.</summary>
    public static bool TryParse(string name, out FaultModel model)
    {
        foreach (var t in Table)
            if (t.Name == name) { model = t.Model; return true; }
        model = default;
        return false;
    }

    /// <summary>True for models that change a structure in memory.</summary>
    public static bool IsMemoryFault(FaultModel model) => model is FaultModel.BitFlip or FaultModel.StuckAt0 or FaultModel.StuckAt1;
}
