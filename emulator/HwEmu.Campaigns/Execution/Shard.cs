using System.Globalization;

namespace HwEmu.Campaigns;

/// <summary>
/// A deterministic slice of a campaign's runs: shard K of N holds runs i with i mod N = K − 1 (interleaved, so every
/// shard sees every fault entry). Shard 1/1 is the whole campaign.
/// </summary>
/// <param name="Index">K, 1-based.</param>
/// <param name="Count">N.</param>
public readonly record struct Shard(int Index, int Count)
{
    /// <summary>The whole campaign.</summary>
    public static Shard All => new(1, 1);

    /// <summary>True when run <paramref name="run"/> belongs to this shard.</summary>
    public bool Contains(int run) => run % Count == Index - 1;

    /// <summary>The runs of this shard, ascending.</summary>
    public IEnumerable<int> Runs(int totalRuns)
    {
        for (int i = Index - 1; i < totalRuns; i += Count) yield return i;
    }

    /// <summary>Parses "K/N" (1 ≤ K ≤ N).</summary>
    public static bool TryParse(string text, out Shard shard)
    {
        shard = All;
        var parts = text.Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int k)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            || n < 1 || k < 1 || k > n) return false;
        shard = new Shard(k, n);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}
