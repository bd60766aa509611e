using BenchmarkDotNet.Attributes;
using HwEmu.Devices.Host;
using HwEmu.Devices.Host.ArmSmmuV3;
using HwEmu.Devices.Host.Iommu;
using HwEmu.Devices.Host.IoPgtable;
using HwEmu.Devices.Smmu;
using HwEmu.Emulator.Bus;
using HwEmu.Emulator.Memory;

namespace HwEmu.Perf.Host;

/// <summary>
/// The arm-smmu-v3 driver model against the SMMUv3 model: a strict 4 KiB map + unmap (io-pgtable edit, then
/// TLBI_NH_VA + CMD_SYNC written to the command queue and consumed by the SMMU), and DMA-API map + unmap in a
/// DMA-FQ domain (IOVA allocation, queued unmap, a TLBI_NH_ASID + CMD_SYNC flush every 255 unmaps).
/// </summary>
[MemoryDiagnoser]
public class ArmSmmuV3DriverBenchmarks
{
    private const int Pages = 256;
    private ArmSmmuDomain _strict = null!;
    private ArmSmmuDomain _lazy = null!;
    private readonly ulong[] _dma = new ulong[Pages];

    /// <summary>SMMU TLB entries: 2048 (gem5 default) or 16 with tiny walk caches, to separate the model's TLBI scan from the driver.</summary>
    [Params(2048, 16)]
    public int TlbEntries { get; set; }

    /// <summary>QEMU-virt-like machine, driver reset, one unmanaged (strict) and one DMA-FQ domain attached.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var mem = new PhysicalMemory();
        var bus = new SystemBus(mem);
        bus.AddRam(0x4000_0000, 0x1000_0000);
        var smmu = new SmmuV3(bus, new SmmuConfig
        {
            Stage2 = false, Hyp = false, Msi = false, OutputAddressBits = 44, Tlb = new CacheGeometry(TlbEntries, 4),
            WalkCacheS1Entries = TlbEntries >= 2048 ? [4, 28, 348, 4] : [4, 4, 4, 4],
            WalkCacheS2Entries = TlbEntries >= 2048 ? [4, 28, 92, 4] : [4, 4, 4, 4],
        });
        bus.AddDevice(0x0905_0000, SmmuRegisters.WindowSize, smmu);
        var pages = new PhysicalPageAllocator(mem, 0x4200_0000, 0x0800_0000);
        var driver = new ArmSmmuV3Driver(bus, 0x0905_0000, pages, new ArmSmmuV3DriverOptions { QueueMaxBytesLog2 = 12, Strict = false });
        if (driver.Reset() != Errno.None) throw new InvalidOperationException("reset");
        _strict = (ArmSmmuDomain)driver.AllocDomain(IommuDomainType.Unmanaged)!.Ops!;
        _strict.Attach([8u]);
        var host = new HostSystem(HostPlatform.QemuVirtItsNvme());
        _lazy = (ArmSmmuDomain)driver.AttachDefaultDomain(host, host.Groups[1])!.Ops!;
        for (int r = 0; r < 4; r++) { StrictMapUnmap4K(); LazyDmaMapUnmap4K(); } // tables and queue pages exist
    }

    /// <summary>One map_pages + unmap_pages (TLBI_NH_VA + CMD_SYNC) of a 4 KiB page, strict (per operation).</summary>
    [Benchmark(OperationsPerInvoke = Pages)]
    public ulong StrictMapUnmap4K()
    {
        ulong sum = 0;
        for (int i = 0; i < Pages; i++)
        {
            ulong iova = 0x1000_0000 + (ulong)i * 0x1000;
            _strict.MapPages(iova, 0x4800_0000 + (ulong)i * 0x1000, 0x1000, 1, IommuProt.Read | IommuProt.Write, out _);
            sum += _strict.UnmapPages(iova, 0x1000, 1);
        }
        return sum;
    }

    /// <summary>iommu_dma_map_page + iommu_dma_unmap_page of 4 KiB in a DMA-FQ domain (per operation).</summary>
    [Benchmark(OperationsPerInvoke = Pages)]
    public ulong LazyDmaMapUnmap4K()
    {
        ulong sum = 0;
        for (int i = 0; i < Pages; i++)
            _lazy.DmaMap(0x4800_0000 + (ulong)i * 0x1000, 0x1000, IommuProt.Read | IommuProt.Write, out _dma[i]);
        for (int i = 0; i < Pages; i++) sum += _lazy.DmaUnmap(_dma[i], 0x1000);
        return sum;
    }
}
