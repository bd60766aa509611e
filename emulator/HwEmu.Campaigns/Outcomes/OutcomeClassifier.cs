using System.Globalization;

namespace HwEmu.Campaigns;

/// <summary>The verdict on one run.</summary>
/// <param name="Outcome">Class.</param>
/// <param name="DetectionLatencyPs">Injection to first detection, for <see cref="Outcome.Detected"/>; -1 otherwise.</param>
/// <param name="Detail">What differed or what detected it.</param>
public readonly record struct Classification(Outcome Outcome, long DetectionLatencyPs, string Detail);

/// <summary>
/// Compares a faulty run's observations with the golden run's. The earliest divergence (DMA or interrupt) decides
/// the class unless a detection happened no later than it: an error counts as detected only if it was caught
/// before anything escaped. DMAs are matched by (step, device, access number), interrupts per step.
/// </summary>
public static class OutcomeClassifier
{
    /// <summary>Classifies <paramref name="faulty"/> against <paramref name="golden"/>.</summary>
    public static Classification Classify(RunObservation golden, RunObservation faulty)
    {
        if (faulty.Exception != null) return new(Outcome.EmulatorError, -1, faulty.Exception);
        if (faulty.Hang) return new(Outcome.Hang, -1, string.Create(CultureInfo.InvariantCulture, $"no progress by {faulty.HangTimePs / 1000} ns (step {faulty.StepsCompleted})"));

        ulong divTime = ulong.MaxValue;
        Outcome divClass = Outcome.Masked;
        string divDetail = "";
        void Diverge(ulong t, Outcome o, string detail)
        {
            if (t < divTime || (t == divTime && o < divClass))
            {
                divTime = t;
                divClass = o;
                divDetail = detail;
            }
        }

        if (golden.MatchByAddress) CompareByAddress(golden, faulty, Diverge);
        else CompareByPosition(golden, faulty, Diverge);

        CompareInterrupts(golden, faulty, Diverge);

        ulong detTime = ulong.MaxValue;
        Detection first = default;
        foreach (var d in faulty.Detections)
            if (d.TimePs < detTime) { detTime = d.TimePs; first = d; }

        if (detTime != ulong.MaxValue && detTime <= divTime)
        {
            long latency = faulty.InjectedPs == ulong.MaxValue ? 0 : (long)(detTime - Math.Min(detTime, faulty.InjectedPs));
            return new(Outcome.Detected, latency, Describe(first, faulty.EventsLost));
        }
        if (divTime != ulong.MaxValue) return new(divClass, -1, divDetail);
        return new(Outcome.Masked, -1, faulty.InjectedPs == ulong.MaxValue ? "not activated" : "");
    }

    private static void CompareByAddress(RunObservation golden, RunObservation faulty, Action<ulong, Outcome, string> diverge)
    {
        // Translation is a function of (requester, IOVA page): a different PA page or status for a page the golden
        // run also accessed is a divergence whatever the order of the accesses.
        ulong until = Math.Min(golden.CompareUntilPs, faulty.CompareUntilPs);
        var pages = golden.PageIndex;
        foreach (var f in faulty.Dma)
        {
            if (f.TimePs > until || (f.Pa == 0 && f.Status == DmaStatus.Ok)) continue;
            if (pages.TryGetValue((f.Device, f.Iova >> 12), out var g))
            {
                if (f.Status != g.Status || (f.Status == DmaStatus.Ok && f.Pa >> 12 != g.PaPage))
                    diverge(f.TimePs, Outcome.SilentDataCorruption, string.Create(CultureInfo.InvariantCulture,
                        $"requester {f.Device} {(f.Write ? "write" : "read")} IOVA 0x{f.Iova:x}: {(f.Status != g.Status ? $"{Name(g.Status)} became {Name(f.Status)}" : $"page 0x{g.PaPage << 12:x} became PA 0x{f.Pa:x}")}"));
            }
            else if (f.Seq != 0 && f.Status == DmaStatus.Ok)
                diverge(f.TimePs, Outcome.SilentDataCorruption, string.Create(CultureInfo.InvariantCulture, $"requester {f.Device}: extra write reached PA 0x{f.Pa:x}"));
        }
    }

    private static void CompareByPosition(RunObservation golden, RunObservation faulty, Action<ulong, Outcome, string> diverge)
    {
        // DMA: same key, same landing place, data and status.
        var goldenDma = golden.DmaIndex;
        var seen = new HashSet<(int, int, int)>();
        foreach (var f in faulty.Dma)
        {
            var key = (f.Step, f.Device, f.Seq);
            seen.Add(key);
            if (!goldenDma.TryGetValue(key, out var g))
            {
                if (f.Status == DmaStatus.Ok)
                    diverge(f.TimePs, Outcome.SilentDataCorruption, string.Create(CultureInfo.InvariantCulture, $"device {f.Device} step {f.Step}: extra {(f.Write ? "write" : "read")} reached PA 0x{f.Pa:x}"));
                continue;
            }
            if (f.Status != g.Status || f.Pa != g.Pa || f.DataHash != g.DataHash)
            {
                string what = f.Status != g.Status ? $"{Name(g.Status)} became {Name(f.Status)}"
                    : f.Pa != g.Pa ? string.Create(CultureInfo.InvariantCulture, $"PA 0x{g.Pa:x} became 0x{f.Pa:x}") : "other data";
                diverge(f.TimePs, Outcome.SilentDataCorruption, string.Create(CultureInfo.InvariantCulture, $"device {f.Device} step {f.Step} {(f.Write ? "write" : "read")} IOVA 0x{f.Iova:x}: {what}"));
            }
        }
        foreach (var g in golden.Dma)
            if (!seen.Contains((g.Step, g.Device, g.Seq)))
                diverge(g.TimePs, Outcome.SilentDataCorruption, string.Create(CultureInfo.InvariantCulture, $"device {g.Device} step {g.Step}: access {g.Seq} missing"));
    }

    private static void CompareInterruptCounts(RunObservation golden, RunObservation faulty, Action<ulong, Outcome, string> diverge)
    {
        // Scenario targets: the order and the exact times of interrupts shift with timing, their number per INTID
        // does not (up to the cut-off). More deliveries of an INTID than in the golden run are spurious — misrouted
        // when one was written by a requester that does not own the vector; fewer are lost.
        ulong until = Math.Min(golden.CompareUntilPs, faulty.CompareUntilPs);
        var counts = new SortedDictionary<uint, int>();
        foreach (var i in golden.Interrupts) if (i.TimePs <= until) counts[i.IntId] = counts.GetValueOrDefault(i.IntId) - 1;
        var firstCross = new Dictionary<uint, InterruptObservation>();
        var lastSeen = new Dictionary<uint, InterruptObservation>();
        foreach (var i in faulty.Interrupts)
        {
            if (i.TimePs > until) continue;
            counts[i.IntId] = counts.GetValueOrDefault(i.IntId) + 1;
            if (i.Owner >= 0 && i.Writer >= 0 && i.Owner != i.Writer) firstCross.TryAdd(i.IntId, i);
            lastSeen[i.IntId] = i;
        }
        foreach (var (intId, diff) in counts)
        {
            if (diff > 0 && firstCross.TryGetValue(intId, out var x))
                diverge(x.TimePs, Outcome.InterruptMisrouted, string.Create(CultureInfo.InvariantCulture,
                    $"INTID {intId} on CPU {x.Cpu} written by requester {x.Writer}, vector of requester {x.Owner}"));
            else if (diff > 0)
                diverge(lastSeen[intId].TimePs, Outcome.InterruptSpurious, string.Create(CultureInfo.InvariantCulture, $"{diff} extra INTID {intId} (requester {lastSeen[intId].Owner}'s vector)"));
            else if (diff < 0)
                diverge(until, Outcome.InterruptLost, string.Create(CultureInfo.InvariantCulture, $"{-diff} INTID {intId} not delivered"));
        }
    }

    private static void CompareInterrupts(RunObservation golden, RunObservation faulty, Action<ulong, Outcome, string> diverge)
    {
        if (golden.MatchByAddress)
        {
            CompareInterruptCounts(golden, faulty, diverge);
            return;
        }
        var byStep = new SortedDictionary<int, (List<InterruptObservation> G, List<InterruptObservation> F)>();
        foreach (var i in golden.Interrupts) Slot(byStep, i.Step).G.Add(i);
        foreach (var i in faulty.Interrupts) Slot(byStep, i.Step).F.Add(i);
        foreach (var (step, (g, f)) in byStep)
        {
            var missing = new List<InterruptObservation>(g);
            var extra = new List<InterruptObservation>();
            foreach (var x in f)
            {
                int m = missing.FindIndex(y => y.IntId == x.IntId && y.Cpu == x.Cpu);
                if (m >= 0) missing.RemoveAt(m); else extra.Add(x);
            }
            if (missing.Count == 0 && extra.Count == 0) continue;
            ulong t = ulong.MaxValue;
            foreach (var x in missing) t = Math.Min(t, x.TimePs);
            foreach (var x in extra) t = Math.Min(t, x.TimePs);
            var cross = extra.FindIndex(x => x.Owner >= 0 && x.Writer >= 0 && x.Owner != x.Writer);
            if (cross >= 0 || (missing.Count > 0 && extra.Count > 0))
            {
                var x = cross >= 0 ? extra[cross] : extra[0];
                diverge(t, Outcome.InterruptMisrouted, string.Create(CultureInfo.InvariantCulture,
                    $"step {step}: INTID {x.IntId} on CPU {x.Cpu} written by device {x.Writer}, vector of device {x.Owner}"));
            }
            else if (extra.Count > 0)
                diverge(t, Outcome.InterruptSpurious, string.Create(CultureInfo.InvariantCulture, $"step {step}: extra INTID {extra[0].IntId} (device {extra[0].Owner}'s own vector)"));
            else
                diverge(t, Outcome.InterruptLost, string.Create(CultureInfo.InvariantCulture, $"step {step}: INTID {missing[0].IntId} not delivered"));
        }
    }

    private static (List<InterruptObservation> G, List<InterruptObservation> F) Slot(
        SortedDictionary<int, (List<InterruptObservation> G, List<InterruptObservation> F)> map, int step)
    {
        if (!map.TryGetValue(step, out var s)) map[step] = s = (new(), new());
        return s;
    }

    private static string Name(DmaStatus s) => s switch
    {
        DmaStatus.Ok => "ok",
        DmaStatus.SmmuAbort => "SMMU abort",
        DmaStatus.CompletionError => "completion error",
        DmaStatus.Poisoned => "poisoned",
        _ => "not issued",
    };

    /// <summary>Human description of a detection.</summary>
    public static string Describe(in Detection d, long eventsLost = 0)
    {
        string s = d.Kind switch
        {
            DetectionKind.SmmuEvent => "SMMU " + EventName(d.Code),
            DetectionKind.SmmuEventLost => "SMMU event queue overflow (" + EventName(d.Code) + " lost)",
            DetectionKind.SmmuGerror => "SMMU GERROR.CMDQ_ERR " + (d.Code switch { 1 => "CERROR_ILL", 2 => "CERROR_ABT", 3 => "CERROR_ATC_INV_SYNC", _ => "CERROR_NONE" }),
            DetectionKind.ItsDrop => "ITS dropped the MSI: " + ((HwEmu.Devices.Gic.ItsTranslationResult)d.Code),
            DetectionKind.ItsCommandError => "ITS command error " + d.Code.ToString(CultureInfo.InvariantCulture),
            DetectionKind.PcieAer => "PCIe AER: " + ((CompletionStatus)d.Code switch { CompletionStatus.Ur => "Unsupported Request", CompletionStatus.Ca => "Completer Abort", _ => "Poisoned TLP" }),
            _ => "CMD_SYNC timeout",
        };
        return eventsLost > 0 ? string.Create(CultureInfo.InvariantCulture, $"{s}; {eventsLost} events lost to overflow") : s;
    }

    private static string EventName(uint code) => ((HwEmu.Devices.Smmu.SmmuEventType)code) switch
    {
        HwEmu.Devices.Smmu.SmmuEventType.FTranslation => "F_TRANSLATION",
        HwEmu.Devices.Smmu.SmmuEventType.FPermission => "F_PERMISSION",
        HwEmu.Devices.Smmu.SmmuEventType.FAccess => "F_ACCESS",
        HwEmu.Devices.Smmu.SmmuEventType.FAddrSize => "F_ADDR_SIZE",
        HwEmu.Devices.Smmu.SmmuEventType.CBadSte => "C_BAD_STE",
        HwEmu.Devices.Smmu.SmmuEventType.CBadCd => "C_BAD_CD",
        HwEmu.Devices.Smmu.SmmuEventType.FWalkEabt => "F_WALK_EABT",
        HwEmu.Devices.Smmu.SmmuEventType.FCdFetch => "F_CD_FETCH",
        HwEmu.Devices.Smmu.SmmuEventType.FSteFetch => "F_STE_FETCH",
        HwEmu.Devices.Smmu.SmmuEventType.CBadStreamId => "C_BAD_STREAMID",
        HwEmu.Devices.Smmu.SmmuEventType.FStreamDisabled => "F_STREAM_DISABLED",
        HwEmu.Devices.Smmu.SmmuEventType.FTranslForbidden => "F_TRANSL_FORBIDDEN",
        var t => "event 0x" + ((uint)t).ToString("x2", CultureInfo.InvariantCulture),
    };
}
