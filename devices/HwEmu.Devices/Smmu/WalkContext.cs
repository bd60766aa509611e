using System.Runtime.CompilerServices;

namespace HwEmu.Devices.Smmu;

/// <summary>Sizes of the memory fetches of one translation, in order (inline, no allocation).</summary>
[InlineArray(Capacity)]
internal struct FetchLog
{
    public const int Capacity = 48;
    private byte _element;
}

/// <summary>
/// Per-translation scratch state (lives on the stack): the memory fetches made, walk-cache probes and the fault
/// detail if one occurs. The timing layer replays the fetch log against a memory timing model.
/// </summary>
internal struct WalkContext
{
    public FetchLog FetchSizes;
    public int Fetches;
    public int WalkCacheProbes;
    public int WalkCacheHitLevel;
    public bool Walked;
    public bool TlbLooked;
    public int ConfigFetches;
    public SmmuEventType Fault;
    public bool FaultStage2;
    public SmmuEventClass FaultClass;
    public ulong FaultAddress2;

    /// <summary>Initialises every field except the fetch log (so the struct can be left unzeroed on the stack).</summary>
    public void Init()
    {
        Fetches = 0;
        WalkCacheProbes = 0;
        WalkCacheHitLevel = -1;
        Walked = false;
        TlbLooked = false;
        ConfigFetches = 0;
        Fault = SmmuEventType.None;
        FaultStage2 = false;
        FaultClass = SmmuEventClass.Cd;
        FaultAddress2 = 0;
    }

    public void AddFetch(int bytes)
    {
        if (Fetches < FetchLog.Capacity) FetchSizes[Fetches] = (byte)bytes;
        Fetches++;
    }

    public bool SetFault(SmmuEventType type, bool stage2, SmmuEventClass cls, ulong address2)
    {
        Fault = type;
        FaultStage2 = stage2;
        FaultClass = cls;
        FaultAddress2 = address2;
        return false;
    }
}
