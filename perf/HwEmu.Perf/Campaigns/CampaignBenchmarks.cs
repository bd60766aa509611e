using BenchmarkDotNet.Attributes;
using HwEmu.Campaigns;

namespace HwEmu.Perf.Campaigns;

/// <summary>
/// Cost of one campaign run (machine build + boot + 64 steps + classification) and campaign throughput with 1 and
/// 2 workers (runs/s = 64 / mean for the pool benchmarks). Run:
/// <c>dotnet run -c Release --project perf/HwEmu.Perf -- --filter '*CampaignBenchmarks*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class CampaignBenchmarks
{
    private const int PoolRuns = 64;
    private Campaign _campaign = null!;
    private CampaignRunner _runner = null!;

    /// <summary>Workers of the pool benchmark.</summary>
    [Params(1, 2)]
    public int Workers { get; set; }

    /// <summary>Loads a campaign with a mix of fault models and does the golden run.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _campaign = CampaignLoader.Parse("""
            { "name": "bench", "seed": 1, "runs": 16,
              "faults": [ { "model": "drop-command", "command": "tlbi", "when": { "nth": [0, 59], "of": "command" } },
                          { "model": "rogue-msi", "device": [0, 1] },
                          { "model": "bitflip", "structure": "pte", "device": [0, 1] },
                          { "model": "dma-outside", "region": "unmapped" } ] }
            """, "bench.json");
        _runner = new CampaignRunner(_campaign);
    }

    /// <summary>One faulty run, classified.</summary>
    [Benchmark]
    public RunRecord OneRun() => _runner.RunOne(0);

    /// <summary>The golden (fault-free) run alone, without classification.</summary>
    [Benchmark]
    public RunObservation GoldenRun() => CampaignRunner.Execute(_campaign.Faults[0].Machine, null);

    /// <summary>All 64 runs through the Channels worker pool.</summary>
    [Benchmark(OperationsPerInvoke = PoolRuns)]
    public RunRecord[] Pool() => _runner.Run(Workers, Shard.All);
}
