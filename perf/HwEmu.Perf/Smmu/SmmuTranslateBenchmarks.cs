using BenchmarkDotNet.Attributes;
using HwEmu.Devices.Smmu;

namespace HwEmu.Perf.Smmu;

/// <summary>SMMU translation throughput: TLB hits and full 4-level walks (1024 translations per invocation).</summary>
[MemoryDiagnoser]
public class SmmuTranslateBenchmarks
{
    private const int Batch = 1024;
    private SmmuBenchmarkFixture _warm = null!;
    private SmmuBenchmarkFixture _cold = null!;

    /// <summary>Builds both fixtures.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _warm = new SmmuBenchmarkFixture(cold: false);
        _cold = new SmmuBenchmarkFixture(cold: true);
    }

    /// <summary>TLB-hit translations.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public ulong TlbHit()
    {
        ulong s = 0;
        for (int i = 0; i < Batch; i++) s += _warm.Translate(i);
        return s;
    }

    /// <summary>Full 4-level walks (TLB and walk caches disabled).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public ulong FullWalk()
    {
        ulong s = 0;
        for (int i = 0; i < Batch; i++) s += _cold.Translate(i);
        return s;
    }
}
