namespace HwEmu.Devices.Gic;

/// <summary>Parameters of a GICv3 (distributor, redistributors, CPU interfaces). Defaults are QEMU's `virt`.</summary>
public sealed record GicConfig
{
    /// <summary>Number of CPUs, i.e. redistributors and CPU interfaces (1..256).</summary>
    public int Cpus { get; init; } = 4;
    /// <summary>Number of SPIs (INTIDs 32 .. 32 + SpiCount − 1), a multiple of 32, at most 988.</summary>
    public int SpiCount { get; init; } = 256;
    /// <summary>INTID bits (GICD_TYPER.IDbits + 1): LPIs are 8192 .. 2^LpiIdBits − 1. 14..20.</summary>
    public int LpiIdBits { get; init; } = 16;
    /// <summary>Distributor frame base (64 KiB).</summary>
    public ulong DistributorBase { get; init; } = 0x0800_0000;
    /// <summary>Base of the redistributor region: 128 KiB (RD_base + SGI_base) per CPU.</summary>
    public ulong RedistributorBase { get; init; } = 0x080A_0000;
    /// <summary>Keep a per-redistributor cache of LPI configuration bytes, refreshed only by INV/INVALL (GIC-600 style).</summary>
    public bool CacheLpiConfig { get; init; } = true;
    /// <summary>CPU interfaces acknowledge every interrupt as soon as it is signalled (a CPU always ready to take it).</summary>
    public bool AutoAcknowledge { get; init; } = true;
    /// <summary>Deliveries kept per CPU interface in the ring of recent deliveries.</summary>
    public int DeliveryLogCapacity { get; init; } = 1024;
    /// <summary>Redistributor latency from an LPI becoming pending to the CPU interface, in picoseconds (timing layer).</summary>
    public ulong RedistributorLatencyPs { get; init; } = 10_000;

    /// <summary>Size of one redistributor's frames.</summary>
    public const ulong RedistributorStride = 0x2_0000;

    /// <summary>Throws with a message naming the bad parameter.</summary>
    public void Validate()
    {
        if (Cpus is < 1 or > 256) throw new ArgumentOutOfRangeException(nameof(Cpus), Cpus, "must be 1..256");
        if (SpiCount < 0 || SpiCount > 988 || SpiCount % 32 != 0) throw new ArgumentOutOfRangeException(nameof(SpiCount), SpiCount, "must be a multiple of 32, at most 988");
        if (LpiIdBits is < 14 or > 20) throw new ArgumentOutOfRangeException(nameof(LpiIdBits), LpiIdBits, "must be 14..20");
        if (DeliveryLogCapacity < 1) throw new ArgumentOutOfRangeException(nameof(DeliveryLogCapacity), DeliveryLogCapacity, "must be positive");
    }
}
