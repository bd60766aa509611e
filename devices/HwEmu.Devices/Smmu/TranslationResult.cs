namespace HwEmu.Devices.Smmu;

/// <summary>Outcome of a translation.</summary>
public enum TranslationStatus : byte
{
    /// <summary>Translated: use <see cref="TranslationResult.OutputAddress"/>.</summary>
    Ok,
    /// <summary>Passed through untranslated (SMMU disabled with GBPA bypass, or STE bypass).</summary>
    Bypass,
    /// <summary>Terminated by a fault (an event may have been recorded).</summary>
    Fault,
    /// <summary>Aborted by configuration without an event (STE.Config = abort, GBPA.ABORT).</summary>
    Abort,
}

/// <summary>What produced the answer.</summary>
public enum TranslationSource : byte
{
    /// <summary>SMMU disabled: GBPA decided.</summary>
    Gbpa,
    /// <summary>Configuration only (bypass/abort STE), found in the config cache.</summary>
    ConfigCache,
    /// <summary>Configuration only (bypass/abort STE), fetched from memory.</summary>
    ConfigFetch,
    /// <summary>TLB hit.</summary>
    Tlb,
    /// <summary>Walk started below the root thanks to a walk-cache hit (see <see cref="TranslationResult.WalkCacheLevel"/>).</summary>
    WalkCache,
    /// <summary>Full walk from the root table.</summary>
    FullWalk,
    /// <summary>The translation faulted.</summary>
    Fault,
}

/// <summary>Everything the SMMU says about one translation.</summary>
public struct TranslationResult
{
    /// <summary>Outcome.</summary>
    public TranslationStatus Status;
    /// <summary>Output physical address (valid for Ok and Bypass).</summary>
    public ulong OutputAddress;
    /// <summary>Effective permissions of the page (stage 1 ∩ stage 2).</summary>
    public SmmuPermissions Permissions;
    /// <summary>What served the translation.</summary>
    public TranslationSource Source;
    /// <summary>Configuration came from the config cache.</summary>
    public bool ConfigCacheHit;
    /// <summary>Level of the walk-cache entry the walk started from, or -1.</summary>
    public int WalkCacheLevel;
    /// <summary>Memory reads made (STE/CD and descriptors).</summary>
    public int DescriptorFetches;
    /// <summary>log2 of the page/block size that translated the address (0 when none).</summary>
    public int PageSizeLog2;
    /// <summary>Latency in SMMU clock cycles from arrival to the translated request leaving the SMMU.</summary>
    public ulong LatencyCycles;
    /// <summary>Cycles spent waiting for a translation or walk slot (timed mode).</summary>
    public ulong QueueCycles;
    /// <summary>Completion time in picoseconds (timed mode; 0 for functional-only calls).</summary>
    public ulong CompletionTimePs;
    /// <summary>The fault (Type = None when there was none).</summary>
    public SmmuEventRecord Event;
    /// <summary>The fault was written to the event queue (false if suppressed by CD.R/STE.S2R, queue off or full).</summary>
    public bool EventRecorded;
    /// <summary>Fault terminated as RAZ/WI (CD.A = 0) rather than with an abort.</summary>
    public bool RazWi;

    /// <summary>True when the transaction may proceed (Ok or Bypass).</summary>
    public readonly bool Succeeded => Status is TranslationStatus.Ok or TranslationStatus.Bypass;
}
