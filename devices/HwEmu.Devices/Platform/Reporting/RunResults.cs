namespace HwEmu.Devices.Platform.Reporting;

/// <summary>
/// Everything one <c>hwemu run</c> measured. Components keep references to the per-device / per-interrupt objects
/// they update (looked up once at wiring time), so recording on the hot path is a field increment.
/// All collections are enumerated in a stable order (devices by insertion, faults by ordinal name, interrupts by
/// INTID then CPU) so the writers are deterministic.
/// </summary>
public sealed class RunResults
{
    private readonly List<DeviceResults> _devices = [];
    private readonly SortedDictionary<string, long> _faults = new(StringComparer.Ordinal);
    private readonly SortedDictionary<(uint Intid, int Cpu), InterruptResults> _interrupts = [];
    private readonly List<TimeSample> _samples = [];

    /// <summary>Creates empty results for scenario <paramref name="scenarioName"/>.</summary>
    /// <param name="scenarioName">Scenario name (printed in every output).</param>
    /// <param name="seed">Run seed.</param>
    /// <param name="smmuClockHz">Clock of the SMMU, used to express translation latency in cycles.</param>
    public RunResults(string scenarioName, ulong seed, ulong smmuClockHz)
    {
        ArgumentNullException.ThrowIfNull(scenarioName);
        if (smmuClockHz == 0) throw new ArgumentOutOfRangeException(nameof(smmuClockHz), "clock must be positive");
        ScenarioName = scenarioName;
        Seed = seed;
        SmmuClockHz = smmuClockHz;
    }

    /// <summary>Scenario name.</summary>
    public string ScenarioName { get; }

    /// <summary>Run seed.</summary>
    public ulong Seed { get; }

    /// <summary>SMMU clock in Hz (cycle conversions).</summary>
    public ulong SmmuClockHz { get; }

    /// <summary>Simulated time covered by the run, in picoseconds.</summary>
    public ulong SimulatedPs { get; set; }

    /// <summary>Interval between <see cref="Samples"/>, in picoseconds (0 = no time series).</summary>
    public ulong SampleIntervalPs { get; set; }

    /// <summary>Latency of every translation (TLB lookup to result), picoseconds.</summary>
    public LatencyHistogram TranslationLatency { get; } = new();

    /// <summary>Translation-cache and walk counters.</summary>
    public TranslationCounters Translation { get; } = new();

    /// <summary>Requests routed to a peer BAR inside a switch (never reached the SMMU), all devices.</summary>
    public long P2pBypasses { get; set; }

    /// <summary>MSIs that bypassed the SMMU because the MSI controller is upstream in the host bridge.</summary>
    public long MsiBypasses { get; set; }

    /// <summary>Per-device results in insertion order.</summary>
    public IReadOnlyList<DeviceResults> Devices => _devices;

    /// <summary>Faults by type name (e.g. "C_BAD_STE", "F_TRANSLATION"), ordinal order.</summary>
    public IReadOnlyDictionary<string, long> Faults => _faults;

    /// <summary>Interrupt delivery results, ordered by INTID then CPU.</summary>
    public IEnumerable<InterruptResults> Interrupts => _interrupts.Values;

    /// <summary>Time series sampled every <see cref="SampleIntervalPs"/>.</summary>
    public IReadOnlyList<TimeSample> Samples => _samples;

    /// <summary>The results of device <paramref name="name"/>, created on first use.</summary>
    public DeviceResults Device(string name, string bdf = "")
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (DeviceResults d in _devices)
            if (d.Name == name) return d;
        var created = new DeviceResults(name, bdf);
        _devices.Add(created);
        return created;
    }

    /// <summary>The results of interrupt <paramref name="intid"/> delivered to <paramref name="cpu"/>, created on first use.</summary>
    public InterruptResults Interrupt(uint intid, int cpu)
    {
        if (!_interrupts.TryGetValue((intid, cpu), out InterruptResults? r))
        {
            r = new InterruptResults(intid, cpu);
            _interrupts.Add((intid, cpu), r);
        }
        return r;
    }

    /// <summary>Counts <paramref name="count"/> faults of type <paramref name="type"/>.</summary>
    public void CountFault(string type, long count = 1)
    {
        ArgumentNullException.ThrowIfNull(type);
        _faults[type] = _faults.GetValueOrDefault(type) + count;
    }

    /// <summary>Appends one time-series sample (samples must be added in time order).</summary>
    public void AddSample(TimeSample sample)
    {
        if (_samples.Count > 0 && sample.TimePs < _samples[^1].TimePs)
            throw new ArgumentException($"sample at {sample.TimePs} ps is before the previous one at {_samples[^1].TimePs} ps", nameof(sample));
        _samples.Add(sample);
    }

    /// <summary>Total faults of every type.</summary>
    public long TotalFaults
    {
        get
        {
            long n = 0;
            foreach (long v in _faults.Values) n += v;
            return n;
        }
    }

    /// <summary>Converts picoseconds to SMMU cycles (rounded down).</summary>
    public ulong ToCycles(ulong ps) => (ulong)((UInt128)ps * SmmuClockHz / 1_000_000_000_000UL);

    /// <summary>Simulated seconds (0 if no time elapsed).</summary>
    public double SimulatedSeconds => SimulatedPs / 1e12;

    /// <summary>Translation walks per simulated second.</summary>
    public double WalksPerSecond => SimulatedPs == 0 ? 0 : Translation.Walks / SimulatedSeconds;
}

/// <summary>Translation-cache counters of the SMMU.</summary>
public sealed class TranslationCounters
{
    /// <summary>Translations requested.</summary>
    public long Translations { get; set; }
    /// <summary>TLB lookups that hit.</summary>
    public long TlbHits { get; set; }
    /// <summary>TLB lookups that missed.</summary>
    public long TlbMisses { get; set; }
    /// <summary>Walk-cache lookups that hit.</summary>
    public long WalkCacheHits { get; set; }
    /// <summary>Walk-cache lookups that missed.</summary>
    public long WalkCacheMisses { get; set; }
    /// <summary>Configuration-cache (STE/CD) lookups that hit.</summary>
    public long ConfigCacheHits { get; set; }
    /// <summary>Configuration-cache lookups that missed.</summary>
    public long ConfigCacheMisses { get; set; }
    /// <summary>Table walks performed.</summary>
    public long Walks { get; set; }
    /// <summary>Descriptor reads issued by walks.</summary>
    public long WalkReads { get; set; }
    /// <summary>Invalidation commands executed.</summary>
    public long Invalidations { get; set; }

    /// <summary>TLB hit rate in [0, 1] (0 without lookups).</summary>
    public double TlbHitRate => Rate(TlbHits, TlbMisses);
    /// <summary>Walk-cache hit rate in [0, 1].</summary>
    public double WalkCacheHitRate => Rate(WalkCacheHits, WalkCacheMisses);
    /// <summary>Configuration-cache hit rate in [0, 1].</summary>
    public double ConfigCacheHitRate => Rate(ConfigCacheHits, ConfigCacheMisses);

    internal static double Rate(long hits, long misses) => hits + misses == 0 ? 0 : (double)hits / (hits + misses);
}

/// <summary>What one endpoint moved.</summary>
public sealed class DeviceResults
{
    internal DeviceResults(string name, string bdf)
    {
        Name = name;
        Bdf = bdf;
    }

    /// <summary>Device name from the scenario.</summary>
    public string Name { get; }
    /// <summary>Bus:device.function, e.g. "01:00.0".</summary>
    public string Bdf { get; }
    /// <summary>Completed read transactions (DMA reads of host memory).</summary>
    public long Reads { get; set; }
    /// <summary>Completed write transactions.</summary>
    public long Writes { get; set; }
    /// <summary>Bytes read.</summary>
    public long ReadBytes { get; set; }
    /// <summary>Bytes written.</summary>
    public long WriteBytes { get; set; }
    /// <summary>Transactions that ended with a fault / error completion.</summary>
    public long Errors { get; set; }
    /// <summary>Requests of this device routed peer-to-peer.</summary>
    public long P2pBypasses { get; set; }
    /// <summary>I/O operations completed (an NVMe command, a received packet; equals transactions for a DMA engine).</summary>
    public long Operations { get; set; }
    /// <summary>End-to-end latency of each transaction (issue to completion), picoseconds.</summary>
    public LatencyHistogram Latency { get; } = new();

    /// <summary>Records one completed transaction.</summary>
    public void RecordTransaction(bool write, int bytes, ulong latencyPs)
    {
        if (write) { Writes++; WriteBytes += bytes; }
        else { Reads++; ReadBytes += bytes; }
        Latency.Record(latencyPs);
    }

    /// <summary>Reads plus writes.</summary>
    public long Transactions => Reads + Writes;
    /// <summary>Bytes read plus written.</summary>
    public long Bytes => ReadBytes + WriteBytes;

    /// <summary>Throughput in GB/s (10^9 bytes per second) over <paramref name="simulatedPs"/>.</summary>
    public double GigabytesPerSecond(ulong simulatedPs) => simulatedPs == 0 ? 0 : Bytes / (simulatedPs / 1e12) / 1e9;

    /// <summary>Operations per second over <paramref name="simulatedPs"/> (transactions when no operations were counted).</summary>
    public double Iops(ulong simulatedPs) => simulatedPs == 0 ? 0 : (Operations != 0 ? Operations : Transactions) / (simulatedPs / 1e12);
}

/// <summary>Interrupts of one INTID delivered to one CPU.</summary>
public sealed class InterruptResults
{
    internal InterruptResults(uint intid, int cpu)
    {
        Intid = intid;
        Cpu = cpu;
    }

    /// <summary>GIC interrupt ID (LPI ≥ 8192, SPI 32..1019).</summary>
    public uint Intid { get; }
    /// <summary>Target CPU number.</summary>
    public int Cpu { get; }
    /// <summary>Delivered interrupts.</summary>
    public long Count => DeliveryLatency.Count;
    /// <summary>MSI write issued by the endpoint to interrupt pending at the CPU interface, picoseconds.</summary>
    public LatencyHistogram DeliveryLatency { get; } = new();
}

/// <summary>Counters accumulated over one sampling interval ending at <see cref="TimePs"/>.</summary>
/// <param name="TimePs">End of the interval, picoseconds.</param>
/// <param name="Bytes">Bytes moved by all devices in the interval.</param>
/// <param name="Transactions">Transactions completed in the interval.</param>
/// <param name="TlbHits">TLB hits in the interval.</param>
/// <param name="TlbLookups">TLB lookups in the interval.</param>
/// <param name="QueueDepth">Outstanding transactions at the sample instant.</param>
public readonly record struct TimeSample(ulong TimePs, long Bytes, long Transactions, long TlbHits, long TlbLookups, int QueueDepth)
{
    /// <summary>TLB hit rate over the interval in [0, 1].</summary>
    public double TlbHitRate => TlbLookups == 0 ? 0 : (double)TlbHits / TlbLookups;
}
