using BenchmarkDotNet.Attributes;
using HwEmu.Devices.Pcie;
using HwEmu.Devices.Platform;
using HwEmu.Devices.Platform.Reporting;
using HwEmu.Emulator.Kernel;

namespace HwEmu.Perf.Platform;

/// <summary>Hot-path costs of the platform layer: histogram record, fabric routing, DMA stream generation.</summary>
[MemoryDiagnoser]
public class PlatformBenchmarks
{
    private const int N = 1024;
    private readonly LatencyHistogram _histogram = new();
    private RootComplex _rc = null!;
    private int _dma0;
    private DmaStreamGenerator _random = null!;

    /// <summary>Builds the fabric of the P2P example topology and a random 4 KiB stream.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _rc = ScenarioFabric.Build(BuiltInScenarios.PassthroughIts);
        _dma0 = _rc.Find("nvme0");
        _random = new DmaStreamGenerator(new DmaStreamConfig(0x1_0000_0000, 1UL << 30, 4096, 0.7, DmaPattern.Random, QueueDepth: int.MaxValue), new DeterministicRandom(1, "bench"));
    }

    /// <summary>1024 histogram records.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public void HistogramRecord()
    {
        for (ulong i = 0; i < N; i++) _histogram.Record(20_000 + i * 37);
    }

    /// <summary>1024 upstream routing decisions.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public uint Route()
    {
        uint s = 0;
        for (ulong i = 0; i < N; i++) s += _rc.Route(_dma0, 0x1_0000_0000 + i * 4096, (i & 1) != 0).StreamId;
        return s;
    }

    /// <summary>1024 random transfers generated.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public ulong RandomStream()
    {
        ulong s = 0;
        for (int i = 0; i < N; i++)
        {
            _random.TryNext(0, out DmaRequest r);
            s += r.Address;
        }
        return s;
    }
}
