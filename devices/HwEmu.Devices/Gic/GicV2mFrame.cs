using HwEmu.Emulator.Bus;

namespace HwEmu.Devices.Gic;

/// <summary>
/// One GICv2m MSI frame (SBSA, reference §1.1): a 4 KiB window whose MSI_SETSPI_NS register at 0x040 raises the SPI
/// whose INTID is the written data. There is no DeviceID check: any writer may raise any SPI of the frame, which is
/// why Linux does not treat GICv2m as isolating. Data outside the frame's SPI range is dropped and counted.
/// </summary>
public sealed class GicV2mFrame : IMmioDevice
{
    /// <summary>Offset of MSI_SETSPI_NS.</summary>
    public const ulong SetSpiOffset = 0x040;
    /// <summary>Size of the frame.</summary>
    public const ulong FrameSize = 0x1000;

    private readonly GicDistributor _distributor;

    /// <summary>Creates a frame for SPIs <paramref name="firstSpi"/> .. +<paramref name="spiCount"/> − 1 (INTIDs).</summary>
    public GicV2mFrame(string name, GicDistributor distributor, uint firstSpi, uint spiCount)
    {
        if (firstSpi < 32 || spiCount is 0 or > 1023 || firstSpi + spiCount > 1020)
            throw new ArgumentOutOfRangeException(nameof(firstSpi), $"GICv2m frame {name}: SPIs {firstSpi}..+{spiCount} are not within 32..1019");
        Name = name;
        _distributor = distributor;
        FirstSpi = firstSpi;
        SpiCount = spiCount;
        Registers = new GicRegisterFile(name,
        [
            new("MSI_TYPER", 0x008, 4, ((ulong)firstSpi << 16) | spiCount, GicRegisterAccess.ReadOnly, "first SPI INTID[25:16], number of SPIs[9:0]"),
            new("MSI_SETSPI_NS", 0x040, 4, 0, GicRegisterAccess.WriteOnly, "data[9:0] = SPI INTID to raise",
                writableMask: 0xFFFF_FFFF, onWrite: (_, _, v) => SetSpi((uint)v & 0x3FF, CurrentTimePs)),
            new("MSI_IIDR", 0xFCC, 4, 0x51UL << 20, GicRegisterAccess.ReadOnly, "ProductID 'Q' (as QEMU)"),
        ], minAccessSize: 2);
    }

    /// <inheritdoc/>
    public string Name { get; }
    /// <summary>First SPI INTID of the frame.</summary>
    public uint FirstSpi { get; }
    /// <summary>Number of SPIs.</summary>
    public uint SpiCount { get; }
    /// <summary>The declared registers.</summary>
    public GicRegisterFile Registers { get; }
    /// <summary>Time of the next doorbell write, set by the bus-side caller (timing layer).</summary>
    public ulong CurrentTimePs { get; set; }
    /// <summary>SETSPI writes that raised an SPI.</summary>
    public long Raised { get; private set; }
    /// <summary>SETSPI writes whose data was outside the frame's SPI range (dropped).</summary>
    public long Dropped { get; private set; }

    /// <summary>A write of <paramref name="intId"/> to MSI_SETSPI_NS.</summary>
    public bool SetSpi(uint intId, ulong nowPs)
    {
        if (intId - FirstSpi >= SpiCount || !_distributor.RaiseSpi(intId, nowPs)) { Dropped++; return false; }
        Raised++;
        return true;
    }

    /// <inheritdoc/>
    public BusStatus Read(ulong offset, int size, out ulong value, in BusAttributes attributes)
    {
        if (size != 4) { value = 0; return BusStatus.SlaveError; }
        return Registers.Read(offset, size, out value);
    }

    /// <inheritdoc/>
    public BusStatus Write(ulong offset, int size, ulong value, in BusAttributes attributes)
    {
        // QEMU accepts 2- and 4-byte writes (reference §1.1); a 2-byte SETSPI write carries the INTID in its low half.
        if (size is not (2 or 4)) return BusStatus.SlaveError;
        if (offset == SetSpiOffset && size == 2) return Registers.Write(offset, 4, value & 0xFFFF);
        return Registers.Write(offset, size, value);
    }
}
