namespace HwEmu.Campaigns;

/// <summary>Everything the classifier compares for one run.</summary>
public sealed class RunObservation
{
    /// <summary>Device accesses, in issue order.</summary>
    public List<DmaObservation> Dma { get; } = new(256);
    /// <summary>Interrupts, in delivery order.</summary>
    public List<InterruptObservation> Interrupts { get; } = new(128);
    /// <summary>Detections, in time order of recording.</summary>
    public List<Detection> Detections { get; } = new(8);
    /// <summary>A step did not complete within the hang bound.</summary>
    public bool Hang { get; set; }
    /// <summary>When the hang was declared.</summary>
    public ulong HangTimePs { get; set; }
    /// <summary>An exception escaped the models (an emulator bug).</summary>
    public string? Exception { get; set; }
    /// <summary>Time the fault was applied (ulong.MaxValue when never activated).</summary>
    public ulong InjectedPs { get; set; } = ulong.MaxValue;
    /// <summary>Steps completed.</summary>
    public int StepsCompleted { get; set; }
    /// <summary>SMMU event records lost to overflow.</summary>
    public long EventsLost { get; set; }

    /// <summary>
    /// Compare DMAs by (requester, IOVA page) instead of by position, and only up to <see cref="CompareUntilPs"/>:
    /// for scenario targets, whose transaction order and count shift with timing.
    /// </summary>
    public bool MatchByAddress { get; set; }

    /// <summary>With <see cref="MatchByAddress"/>: observations after this time are not compared (end of run minus the hang bound).</summary>
    public ulong CompareUntilPs { get; set; } = ulong.MaxValue;

    private Dictionary<(int, ulong), (ulong PaPage, DmaStatus Status)>? _pageIndex;

    /// <summary>(requester, IOVA page) → (PA page, status) of the first access, for <see cref="MatchByAddress"/>.</summary>
    public IReadOnlyDictionary<(int Device, ulong IovaPage), (ulong PaPage, DmaStatus Status)> PageIndex => _pageIndex ?? BuildPageIndex();

    private Dictionary<(int, ulong), (ulong, DmaStatus)> BuildPageIndex()
    {
        var d = new Dictionary<(int, ulong), (ulong, DmaStatus)>();
        foreach (var g in Dma)
            if (g.Seq == 0 && (g.Pa != 0 || g.Status != DmaStatus.Ok)) d.TryAdd((g.Device, g.Iova >> 12), (g.Pa >> 12, g.Status));
        return _pageIndex = d;
    }

    private Dictionary<(int, int, int), DmaObservation>? _dmaIndex;

    /// <summary>
    /// The DMA observations by (step, device, access number). Built once and then read-only, so a golden run is
    /// indexed once and shared by all workers (<see cref="Freeze"/> builds it before the workers start).
    /// </summary>
    public IReadOnlyDictionary<(int Step, int Device, int Seq), DmaObservation> DmaIndex => _dmaIndex ?? BuildIndex();

    /// <summary>Builds <see cref="DmaIndex"/> now (call before sharing the observation between threads).</summary>
    public void Freeze()
    {
        BuildIndex();
        if (MatchByAddress) BuildPageIndex();
    }

    private Dictionary<(int, int, int), DmaObservation> BuildIndex()
    {
        var d = new Dictionary<(int, int, int), DmaObservation>(Dma.Count);
        foreach (var g in Dma) d[(g.Step, g.Device, g.Seq)] = g;
        return _dmaIndex = d;
    }
}
