namespace HwEmu.Campaigns;

/// <summary>Wilson score interval for a binomial proportion (better than the normal approximation at small counts and near 0 or 1).</summary>
public static class WilsonInterval
{
    /// <summary>z for a two-sided 95% interval.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>The 95% interval of <paramref name="successes"/> out of <paramref name="trials"/> (0..1); (0, 0) for no trials.</summary>
    public static (double Low, double High) Compute(long successes, long trials, double z = Z95)
    {
        if (trials <= 0) return (0, 0);
        double n = trials, p = successes / n, z2 = z * z;
        double denom = 1 + z2 / n;
        double center = (p + z2 / (2 * n)) / denom;
        double half = z * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom;
        // Exact bounds at the ends (the formula gives 0 and 1 there up to rounding).
        return (successes == 0 ? 0 : Math.Max(0, center - half), successes == trials ? 1 : Math.Min(1, center + half));
    }
}
