using BenchmarkDotNet.Attributes;
using HwEmu.Devices.Gic;
using HwEmu.Emulator.Bus;

namespace HwEmu.Perf.Gic;

/// <summary>
/// MSIs through the ITS turned into LPI deliveries (acknowledged at once). Each invocation is 4096 MSIs, so
/// ops/s = 4096 / mean. Run: <c>dotnet run -c Release --project perf/HwEmu.Perf -- --filter '*ItsTranslate*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class ItsTranslateBenchmarks
{
    private const int Batch = 4096;
    private GicV3Its _warm = null!, _cold = null!;
    private SystemBus _bus = null!;
    private ulong _now;

    /// <summary>Builds the machines.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _warm = GicQuickBenchmarks.CreateMappedIts(caches: true);
        _cold = GicQuickBenchmarks.CreateMappedIts(caches: false);
        _bus = _warm.Gic.Bus;
    }

    /// <summary>Warm caches, direct call with the caller's time.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void TranslateWarm()
    {
        for (uint i = 0; i < Batch; i++)
            _warm.Translate(i & (GicQuickBenchmarks.Devices - 1), (i >> 2) & (GicQuickBenchmarks.EventsPerDevice - 1), _now += 1000);
    }

    /// <summary>No caches: DTE, ITE and CTE read from memory each time.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void TranslateCold()
    {
        for (uint i = 0; i < Batch; i++)
            _cold.Translate(i & (GicQuickBenchmarks.Devices - 1), (i >> 2) & (GicQuickBenchmarks.EventsPerDevice - 1), _now += 1000);
    }

    /// <summary>Warm caches, as a 4-byte bus write to GITS_TRANSLATER with the DeviceID side-band.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void TranslaterWriteWarm()
    {
        ulong doorbell = _warm.Config.BaseAddress + GicV3Its.TranslaterOffset;
        for (uint i = 0; i < Batch; i++)
        {
            var attrs = new BusAttributes(DeviceId: i & (GicQuickBenchmarks.Devices - 1));
            _bus.Write(doorbell, 4, (i >> 2) & (GicQuickBenchmarks.EventsPerDevice - 1), attrs);
        }
    }
}
