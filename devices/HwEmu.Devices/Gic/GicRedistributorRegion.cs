using HwEmu.Emulator.Bus;

namespace HwEmu.Devices.Gic;

/// <summary>The redistributor region: 128 KiB (RD_base + SGI_base frames) per CPU, consecutive, as one MMIO window.</summary>
public sealed class GicRedistributorRegion : IMmioDevice
{
    private readonly Gicv3 _gic;

    internal GicRedistributorRegion(Gicv3 gic) => _gic = gic;

    /// <inheritdoc/>
    public string Name => "gicv3-redist";

    /// <inheritdoc/>
    public BusStatus Read(ulong offset, int size, out ulong value, in BusAttributes attributes)
    {
        ulong n = offset / GicConfig.RedistributorStride;
        if (n >= (ulong)_gic.Redistributors.Length) { value = 0; return BusStatus.DecodeError; }
        return _gic.Redistributors[n].Registers.Read(offset % GicConfig.RedistributorStride, size, out value);
    }

    /// <inheritdoc/>
    public BusStatus Write(ulong offset, int size, ulong value, in BusAttributes attributes)
    {
        ulong n = offset / GicConfig.RedistributorStride;
        if (n >= (ulong)_gic.Redistributors.Length) return BusStatus.DecodeError;
        return _gic.Redistributors[n].Registers.Write(offset % GicConfig.RedistributorStride, size, value);
    }
}
