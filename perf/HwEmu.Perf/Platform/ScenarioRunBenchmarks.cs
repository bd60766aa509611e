using BenchmarkDotNet.Attributes;
using HwEmu.Devices.Platform;
using HwEmu.Devices.Platform.Machine;
using HwEmu.Traces.Recording;

namespace HwEmu.Perf.Platform;

/// <summary>
/// The default scenario (passthrough-its) end to end: DMA transactions (SQE fetch, data, CQE write, MSI) through
/// link, fabric, SMMU, DRAM and ITS, per transaction; with and without a trace recorder attached.
/// </summary>
[MemoryDiagnoser]
public class ScenarioRunBenchmarks
{
    private const int N = 100_000;
    private ScenarioMachine _machine = null!;
    private RunTraceRecorder? _recorder;

    /// <summary>Record a trace (to a null stream) while running.</summary>
    [Params(false, true)]
    public bool Recording { get; set; }

    /// <summary>Builds and warms the machine (slot pools, caches, JIT).</summary>
    [GlobalSetup]
    public void Setup()
    {
        Scenario s = BuiltInScenarios.PassthroughIts;
        _recorder = Recording ? RunTraceRecorder.Create(Stream.Null, s, "bench") : null;
        _machine = MachineBuilder.Build(s, null, _recorder);
        _machine.Start();
        _machine.RunTransactions(N);
    }

    /// <summary>Closes the recorder.</summary>
    [GlobalCleanup]
    public void Cleanup() => _recorder?.Dispose();

    /// <summary>100 000 DMA transactions of the default scenario.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public long DefaultScenarioTransaction() => _machine.RunTransactions(N);
}
