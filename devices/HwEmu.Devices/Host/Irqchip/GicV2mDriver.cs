using HwEmu.Devices.Host.Iommu;
using HwEmu.Emulator.Bus;

namespace HwEmu.Devices.Host.Irqchip;

/// <summary>
/// The Linux GICv2m driver (drivers/irqchip/irq-gic-v2m.c, v6.1): MSI_TYPER gives the frame's SPI base and
/// count; vectors are power-of-two aligned SPI blocks; the message is frame + MSI_SETSPI_NS (0x40) with
/// data = SPI INTID (through the device's IOMMU domain). Unmask/mask go to the distributor's
/// GICD_ISENABLER/ICENABLER.
/// </summary>
public sealed class GicV2mDriver
{
    private const ulong MsiTyper = 0x008, MsiSetSpiNs = 0x040;
    private const ulong GicdIsenabler = 0x100, GicdIcenabler = 0x180;

    private readonly SystemBus _bus;
    private readonly ulong _frame;
    private readonly ulong _distributor;
    private bool[] _used = [];

    /// <summary>Creates the driver for the frame at <paramref name="frameBase"/>.</summary>
    /// <param name="bus">System bus.</param>
    /// <param name="frameBase">Physical base of the v2m frame.</param>
    /// <param name="distributorBase">GICD base (for enabling the SPIs).</param>
    public GicV2mDriver(SystemBus bus, ulong frameBase, ulong distributorBase)
    {
        _bus = bus;
        _frame = frameBase;
        _distributor = distributorBase;
    }

    /// <summary>First SPI INTID of the frame (MSI_TYPER[25:16]).</summary>
    public uint SpiStart { get; private set; }
    /// <summary>Number of SPIs (MSI_TYPER[9:0]).</summary>
    public uint NrSpis { get; private set; }
    /// <summary>The doorbell: frame + MSI_SETSPI_NS.</summary>
    public ulong DoorbellAddress => _frame + MsiSetSpiNs;
    /// <summary>The frame sits upstream of the IOMMU.</summary>
    public bool UpstreamOfIommu { get; init; }

    /// <summary>v2m_init_one: reads MSI_TYPER; -EINVAL ("Invalid MSI_TYPER") for an empty or out-of-range block.</summary>
    public Errno Init()
    {
        _bus.Read(_frame + MsiTyper, 4, out ulong typer, BusAttributes.Cpu);
        SpiStart = (uint)(typer >> 16) & 0x3ff;
        NrSpis = (uint)typer & 0x3ff;
        if (NrSpis == 0 || SpiStart < 32 || SpiStart + NrSpis > 1020) return Errno.EINVAL;
        _used = new bool[NrSpis];
        return Errno.None;
    }

    /// <summary>
    /// gicv2m_irq_domain_alloc: a naturally aligned block of <paramref name="count"/> (rounded up to a power of two)
    /// SPIs; -ENOSPC when none is free.
    /// </summary>
    public Errno AllocateVectors(int count, out IReadOnlyList<MsiVector> vectors, IommuDomain? domain = null, int dmaMaskBits = 64)
    {
        var list = new List<MsiVector>();
        vectors = list;
        if (_used.Length == 0 || count <= 0) return Errno.EINVAL;
        int block = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)count);
        int start = -1;
        for (int s = 0; s + block <= _used.Length && start < 0; s += block)
        {
            bool free = true;
            for (int i = 0; i < block && free; i++) free = !_used[s + i];
            if (free) start = s;
        }
        if (start < 0) return Errno.ENOSPC;
        for (int i = 0; i < block; i++) _used[start + i] = true;
        for (int i = 0; i < count; i++)
        {
            uint spi = SpiStart + (uint)(start + i);
            var err = MsiComposer.Compose(domain, DoorbellAddress, spi, UpstreamOfIommu, out var msg, dmaMaskBits);
            if (err != Errno.None) return err;
            list.Add(new MsiVector((uint)(start + i), spi, msg));
        }
        return Errno.None;
    }

    /// <summary>gic_unmask_irq: GICD_ISENABLER bit of the SPI.</summary>
    public void Unmask(uint spi) => _bus.Write(_distributor + GicdIsenabler + spi / 32 * 4, 4, 1UL << (int)(spi % 32), BusAttributes.Cpu);

    /// <summary>gic_mask_irq: GICD_ICENABLER bit of the SPI.</summary>
    public void Mask(uint spi) => _bus.Write(_distributor + GicdIcenabler + spi / 32 * 4, 4, 1UL << (int)(spi % 32), BusAttributes.Cpu);

    /// <summary>gicv2m_irq_domain_free: returns the SPI to the frame's bitmap.</summary>
    public Errno Free(uint spi)
    {
        uint i = spi - SpiStart;
        if (i >= (uint)_used.Length || !_used[i]) return Errno.EINVAL;
        _used[i] = false;
        return Errno.None;
    }
}
