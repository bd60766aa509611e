using BenchmarkDotNet.Attributes;
using HwEmu.Emulator.Kernel;
using HwEmu.Emulator.Memory;

namespace HwEmu.Perf.Memory;

/// <summary>
/// <see cref="PhysicalMemory.Read64"/> on one hot page, and at 2^20 precomputed random aligned addresses over 65 536
/// populated pages (256 MiB, the size of the reference guest RAM). Reported time is per read.
/// </summary>
[MemoryDiagnoser]
public class PhysicalMemoryBenchmarks
{
    private const ulong Base = 0x4000_0000;
    private const int HotReads = 4096;

    private PhysicalMemory _hot = null!;
    private PhysicalMemory _random = null!;
    private ulong[] _addresses = null!;

    /// <summary>Populates both memories.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _hot = new PhysicalMemory();
        for (ulong off = 0; off < PhysicalMemory.PageSize; off += 8) _hot.Write64(Base + off, off + 1);
        (_random, _addresses) = QuickBenchmarks.RandomReadSetup();
    }

    /// <summary>Reads cycling through one page.</summary>
    [Benchmark(OperationsPerInvoke = HotReads)]
    public ulong Read64Hot()
    {
        var memory = _hot;
        ulong acc = 0;
        for (int i = 0; i < HotReads; i++)
            acc += memory.Read64(Base + ((ulong)i * 8 & (PhysicalMemory.PageSize - 8)));
        return acc;
    }

    /// <summary>Reads at random addresses across 256 MiB.</summary>
    [Benchmark(OperationsPerInvoke = QuickBenchmarks.RandomAddresses)]
    public ulong Read64Random()
    {
        var memory = _random;
        ulong acc = 0;
        foreach (ulong pa in _addresses) acc += memory.Read64(pa);
        return acc;
    }
}
