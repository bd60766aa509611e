using System.Globalization;
using HwEmu.Devices.Gic;
using HwEmu.Devices.Platform.Reporting;
using HwEmu.Devices.Smmu;
using HwEmu.Emulator.Bus;
using HwEmu.Traces.Format;

namespace HwEmu.Traces.Replay;

/// <summary>
/// Re-executes a trace's stimulus through the models in record order at the recorded times: memory writes into
/// guest memory, register writes through the bus (which makes the SMMU and ITS consume the commands placed in
/// their queues), every DMA through the SMMU's timed translation (so latencies, cache statistics and the summary are
/// recomputed) and every MSI write through the bus to its doorbell with the DeviceID side-band. Each recomputed
/// translation is compared with the recorded one (same output address and read/write permission, or a fault of
/// the same event type) and each MSI with the recorded delivery (same INTID and CPU, or dropped). Single-threaded
/// and deterministic; nothing is allocated per step except for a listed mismatch.
/// </summary>
public sealed class ReplayEngine : IGicObserver
{
    private readonly ReplayScript _script;
    private readonly ReplayMachine _machine;
    private readonly RunResults _results;
    private readonly ReplayResult _result;
    private MsiTranslation _lastMsi;
    private bool _msiSeen;

    private ReplayEngine(ReplayScript script, ReplayMachine machine, string name)
    {
        _script = script;
        _machine = machine;
        _results = new RunResults(name, script.Header.Seed, machine.Smmu.Config.Timing.ClockHz);
        _result = new ReplayResult(_results, machine.Platform) { Truncated = script.Truncated };
    }

    /// <summary>Replays <paramref name="script"/> on <paramref name="machine"/> (a fresh machine per replay).</summary>
    /// <param name="script">The loaded trace.</param>
    /// <param name="machine">The machine, usually <see cref="ReplayMachine.Build"/> of the trace's platform.</param>
    /// <param name="name">Name printed in the summary.</param>
    public static ReplayResult Run(ReplayScript script, ReplayMachine machine, string name = "replay")
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(machine);
        var engine = new ReplayEngine(script, machine, name);
        machine.Gic.Observer = engine;
        try
        {
            engine.Execute();
        }
        finally
        {
            machine.Gic.Observer = null;
        }
        return engine._result;
    }

    private void Execute()
    {
        var m = _machine;
        ulong now = 0;
        foreach (ref readonly ReplayStep s in _script.Steps)
        {
            if (s.Time < now) _result.TimeReversals++;
            else now = s.Time;
            switch (s.Kind)
            {
                case StepKind.Memory:
                    m.Memory.Write(s.Address, _script.Data(s));
                    _result.MemoryWrites++;
                    break;
                case StepKind.Register:
                    m.Its.CurrentTimePs = now;
                    _result.RegisterWrites++;
                    if (m.Bus.Write(s.Address, s.Size, s.Value, BusAttributes.Cpu) != BusStatus.Ok) _result.RegisterWritesRefused++;
                    break;
                case StepKind.Dma:
                    Translate(in s, now);
                    break;
                case StepKind.Msi:
                    Msi(in s, now);
                    break;
            }
        }
        _results.SimulatedPs = now;
    }

    private void Translate(in ReplayStep s, ulong now)
    {
        var tx = new SmmuTransaction
        {
            StreamId = s.Id, SubstreamId = s.Id2, SubstreamValid = (s.Flags & ReplayScript.FlagSubstream) != 0, Address = s.Address,
            Size = s.Size, Write = (s.Flags & ReplayScript.FlagWrite) != 0, Privileged = (s.Flags & ReplayScript.FlagPrivileged) != 0,
            Instruction = (s.Flags & ReplayScript.FlagInstruction) != 0,
        };
        _machine.Smmu.Translate(tx, now, out TranslationResult r);
        Count(in r, now);
        var counts = _result.Translations;
        counts.Replayed++;
        if (s.Expect < 0)
        {
            counts.Unverified++;
            return;
        }
        ref readonly var e = ref _script.Translation(s.Expect);
        bool ok = e.Fault
            ? r.Status is TranslationStatus.Fault or TranslationStatus.Abort && (e.EventType == 0 || (byte)r.Event.Type == e.EventType)
            : r.Succeeded && r.OutputAddress == e.OutputAddress && ReadWrite(r.Permissions) == (e.Permissions & (AccessPermissions.Read | AccessPermissions.Write));
        if (ok)
        {
            counts.Matched++;
            return;
        }
        counts.Mismatched++;
        if (_result.Mismatches.Count < ReplayResult.MaxListedMismatches)
        {
            _result.AddMismatch(new ReplayMismatch(e.Record, "translation", string.Create(CultureInfo.InvariantCulture,
                $"sid 0x{s.Id:x} iova 0x{s.Address:x} {(tx.Write ? "write" : "read")}: expected {Expected(e)}, got {Got(r)}")));
        }
    }

    private static AccessPermissions ReadWrite(SmmuPermissions p) =>
        ((p & SmmuPermissions.PrivRead) != 0 ? AccessPermissions.Read : 0) | ((p & SmmuPermissions.PrivWrite) != 0 ? AccessPermissions.Write : 0);

    private static string Perm(AccessPermissions p) =>
        ((p & AccessPermissions.Read) != 0 ? "r" : "-") + ((p & AccessPermissions.Write) != 0 ? "w" : "-");

    private static string Expected(in TranslationExpectation e) => e.Fault
        ? "fault " + (e.EventType == 0 ? "(abort)" : EventName(e.EventType))
        : string.Create(CultureInfo.InvariantCulture, $"PA 0x{e.OutputAddress:x} {Perm(e.Permissions)}");

    private static string Got(in TranslationResult r) => r.Status switch
    {
        TranslationStatus.Ok or TranslationStatus.Bypass => string.Create(CultureInfo.InvariantCulture, $"PA 0x{r.OutputAddress:x} {Perm(ReadWrite(r.Permissions))}"),
        TranslationStatus.Abort => "abort",
        _ => "fault " + EventName((byte)r.Event.Type),
    };

    /// <summary>The IHI 0070 name of an SMMU event type (F_TRANSLATION...), or its number.</summary>
    public static string EventName(byte type) => type switch
    {
        0x01 => "F_UUT", 0x02 => "C_BAD_STREAMID", 0x03 => "F_STE_FETCH", 0x04 => "C_BAD_STE", 0x05 => "F_BAD_ATS_TREQ",
        0x06 => "F_STREAM_DISABLED", 0x07 => "F_TRANSL_FORBIDDEN", 0x08 => "C_BAD_SUBSTREAMID", 0x09 => "F_CD_FETCH",
        0x0a => "C_BAD_CD", 0x0b => "F_WALK_EABT", 0x10 => "F_TRANSLATION", 0x11 => "F_ADDR_SIZE", 0x12 => "F_ACCESS",
        0x13 => "F_PERMISSION", 0x20 => "F_TLB_CONFLICT", 0x21 => "F_CFG_CONFLICT", 0x24 => "E_PAGE_REQUEST",
        _ => string.Create(CultureInfo.InvariantCulture, $"event 0x{type:x2}"),
    };

    private void Count(in TranslationResult r, ulong now)
    {
        var t = _results.Translation;
        t.Translations++;
        if (r.ConfigCacheHit) t.ConfigCacheHits++;
        else if (r.Source != Devices.Smmu.TranslationSource.Gbpa) t.ConfigCacheMisses++;
        switch (r.Source)
        {
            case Devices.Smmu.TranslationSource.Tlb:
                t.TlbHits++;
                break;
            case Devices.Smmu.TranslationSource.WalkCache:
                t.TlbMisses++;
                t.WalkCacheHits++;
                t.Walks++;
                break;
            case Devices.Smmu.TranslationSource.FullWalk:
                t.TlbMisses++;
                t.WalkCacheMisses++;
                t.Walks++;
                break;
        }
        t.WalkReads += r.DescriptorFetches;
        if (r.Status == TranslationStatus.Fault) _results.CountFault(EventName((byte)r.Event.Type));
        if (r.CompletionTimePs >= now) _results.TranslationLatency.Record(r.CompletionTimePs - now);
    }

    private void Msi(in ReplayStep s, ulong now)
    {
        var m = _machine;
        m.Its.CurrentTimePs = now;
        _msiSeen = false;
        var attrs = new BusAttributes(RequesterId: (ushort)s.Id2, DeviceId: s.Id);
        m.Bus.Write(s.Address, 4, s.Value, attrs);
        var counts = _result.Msis;
        counts.Replayed++;
        ref readonly var e = ref _script.Msi(s.Expect);
        bool delivered = _msiSeen && !_lastMsi.Dropped;
        bool ok = delivered == e.Delivered && (!delivered || (_lastMsi.IntId == e.IntId && (uint)_lastMsi.Cpu == e.Cpu));
        if (ok)
        {
            counts.Matched++;
            return;
        }
        counts.Mismatched++;
        if (_result.Mismatches.Count < ReplayResult.MaxListedMismatches)
        {
            string got = !_msiSeen ? "no ITS translation (doorbell not an ITS)"
                : _lastMsi.Dropped ? "dropped (" + _lastMsi.Result + ")"
                : string.Create(CultureInfo.InvariantCulture, $"LPI 0x{_lastMsi.IntId:x} on CPU {_lastMsi.Cpu}");
            string expected = e.Delivered ? string.Create(CultureInfo.InvariantCulture, $"LPI 0x{e.IntId:x} on CPU {e.Cpu}") : "dropped";
            _result.AddMismatch(new ReplayMismatch(e.Record >= 0 ? e.Record : s.Record, "msi", string.Create(CultureInfo.InvariantCulture,
                $"DeviceID 0x{s.Id:x} EventID 0x{s.Value:x}: expected {expected}, got {got}")));
        }
    }

    void IGicObserver.OnItsCommand(GicV3Its its, in Devices.Gic.ItsCommandRecord record)
    {
    }

    void IGicObserver.OnMsiTranslated(GicV3Its its, in MsiTranslation translation)
    {
        _lastMsi = translation;
        _msiSeen = true;
    }

    void IGicObserver.OnInterruptDelivered(in GicDelivery delivery) =>
        _results.Interrupt(delivery.IntId, delivery.Cpu).DeliveryLatency.Record(delivery.LatencyPs);
}
