using BenchmarkDotNet.Attributes;
using HwEmu.Devices.Host;
using HwEmu.Devices.Host.Iova;
using HwEmu.Devices.Host.IoPgtable;
using HwEmu.Emulator.Memory;

namespace HwEmu.Perf.Host;

/// <summary>io-pgtable-arm map+unmap of 4 KiB pages and iova.c alloc/free rates.</summary>
[MemoryDiagnoser]
public class HostBenchmarks
{
    private const int Pages = 512;
    private IoPgtableArm _table = null!;
    private IovaDomain _iovad = null!;
    private readonly ulong[] _pfns = new ulong[Pages];

    /// <summary>Builds a 48-bit stage-1 table (leaf tables pre-populated) and an IOVA domain with 4096 live nodes.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var alloc = new PhysicalPageAllocator(new PhysicalMemory(), 0x4000_0000, 16UL << 20);
        _table = IoPgtableArm.Alloc(IoPgtableFormat.ArmLpaeS1, new IoPgtableConfig(0x4020_1000, 48, 48), alloc)!;
        // Warm the intermediate tables so the measured loop is steady-state page map/unmap.
        _table.MapPages(0x1000_0000, 0x8000_0000, 0x1000, 1, IommuProt.Read, out _);
        _table.UnmapPages(0x1000_0000, 0x1000, 1);
        _iovad = new IovaDomain(0x1000, 1);
        for (int i = 0; i < 4096; i++) _iovad.AllocIovaFast(1, 0xfffff);
    }

    /// <summary>One map_pages + unmap_pages of a 4 KiB page (per operation).</summary>
    [Benchmark(OperationsPerInvoke = Pages)]
    public ulong IoPgtableMapUnmap4K()
    {
        ulong sum = 0;
        for (int i = 0; i < Pages; i++)
        {
            ulong iova = 0x1000_0000 + (ulong)i * 0x1000;
            _table.MapPages(iova, 0x8000_0000 + (ulong)i * 0x1000, 0x1000, 1, IommuProt.Read | IommuProt.Write | IommuProt.Cache, out _);
        }
        for (int i = 0; i < Pages; i++)
            sum += _table.UnmapPages(0x1000_0000 + (ulong)i * 0x1000, 0x1000, 1);
        return sum;
    }

    /// <summary>One alloc_iova_fast(1 page, 32-bit limit) + free_iova with 4096 live nodes (per operation).</summary>
    [Benchmark(OperationsPerInvoke = Pages)]
    public ulong IovaAllocFree()
    {
        ulong sum = 0;
        for (int i = 0; i < Pages; i++) sum += _pfns[i] = _iovad.AllocIovaFast(1, 0xfffff);
        for (int i = Pages - 1; i >= 0; i--) _iovad.FreeIova(_pfns[i]);
        return sum;
    }
}
