using System.Globalization;

namespace HwEmu.Traces.Qemu;

/// <summary>
/// One line of a QEMU trace log (log backend): the optional prefix, the event name and the formatted arguments.
/// Accepted prefixes (reference traces-and-fault-injection.md §3.1): none; <c>TID@SEC.USEC:</c> (older QEMU, and
/// QEMU 7.2 with <c>-msg timestamp=on</c>); <c>ISO8601Z (TID) </c>; <c>ISO8601Z </c> (QEMU ≥ 10.1).
/// </summary>
/// <param name="Name">Event name (e.g. <c>smmuv3_translate_success</c>).</param>
/// <param name="Body">Everything after the name and one space (may be empty).</param>
/// <param name="HasTime">Whether the prefix carried a timestamp.</param>
/// <param name="TimeMicroseconds">The timestamp in microseconds since the Unix epoch (when <see cref="HasTime"/>).</param>
public readonly record struct QemuLogLine(string Name, string Body, bool HasTime, long TimeMicroseconds)
{
    /// <summary>Parses a line; false when it is not an event line (blank, or a guest-error message).</summary>
    public static bool TryParse(string line, out QemuLogLine parsed)
    {
        parsed = default;
        ReadOnlySpan<char> s = line.AsSpan().TrimEnd("\r\n");
        bool hasTime = false;
        long micros = 0;
        int at = s.IndexOf('@');
        int colon = s.IndexOf(':');
        if (at > 0 && colon > at && IsDigits(s[..at]))
        {
            // TID@SEC.USEC:name
            ReadOnlySpan<char> ts = s[(at + 1)..colon];
            int dot = ts.IndexOf('.');
            if (dot <= 0 || !long.TryParse(ts[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out long sec) ||
                !long.TryParse(ts[(dot + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out long usec) || ts.Length - dot - 1 != 6)
            {
                return false;
            }
            hasTime = true;
            micros = sec * 1_000_000 + usec;
            s = s[(colon + 1)..];
        }
        else if (s.Length > 20 && char.IsAsciiDigit(s[0]) && s[4] == '-' && s[10] == 'T')
        {
            int z = s.IndexOf("Z ");
            if (z < 0 || !DateTime.TryParseExact(s[..(z + 1)], "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime when))
            {
                return false;
            }
            hasTime = true;
            micros = (when.Ticks - DateTime.UnixEpoch.Ticks) / 10;
            s = s[(z + 2)..];
            if (s.Length > 0 && s[0] == '(')
            {
                int close = s.IndexOf(") ");
                if (close < 0) return false;
                s = s[(close + 2)..];
            }
        }
        int space = s.IndexOf(' ');
        ReadOnlySpan<char> name = space < 0 ? s : s[..space];
        if (name.Length == 0 || !IsIdentifier(name)) return false;
        parsed = new QemuLogLine(name.ToString(), space < 0 ? "" : s[(space + 1)..].ToString(), hasTime, micros);
        return true;
    }

    private static bool IsDigits(ReadOnlySpan<char> s)
    {
        foreach (char c in s) if (!char.IsAsciiDigit(c)) return false;
        return s.Length > 0;
    }

    private static bool IsIdentifier(ReadOnlySpan<char> s)
    {
        if (!char.IsAsciiLetter(s[0]) && s[0] != '_') return false;
        foreach (char c in s) if (!char.IsAsciiLetterOrDigit(c) && c != '_') return false;
        return true;
    }

    /// <summary>
    /// The number after <paramref name="key"/> (e.g. <c>"sid="</c>, <c>"DeviceID "</c>) in <paramref name="body"/>;
    /// the key must start the body or follow a space, comma or tab. Hex with a 0x prefix, else decimal (QEMU printed
    /// some fields with %d in older releases); a leading '-' is accepted and wraps (vmid=-1).
    /// </summary>
    public static bool TryField(string body, string key, out ulong value)
    {
        value = 0;
        int from = 0;
        while (true)
        {
            int i = body.IndexOf(key, from, StringComparison.Ordinal);
            if (i < 0) return false;
            if (i == 0 || body[i - 1] is ' ' or ',' or '\t' or '(')
            {
                return TryNumber(body.AsSpan(i + key.Length), out value);
            }
            from = i + 1;
        }
    }

    /// <summary>Parses the number at the start of <paramref name="s"/> (stops at the first non-digit).</summary>
    public static bool TryNumber(ReadOnlySpan<char> s, out ulong value)
    {
        value = 0;
        s = s.TrimStart(' ');
        bool negative = s.Length > 0 && s[0] == '-';
        if (negative) s = s[1..];
        bool hex = s.Length > 2 && s[0] == '0' && (s[1] | 0x20) == 'x';
        if (hex) s = s[2..];
        int n = 0;
        while (n < s.Length && (hex ? char.IsAsciiHexDigit(s[n]) : char.IsAsciiDigit(s[n]))) n++;
        if (n == 0 || n > (hex ? 16 : 20)) return false;
        if (!ulong.TryParse(s[..n], hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out value)) return false;
        if (negative) value = unchecked(0UL - value);
        return true;
    }
}
