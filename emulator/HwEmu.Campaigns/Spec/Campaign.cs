namespace HwEmu.Campaigns;

/// <summary>A fault-injection campaign (schema: docs/fault-injection.md).</summary>
public sealed record Campaign
{
    /// <summary>Campaign name.</summary>
    public string Name { get; init; } = "campaign";
    /// <summary>Free text.</summary>
    public string Description { get; init; } = "";
    /// <summary>Campaign seed: run i's plan depends on it and i only.</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>The scenario file the machine parameters were taken from, if any.</summary>
    public string? Scenario { get; init; }
    /// <summary>Fault entries.</summary>
    public IReadOnlyList<FaultSpec> Faults { get; init; } = [];
    /// <summary>Text of the campaign file (its hash identifies results for merging).</summary>
    public string SourceText { get; init; } = "";

    /// <summary>Total faulty runs.</summary>
    public int TotalRuns => Faults.Sum(f => f.Runs);

    /// <summary>FNV-1a hash of the campaign text: shard results of different campaigns cannot be merged.</summary>
    public string Fingerprint
    {
        get
        {
            ulong h = 14695981039346656037UL;
            foreach (char c in SourceText) { h ^= c; h *= 1099511628211UL; }
            return h.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Maps a global run index to (fault entry, run within the entry).</summary>
    public (int Fault, int Local) Locate(int run)
    {
        int i = 0;
        foreach (var f in Faults)
        {
            if (run < f.Runs) return (i, run);
            run -= f.Runs;
            i++;
        }
        throw new ArgumentOutOfRangeException(nameof(run));
    }
}
