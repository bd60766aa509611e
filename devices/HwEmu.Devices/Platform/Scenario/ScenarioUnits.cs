using System.Globalization;

namespace HwEmu.Devices.Platform;

/// <summary>
/// Parsing of quantities with units in scenario files. Sizes: a number of bytes, or "4KiB", "2MiB", "1GiB", "1TiB",
/// "512B", hex "0x8000000". Durations: a number of nanoseconds, or "100ps", "80ns", "10us", "1ms", "1s".
/// Frequencies: a number of Hz, or "1GHz", "800MHz", "100kHz". Bandwidth: a number of GB/s, or "25.6GB/s",
/// "800MB/s". Returns false (never throws) on malformed text so the loader can report the path.
/// </summary>
public static class ScenarioUnits
{
    private static readonly (string Suffix, ulong Factor)[] SizeSuffixes =
        [("KiB", 1UL << 10), ("MiB", 1UL << 20), ("GiB", 1UL << 30), ("TiB", 1UL << 40), ("B", 1)];

    private static readonly (string Suffix, ulong Factor)[] DurationSuffixes =
        [("ps", 1), ("ns", 1_000), ("us", 1_000_000), ("ms", 1_000_000_000), ("s", 1_000_000_000_000)];

    private static readonly (string Suffix, ulong Factor)[] FrequencySuffixes =
        [("GHz", 1_000_000_000), ("MHz", 1_000_000), ("kHz", 1_000), ("Hz", 1)];

    /// <summary>Parses a size string to bytes.</summary>
    public static bool TryParseSize(string text, out ulong bytes) => TryParseScaled(text.Trim(), SizeSuffixes, 1, true, out bytes);

    /// <summary>Parses a duration string to picoseconds (a bare number is nanoseconds).</summary>
    public static bool TryParseDuration(string text, out ulong ps) => TryParseScaled(text.Trim(), DurationSuffixes, 1_000, false, out ps);

    /// <summary>Parses a frequency string to Hz.</summary>
    public static bool TryParseFrequency(string text, out ulong hz) => TryParseScaled(text.Trim(), FrequencySuffixes, 1, false, out hz);

    /// <summary>Parses a bandwidth string to bytes per nanosecond (= GB/s).</summary>
    public static bool TryParseBandwidth(string text, out double bytesPerNs)
    {
        string s = text.Trim();
        double scale = 1;
        if (s.EndsWith("GB/s", StringComparison.Ordinal)) s = s[..^4];
        else if (s.EndsWith("MB/s", StringComparison.Ordinal)) { s = s[..^4]; scale = 1e-3; }
        bool ok = double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 && double.IsFinite(v);
        bytesPerNs = ok ? v * scale : 0;
        return ok;
    }

    private static bool TryParseScaled(string s, (string Suffix, ulong Factor)[] suffixes, ulong bareFactor, bool allowHex, out ulong value)
    {
        value = 0;
        if (s.Length == 0) return false;
        if (allowHex && s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return ulong.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value) && s.Length > 2;
        ulong factor = bareFactor;
        foreach ((string suffix, ulong f) in suffixes)
        {
            if (s.EndsWith(suffix, StringComparison.Ordinal))
            {
                s = s[..^suffix.Length].TrimEnd();
                factor = f;
                break;
            }
        }
        if (s.Length == 0) return false;
        if (ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out ulong whole))
        {
            UInt128 p = (UInt128)whole * factor;
            if (p > ulong.MaxValue) return false;
            value = (ulong)p;
            return true;
        }
        // Fractional quantities ("1.5MiB", "0.5us") must come out whole in the base unit.
        if (!decimal.TryParse(s, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal d)) return false;
        decimal scaled = d * factor;
        if (scaled != decimal.Truncate(scaled) || scaled > ulong.MaxValue) return false;
        value = (ulong)scaled;
        return true;
    }
}
