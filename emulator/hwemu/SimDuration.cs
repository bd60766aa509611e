using System.Globalization;

namespace HwEmu.Cli;

/// <summary>Parses simulated durations such as <c>1ms</c>, <c>250us</c>, <c>10ns</c>, <c>5000ps</c> or <c>2s</c>.</summary>
public static class SimDuration
{
    private static readonly (string Suffix, ulong Ps)[] Units =
        [("ps", 1), ("ns", 1_000), ("us", 1_000_000), ("ms", 1_000_000_000), ("s", 1_000_000_000_000)];

    /// <summary>Parses <paramref name="text"/> to picoseconds; throws <see cref="BadInputException"/> naming <paramref name="what"/>.</summary>
    public static ulong Parse(string text, string what)
    {
        foreach (var (suffix, ps) in Units)
        {
            if (!text.EndsWith(suffix, StringComparison.Ordinal)) continue;
            var number = text[..^suffix.Length];
            if (decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v) && v > 0)
            {
                var total = v * ps;
                if (total <= ulong.MaxValue && total == decimal.Truncate(total)) return (ulong)total;
            }
            break;
        }
        throw new BadInputException($"{what}: '{text}' is not a duration (a positive number with a unit ps, ns, us, ms or s, e.g. 1ms)");
    }

    /// <summary>Formats picoseconds with the largest unit that keeps three significant digits.</summary>
    public static string Format(ulong ps) => ps switch
    {
        >= 1_000_000_000_000 => (ps / 1e12).ToString("0.###", CultureInfo.InvariantCulture) + " s",
        >= 1_000_000_000 => (ps / 1e9).ToString("0.###", CultureInfo.InvariantCulture) + " ms",
        >= 1_000_000 => (ps / 1e6).ToString("0.###", CultureInfo.InvariantCulture) + " us",
        >= 1_000 => (ps / 1e3).ToString("0.###", CultureInfo.InvariantCulture) + " ns",
        _ => ps.ToString(CultureInfo.InvariantCulture) + " ps",
    };
}
