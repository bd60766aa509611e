namespace HwEmu.Devices.Gic;

/// <summary>Parameters of one ITS. Defaults advertise what QEMU's ITS does (GITS_TYPER = 0x1f0001efb1).</summary>
public sealed record ItsConfig
{
    /// <summary>Frame base on the bus (QEMU virt: 0x08080000; the doorbell is at +0x10040).</summary>
    public ulong BaseAddress { get; init; } = 0x0808_0000;
    /// <summary>DeviceID bits (GITS_TYPER.Devbits + 1), 1..32.</summary>
    public int DeviceIdBits { get; init; } = 16;
    /// <summary>EventID bits (GITS_TYPER.IDbits + 1), 1..32.</summary>
    public int EventIdBits { get; init; } = 16;
    /// <summary>Collection ID bits (GITS_TYPER.CIDbits + 1 with CIL = 1), 1..16.</summary>
    public int CollectionIdBits { get; init; } = 16;
    /// <summary>GITS_TYPER.PTA: RDbase operands are RD addresses >> 16 (true) or processor numbers (false).</summary>
    public bool Pta { get; init; }
    /// <summary>GITS_IIDR.</summary>
    public uint Iidr { get; init; } = 0x43B;
    /// <summary>Layout of DTE/CTE/ITE in memory.</summary>
    public IItsTableFormat TableFormat { get; init; } = QemuItsTableFormat.Instance;
    /// <summary>Device-table cache entries (power of two; 0 = no cache).</summary>
    public int DeviceCacheEntries { get; init; }
    /// <summary>Interrupt-translation cache entries, keyed by (DeviceID, EventID) (power of two; 0 = none).</summary>
    public int IteCacheEntries { get; init; }
    /// <summary>Collection cache entries (power of two; 0 = none).</summary>
    public int CollectionCacheEntries { get; init; }
    /// <summary>ITS clock frequency for the timing layer.</summary>
    public ulong ClockHz { get; init; } = 1_000_000_000;
    /// <summary>Cycles of the translation pipeline per MSI, excluding table reads.</summary>
    public int TranslationCycles { get; init; } = 4;
    /// <summary>Cycles per cache lookup hit.</summary>
    public int CacheHitCycles { get; init; } = 1;
    /// <summary>Cycles per command, excluding table reads.</summary>
    public int CommandCycles { get; init; } = 8;

    /// <summary>A configuration with caches of the given sizes (device, ITE, collection).</summary>
    public static ItsConfig WithCaches(int devices = 64, int ites = 1024, int collections = 64) =>
        new() { DeviceCacheEntries = devices, IteCacheEntries = ites, CollectionCacheEntries = collections };

    /// <summary>Throws with a message naming the bad parameter.</summary>
    public void Validate()
    {
        if (DeviceIdBits is < 1 or > 32) throw new ArgumentOutOfRangeException(nameof(DeviceIdBits), DeviceIdBits, "must be 1..32");
        if (EventIdBits is < 1 or > 32) throw new ArgumentOutOfRangeException(nameof(EventIdBits), EventIdBits, "must be 1..32");
        if (CollectionIdBits is < 1 or > 16) throw new ArgumentOutOfRangeException(nameof(CollectionIdBits), CollectionIdBits, "must be 1..16");
        foreach (var (n, v) in new[] { (nameof(DeviceCacheEntries), DeviceCacheEntries), (nameof(IteCacheEntries), IteCacheEntries), (nameof(CollectionCacheEntries), CollectionCacheEntries) })
            if (v < 0 || (v & (v - 1)) != 0) throw new ArgumentOutOfRangeException(n, v, "must be 0 or a power of two");
        if (ClockHz is 0 or > 1_000_000_000_000) throw new ArgumentOutOfRangeException(nameof(ClockHz), ClockHz, "must be 1 Hz..1 THz");
        if (TableFormat.IteSize is < 1 or > 16) throw new ArgumentOutOfRangeException(nameof(TableFormat), TableFormat.IteSize, "ITE size must be 1..16 bytes");
    }
}
