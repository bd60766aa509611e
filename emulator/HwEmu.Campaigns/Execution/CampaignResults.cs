namespace HwEmu.Campaigns;

/// <summary>A fault entry as results files and reports name it.</summary>
/// <param name="Name">Label.</param>
/// <param name="Model">Model JSON name.</param>
/// <param name="Runs">Runs of the entry in the whole campaign.</param>
/// <param name="Machine">Short description of the entry's machine (MSI controller, invalidation, ACS).</param>
public sealed record FaultInfo(string Name, string Model, int Runs, string Machine);

/// <summary>
/// Results of a campaign or of one shard: enough to build the report without the campaign file, so shards run on
/// different machines merge into the same report as an unsharded run.
/// </summary>
public sealed record CampaignResults
{
    /// <summary>Campaign name.</summary>
    public required string Name { get; init; }
    /// <summary>Campaign fingerprint (hash of the campaign file).</summary>
    public required string Fingerprint { get; init; }
    /// <summary>Campaign seed.</summary>
    public required ulong Seed { get; init; }
    /// <summary>Runs of the whole campaign.</summary>
    public required int TotalRuns { get; init; }
    /// <summary>Fault entries.</summary>
    public required IReadOnlyList<FaultInfo> Faults { get; init; }
    /// <summary>Which shard these are ("1/1" for all).</summary>
    public required string Shard { get; init; }
    /// <summary>Run records, ascending by run index.</summary>
    public required IReadOnlyList<RunRecord> Records { get; init; }

    /// <summary>Fault-entry descriptions of <paramref name="campaign"/>.</summary>
    public static IReadOnlyList<FaultInfo> Describe(Campaign campaign) =>
        campaign.Faults.Select(f => new FaultInfo(f.Name, FaultModels.Name(f.Model), f.Runs, MachineLabel(f.Machine))).ToArray();

    /// <summary>Short machine description.</summary>
    public static string MachineLabel(MachineSpec m) => m.Scenario is { } s ? $"scenario {s.Name}" :
        $"{(m.Msi == MsiKind.Its ? "ITS" : "GICv2m")}, {m.Invalidation.ToString().ToLowerInvariant()}, {(m.Acs ? "ACS" : "no ACS")}";

    /// <summary>Results of <paramref name="campaign"/>'s <paramref name="shard"/>.</summary>
    public static CampaignResults From(Campaign campaign, Shard shard, IReadOnlyList<RunRecord> records) => new()
    {
        Name = campaign.Name, Fingerprint = campaign.Fingerprint, Seed = campaign.Seed, TotalRuns = campaign.TotalRuns,
        Faults = Describe(campaign), Shard = shard.ToString(), Records = records,
    };

    /// <summary>
    /// Combines shard results of one campaign. Every run must appear exactly once; the result equals an unsharded run's.
    /// </summary>
    public static CampaignResults Merge(IReadOnlyList<(string File, CampaignResults Results)> parts)
    {
        if (parts.Count == 0) throw new CampaignException("inject merge: no results files given");
        var (firstFile, first) = parts[0];
        var slots = new RunRecord?[first.TotalRuns];
        foreach (var (file, r) in parts)
        {
            if (r.Fingerprint != first.Fingerprint || r.TotalRuns != first.TotalRuns)
                throw new CampaignException($"{file}: results of campaign '{r.Name}' (fingerprint {r.Fingerprint}) cannot merge with {firstFile} (campaign '{first.Name}', fingerprint {first.Fingerprint})");
            foreach (var rec in r.Records)
            {
                if (rec.Run < 0 || rec.Run >= slots.Length)
                    throw new CampaignException($"{file}: run {rec.Run} is outside the campaign's {slots.Length} runs");
                if (slots[rec.Run] != null)
                    throw new CampaignException($"{file}: run {rec.Run} appears in more than one results file (the same shard given twice?)");
                slots[rec.Run] = rec;
            }
        }
        int missing = slots.Count(s => s == null);
        if (missing > 0)
        {
            int firstMissing = Array.FindIndex(slots, s => s == null);
            throw new CampaignException($"inject merge: {missing} of {slots.Length} runs are missing (first: run {firstMissing}); give the results of every shard");
        }
        return first with { Shard = "1/1", Records = slots.Select(s => s!).ToArray() };
    }
}
