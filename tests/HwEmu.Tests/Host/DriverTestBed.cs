using HwEmu.Devices.Gic;
using HwEmu.Devices.Host.ArmSmmuV3;
using HwEmu.Devices.Host.IoPgtable;
using HwEmu.Devices.Host.Irqchip;
using HwEmu.Devices.Smmu;
using HwEmu.Emulator.Bus;
using HwEmu.Emulator.Memory;
using NUnit.Framework;

namespace HwEmu.Tests.Host;

/// <summary>
/// A QEMU-virt-shaped machine for the host drivers: 256 MiB RAM at 0x40000000, SMMUv3 at 0x09050000, GICv3
/// distributor 0x08000000, redistributors 0x080A0000, ITS 0x08080000, a GICv2m frame at 0x08020000 (SPIs 80..143).
/// The drivers allocate from 0x42000000 up.
/// </summary>
internal sealed class DriverTestBed
{
    public const ulong SmmuBase = 0x0905_0000;
    public const ulong RamBase = 0x4000_0000;
    public const ulong V2mBase = 0x0802_0000;

    /// <summary>The SMMU QEMU 7.2 presents (capture): stage 1 only, no HYP/MSI/SEV, OAS 44, no 2-level CD tables.</summary>
    public static SmmuConfig QemuSmmu => new()
    {
        Stage2 = false, Hyp = false, Msi = false, Sev = false, OutputAddressBits = 44, TwoLevelCdTable = false,
        TermModelAbortOnly = true,
    };

    public DriverTestBed(SmmuConfig? smmu = null, ArmSmmuV3DriverOptions? options = null, int cpus = 1, bool reset = true, bool record = true, bool recordMmio = false, ItsConfig? its = null)
    {
        Memory = new PhysicalMemory();
        Bus = new SystemBus(Memory);
        Bus.AddRam(RamBase, 0x1000_0000);
        Smmu = new SmmuV3(Bus, smmu ?? QemuSmmu);
        SmmuMmio = new MmioRecorder(Smmu);
        Bus.AddDevice(SmmuBase, SmmuRegisters.WindowSize, recordMmio ? SmmuMmio : Smmu);
        Gic = new Gicv3(Bus, new GicConfig { Cpus = cpus });
        Gic.Attach();
        Its = new GicV3Its(Gic, its);
        ItsMmio = new MmioRecorder(Its);
        if (recordMmio) Bus.AddDevice(Its.Config.BaseAddress, GicV3Its.FrameSize, ItsMmio);
        else Its.Attach();
        V2m = new GicV2mFrame("gicv2m", Gic.Distributor, 80, 64);
        Bus.AddDevice(V2mBase, GicV2mFrame.FrameSize, V2m);
        Pages = new PhysicalPageAllocator(Memory, 0x4200_0000, 0x0800_0000);
        Driver = new ArmSmmuV3Driver(Bus, SmmuBase, Pages, (options ?? new ArmSmmuV3DriverOptions()) with { RecordCommands = record });
        ItsDriver = new ItsDriver(Bus, Its, Gic, Pages);
        if (reset) Assert.That(Driver.Reset(), Is.EqualTo(HwEmu.Devices.Host.Errno.None));
    }

    public PhysicalMemory Memory { get; }
    /// <summary>SMMU register writes (with recordMmio).</summary>
    public MmioRecorder SmmuMmio { get; }
    /// <summary>ITS register writes (with recordMmio).</summary>
    public MmioRecorder ItsMmio { get; }
    public SystemBus Bus { get; }
    public SmmuV3 Smmu { get; }
    public Gicv3 Gic { get; }
    public GicV3Its Its { get; }
    public GicV2mFrame V2m { get; }
    public PhysicalPageAllocator Pages { get; }
    public ArmSmmuV3Driver Driver { get; }
    public ItsDriver ItsDriver { get; }

    /// <summary>A DMA write/read from <paramref name="sid"/> through the SMMU.</summary>
    public TranslationResult Dma(uint sid, ulong iova, bool write = false)
    {
        var tx = write ? SmmuTransaction.WriteTo(sid, iova) : SmmuTransaction.Read(sid, iova);
        Smmu.Translate(tx, out var r);
        return r;
    }

    /// <summary>An MSI from a device: translated by the SMMU, then written with the DeviceID side-band.</summary>
    public BusStatus Msi(uint sid, uint deviceId, MsiMessage msg)
    {
        var r = Dma(sid, msg.Address, write: true);
        if (r.Status is not (TranslationStatus.Ok or TranslationStatus.Bypass)) return BusStatus.DecodeError;
        return Bus.Write(r.OutputAddress, 4, msg.Data, new BusAttributes(RequesterId: (ushort)sid, DeviceId: deviceId));
    }

    public uint SmmuReg(SmmuRegister id)
    {
        var d = Smmu.Registers.Definitions[(int)id];
        Smmu.Read(d.Offset, 4, out ulong v, BusAttributes.Cpu);
        return (uint)v;
    }

    public ulong SmmuReg64(SmmuRegister id) => Smmu.Registers[id];
}
