using HwEmu.Devices.Gic;
using HwEmu.Devices.Smmu;
using HwEmu.Emulator.Kernel;
using HwEmu.Traces;

namespace HwEmu.Cli.Commands;

/// <summary>The short benchmarks <c>hwemu bench</c> runs, one per hot path.</summary>
public static class QuickBenchmarkRegistry
{
    /// <summary>A benchmark: its name and a function running it at a scale (1 = quick) returning (name, ops, seconds).</summary>
    public sealed record Entry(string Name, Func<int, (string Name, long Operations, double Seconds)> Run);

    /// <summary>Every benchmark, in the order they are printed.</summary>
    public static IReadOnlyList<Entry> All { get; } =
    [
        Kernel("kernel.events.pending1", s => QuickBenchmarks.EventDispatch(1)),
        Kernel("kernel.events.pending1000", s => QuickBenchmarks.EventDispatch(1000)),
        Kernel("kernel.events.pending1000000", s => QuickBenchmarks.EventDispatch(1_000_000)),
        Kernel("memory.read64.hot", s => QuickBenchmarks.MemoryRead64Hot()),
        Kernel("memory.read64.random1m", s => QuickBenchmarks.MemoryRead64Random()),
        new("smmu.translate.tlbhit", s => SmmuQuickBenchmarks.TlbHit(5_000_000L * s)),
        new("smmu.translate.fullwalk", s => SmmuQuickBenchmarks.FullWalk(1_000_000L * s)),
        new("its.translate.warm", s => GicQuickBenchmarks.ItsTranslateWarm(0.5 * s)),
        new("its.translate.cold", s => GicQuickBenchmarks.ItsTranslateCold(0.5 * s)),
        new("gicv2m.setspi", s => GicQuickBenchmarks.GicV2mSetSpi(0.5 * s)),
        new("trace.encode.translation", s => TraceQuickBenchmarks.EncodeTranslation(0.5 * s)),
        new("trace.decode.translation", s => TraceQuickBenchmarks.DecodeTranslation(0.5 * s)),
    ];

    // A longer run is several quick runs summed: each quick run is self-contained and warms up on its own.
    private static Entry Kernel(string name, Func<int, BenchmarkResult> run) => new(name, scale =>
    {
        long ops = 0;
        double seconds = 0;
        for (int i = 0; i < scale; i++)
        {
            var r = run(scale);
            ops += r.Operations;
            seconds += r.Seconds;
        }
        return (name, ops, seconds);
    });
}
