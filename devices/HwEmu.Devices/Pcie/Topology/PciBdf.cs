namespace HwEmu.Devices.Pcie;

/// <summary>A PCI bus/device/function address; <see cref="Rid"/> is the 16-bit requester ID (PCI_DEVID).</summary>
/// <param name="Bus">Bus number (0-255).</param>
/// <param name="Device">Device number (0-31).</param>
/// <param name="Function">Function number (0-7).</param>
/// <param name="Segment">PCI segment (domain).</param>
public readonly record struct PciBdf(int Bus, int Device, int Function, int Segment = 0) : IComparable<PciBdf>
{
    /// <summary>devfn = device &lt;&lt; 3 | function.</summary>
    public int DevFn => (Device << 3) | Function;

    /// <summary>Requester ID: bus[15:8], device[7:3], function[2:0].</summary>
    public ushort Rid => (ushort)((Bus << 8) | DevFn);

    /// <summary>The BDF of requester ID <paramref name="rid"/>.</summary>
    public static PciBdf FromRid(ushort rid, int segment = 0) => new(rid >> 8, (rid >> 3) & 0x1f, rid & 7, segment);

    /// <summary>Parses "0000:00:01.0" or "00:01.0".</summary>
    public static bool TryParse(string text, out PciBdf bdf)
    {
        bdf = default;
        var parts = text.Trim().Split(':');
        int seg = 0;
        if (parts.Length == 3)
        {
            if (!int.TryParse(parts[0], System.Globalization.NumberStyles.HexNumber, null, out seg)) return false;
            parts = parts[1..];
        }
        if (parts.Length != 2) return false;
        var df = parts[1].Split('.');
        if (df.Length != 2) return false;
        if (!int.TryParse(parts[0], System.Globalization.NumberStyles.HexNumber, null, out int bus) ||
            !int.TryParse(df[0], System.Globalization.NumberStyles.HexNumber, null, out int dev) ||
            !int.TryParse(df[1], System.Globalization.NumberStyles.HexNumber, null, out int fn)) return false;
        if (bus is < 0 or > 255 || dev is < 0 or > 31 || fn is < 0 or > 7) return false;
        bdf = new PciBdf(bus, dev, fn, seg);
        return true;
    }

    /// <inheritdoc/>
    public int CompareTo(PciBdf other)
    {
        if (Segment != other.Segment) return Segment.CompareTo(other.Segment);
        return Rid.CompareTo(other.Rid);
    }

    /// <summary>Linux's dev_name for a PCI device: "ssss:bb:dd.f".</summary>
    public override string ToString() => $"{Segment:x4}:{Bus:x2}:{Device:x2}.{Function:x}";
}
