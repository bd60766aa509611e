using System.Globalization;

namespace HwEmu.Devices.Platform;

/// <summary>Parses and formats PCI bus:device.function text ("01:00.0", "0000:01:00.0") as a 16-bit routing ID.</summary>
public static class RoutingIdText
{
    /// <summary>Parses <paramref name="text"/>; returns false unless it is [SSSS:]BB:DD.F with DD ≤ 0x1f and F ≤ 7 (hex).</summary>
    public static bool TryParse(string text, out ushort rid)
    {
        rid = 0;
        if (string.IsNullOrEmpty(text)) return false;
        string s = text;
        string[] colon = s.Split(':');
        if (colon.Length == 3)
        {
            if (colon[0].Length != 4 || !uint.TryParse(colon[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint seg) || seg != 0) return false;
            colon = [colon[1], colon[2]];
        }
        if (colon.Length != 2) return false;
        string[] dot = colon[1].Split('.');
        if (dot.Length != 2) return false;
        if (!Hex(colon[0], 2, out uint bus) || !Hex(dot[0], 2, out uint dev) || !Hex(dot[1], 1, out uint fn)) return false;
        if (bus > 0xff || dev > 0x1f || fn > 7) return false;
        rid = (ushort)(bus << 8 | dev << 3 | fn);
        return true;
    }

    /// <summary>Formats a routing ID as "BB:DD.F" (lower-case hex).</summary>
    public static string Format(ushort rid) =>
        string.Create(CultureInfo.InvariantCulture, $"{rid >> 8:x2}:{(rid >> 3) & 0x1f:x2}.{rid & 7:x1}");

    private static bool Hex(string s, int maxLen, out uint v)
    {
        v = 0;
        return s.Length >= 1 && s.Length <= maxLen && uint.TryParse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out v);
    }
}
