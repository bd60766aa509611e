namespace HwEmu.Devices.Gic;

/// <summary>GITS_TYPER decoded (IHI 0069, GITS_TYPER), as a driver reads it (kvm-unit-tests its_init, Linux its_probe_one).</summary>
/// <param name="Value">The raw 64-bit value.</param>
public readonly record struct GitsTyper(ulong Value)
{
    /// <summary>Physical LPIs supported (bit 0).</summary>
    public bool Physical => (Value & 1) != 0;
    /// <summary>Virtual LPIs supported (bit 1).</summary>
    public bool Virtual => (Value >> 1 & 1) != 0;
    /// <summary>Bytes per ITE: ITT_entry_size[7:4] + 1.</summary>
    public int IttEntrySize => (int)(Value >> 4 & 0xF) + 1;
    /// <summary>EventID bits: IDbits[12:8] + 1.</summary>
    public int EventIdBits => (int)(Value >> 8 & 0x1F) + 1;
    /// <summary>DeviceID bits: Devbits[17:13] + 1.</summary>
    public int DeviceIdBits => (int)(Value >> 13 & 0x1F) + 1;
    /// <summary>RDbase operands are RD addresses (PTA[19] = 1) rather than processor numbers.</summary>
    public bool Pta => (Value >> 19 & 1) != 0;
    /// <summary>Collection ID bits: CIDbits[35:32] + 1 when CIL[36] = 1, else 16.</summary>
    public int CollectionIdBits => (Value >> 36 & 1) != 0 ? (int)(Value >> 32 & 0xF) + 1 : 16;

    /// <summary>The value an ITS with <paramref name="config"/> advertises.</summary>
    public static GitsTyper For(ItsConfig config) => new(1UL
        | ((ulong)(uint)(config.TableFormat.IteSize - 1) << 4)
        | ((ulong)(uint)(config.EventIdBits - 1) << 8)
        | ((ulong)(uint)(config.DeviceIdBits - 1) << 13)
        | (config.Pta ? 1UL << 19 : 0)
        | ((ulong)(uint)(config.CollectionIdBits - 1) << 32)
        | (1UL << 36));
}
