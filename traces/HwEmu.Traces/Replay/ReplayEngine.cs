using System.Globalization;
using HwEmu.Devices.Gic;
using HwEmu.Devices.Platform.Reporting;
using HwEmu.Devices.Smmu;
using HwEmu.Emulator.Bus;
using HwEmu.Traces.Format;
using HwEmu.Traces.Recording;

namespace HwEmu.Traces.Replay;

/// <summary>
/// Re-executes a trace's stimulus through the models in record order at the recorded times: memory writes into
/// guest memory, register writes through the bus (which makes the SMMU and ITS consume the commands placed in
/// their queues), every DMA through the SMMU's timed translation (so latencies, cache statistics and the summary are
/// recomputed) and every MSI write through the bus to its doorbell with the DeviceID side-band. DMA data transfers
/// are not replayed: in a run they book DRAM on their own timing model (MachineBuilder), which no translation sees. Each recomputed
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
    private readonly Emulator.Kernel.ClockDomain _recordedClock;
    private MsiTranslation _lastMsi;
    private bool _msiSeen;
    private ulong _msiIssue;

    private ReplayEngine(ReplayScript script, ReplayMachine machine, string name)
    {
        _script = script;
        _machine = machine;
        _results = new RunResults(name, script.Header.Seed, machine.Smmu.Config.Timing.ClockHz);
        _result = new ReplayResult(_results, machine.Platform) { Truncated = script.Truncated };
        _recordedClock = new Emulator.Kernel.ClockDomain("recorded", machine.RecordedSmmuClockHz);
        if (script.HasRunFields && machine.Scenario is { } scenario)
        {
            // The run's device table, in scenario order with the endpoints' BDFs, and its time series.
            _devices = new DeviceResults[scenario.Devices.Count];
            for (int i = 0; i < _devices.Length; i++)
            {
                Devices.Platform.DeviceSpec d = scenario.Devices[i];
                string ep = string.IsNullOrEmpty(d.Endpoint) ? d.Name : d.Endpoint;
                string bdf = scenario.Topology.Endpoints.FirstOrDefault(e => e.Name == ep)?.Bdf ?? "";
                _devices[i] = _results.Device(d.Name, bdf);
            }
            _results.SampleIntervalPs = scenario.Run.SampleIntervalPs;
            _nextSample = _results.SampleIntervalPs == 0 ? ulong.MaxValue : _results.SampleIntervalPs;
        }
    }

    private readonly DeviceResults[] _devices = [];
    private ulong _nextSample = ulong.MaxValue;
    private int _inFlight;
    private long _bytes, _dataTransactions, _lastBytes, _lastTransactions, _lastTlbHits, _lastTlbLookups;

    // A run samples at priority 1, after every other event of the same instant (ScenarioMachine.Sample).
    private void SampleBefore(ulong eventTime)
    {
        while (_nextSample < eventTime)
        {
            var x = _results.Translation;
            long lookups = x.TlbHits + x.TlbMisses;
            _results.AddSample(new TimeSample(_nextSample, _bytes - _lastBytes, _dataTransactions - _lastTransactions,
                x.TlbHits - _lastTlbHits, lookups - _lastTlbLookups, _inFlight));
            _lastBytes = _bytes;
            _lastTransactions = _dataTransactions;
            _lastTlbHits = x.TlbHits;
            _lastTlbLookups = lookups;
            _nextSample += _results.SampleIntervalPs;
        }
    }

    private DeviceResults? DeviceOf(in ReplayStep s) => s.Id < (uint)_devices.Length ? _devices[s.Id] : null;

    private void Issue(in ReplayStep s)
    {
        _inFlight++;
        switch (s.Flags)
        {
            case 1: // peer to peer: routed inside a switch, never reached the SMMU
                _results.P2pBypasses++;
                if (DeviceOf(in s) is { } d) d.P2pBypasses++;
                break;
            case 2: // an MSI write the host bridge sent around the SMMU
                _results.MsiBypasses++;
                break;
        }
    }

    private void Complete(in ReplayStep s)
    {
        _inFlight--;
        if (DeviceOf(in s) is not { } d) return;
        bool error = (s.Flags & DmaCompletedRecord.FlagError) != 0;
        if (error) d.Errors++;
        if (s.Size == 0 && !error)
        {
            // Data transfers make the device's reads/writes, bytes and latency (ScenarioMachine.Completed).
            d.RecordTransaction(s.Id2 != 0, (int)s.Length, s.Value);
            _bytes += s.Length;
            _dataTransactions++;
        }
        if ((s.Flags & DmaCompletedRecord.FlagOperationCompleted) != 0) d.Operations++;
    }

    /// <summary>Replays <paramref name="script"/> on <paramref name="machine"/> (a fresh machine per replay).</summary>
    /// <param name="script">The loaded trace.</param>
    /// <param name="machine">The machine, usually <see cref="ReplayMachine.Build(TraceHeader, Devices.Platform.PlatformSpec?)"/> of the trace header.</param>
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
            if (s.Kind == StepKind.Invalidation)
            {
                // Stamped with the command's completion, not an event time: only counted.
                _results.Translation.Invalidations++;
                continue;
            }
            ulong t = s.Kind == StepKind.Dma ? Arrival(in s) : s.Time;
            if (t < now) _result.TimeReversals++;
            else now = t;
            SampleBefore(t);
            switch (s.Kind)
            {
                case StepKind.Memory:
                    m.Memory.Write(s.Address, _script.Data(s));
                    _result.MemoryWrites++;
                    break;
                case StepKind.Register:
                    if (m.Its is { } its) its.CurrentTimePs = now;
                    _result.RegisterWrites++;
                    if (m.Bus.Write(s.Address, s.Size, s.Value, BusAttributes.Cpu) != BusStatus.Ok) _result.RegisterWritesRefused++;
                    break;
                case StepKind.Dma:
                    Translate(in s, now);
                    break;
                case StepKind.Msi:
                    Msi(in s, now);
                    break;
                case StepKind.Issue:
                    Issue(in s);
                    break;
                case StepKind.Completion:
                    Complete(in s);
                    break;
                case StepKind.Invalidation:
                    _results.Translation.Invalidations++;
                    break;
            }
        }
        // A complete recording of a run covers the scenario's duration even if its last record is earlier.
        _results.SimulatedPs = !_script.Truncated && m.RunDurationPs > now ? m.RunDurationPs : now;
        // A run that reached its duration took the samples due at its end; one stopped by its transaction limit did not.
        if (_nextSample != ulong.MaxValue) SampleBefore(m.RunDurationPs > 0 ? _results.SimulatedPs + 1 : _results.SimulatedPs);
    }

    // A translation started on the SMMU clock edge its recorded latency before its recorded completion.
    private ulong Arrival(in ReplayStep s)
    {
        // A run recording keeps the exact picosecond the request reached the SMMU (appended field).
        if ((s.Flags & ReplayScript.FlagArrival) != 0) return s.Arrival;
        if (s.Latency == 0) return s.Time;
        ulong cycle = _recordedClock.CycleAt(s.Time);
        return cycle >= s.Latency ? _recordedClock.EdgeTime(cycle - s.Latency) : 0;
    }

    private void Translate(in ReplayStep s, ulong now)
    {
        var tx = new SmmuTransaction
        {
            StreamId = s.Id, SubstreamId = s.Id2, SubstreamValid = (s.Flags & ReplayScript.FlagSubstream) != 0, Address = s.Address,
            Size = s.Length, Write = (s.Flags & ReplayScript.FlagWrite) != 0, Privileged = (s.Flags & ReplayScript.FlagPrivileged) != 0,
            Instruction = (s.Flags & ReplayScript.FlagInstruction) != 0,
        };
        _machine.Smmu.Translate(tx, now, out TranslationResult r);
        Count(in r, now);
        var counts = _result.Translations;
        counts.Replayed++;
        ref readonly var e = ref _script.Translation(s.Expect);
        bool ok = e.Fault
            ? r.Status is TranslationStatus.Fault or TranslationStatus.Abort && (e.EventType == 0 || (byte)r.Event.Type == e.EventType)
            : r.Succeeded && r.OutputAddress == e.OutputAddress && ReadWrite(in r) == (e.Permissions & (AccessPermissions.Read | AccessPermissions.Write));
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

    // The read/write permission in the recorder's terms (HwEmu.Traces.Recording.RunTraceRecorder.Permissions).
    private static AccessPermissions ReadWrite(in TranslationResult r) =>
        RunTraceRecorder.Permissions(r.Permissions, r.Status) & (AccessPermissions.Read | AccessPermissions.Write);

    private static string Perm(AccessPermissions p) =>
        ((p & AccessPermissions.Read) != 0 ? "r" : "-") + ((p & AccessPermissions.Write) != 0 ? "w" : "-");

    private static string Expected(in TranslationExpectation e) => e.Fault
        ? "fault " + (e.EventType == 0 ? "(abort)" : EventName(e.EventType))
        : string.Create(CultureInfo.InvariantCulture, $"PA 0x{e.OutputAddress:x} {Perm(e.Permissions)}");

    private static string Got(in TranslationResult r) => r.Status switch
    {
        TranslationStatus.Ok or TranslationStatus.Bypass => string.Create(CultureInfo.InvariantCulture, $"PA 0x{r.OutputAddress:x} {Perm(ReadWrite(in r))}"),
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
        // The same counters and names as a run (ScenarioMachine), so the summaries compare line by line.
        var t = _results.Translation;
        t.Translations++;
        switch (r.Source)
        {
            case Devices.Smmu.TranslationSource.Tlb:
                t.TlbHits++;
                break;
            case Devices.Smmu.TranslationSource.WalkCache:
                t.TlbMisses++;
                t.Walks++;
                t.WalkCacheHits++;
                t.WalkReads += r.DescriptorFetches;
                break;
            case Devices.Smmu.TranslationSource.FullWalk:
                t.TlbMisses++;
                t.Walks++;
                t.WalkCacheMisses++;
                t.WalkReads += r.DescriptorFetches;
                break;
        }
        if (r.Source != Devices.Smmu.TranslationSource.Gbpa)
        {
            if (r.ConfigCacheHit) t.ConfigCacheHits++;
            else t.ConfigCacheMisses++;
        }
        if (!r.Succeeded)
        {
            _results.CountFault(r.Event.Type != SmmuEventType.None ? EventName((byte)r.Event.Type) : r.Status == TranslationStatus.Abort ? "ABORT" : "FAULT");
        }
        _results.TranslationLatency.Record(r.CompletionTimePs > now ? r.CompletionTimePs - now : 0);
    }

    private void Msi(in ReplayStep s, ulong now)
    {
        var m = _machine;
        if (m.Its is { } its) its.CurrentTimePs = now;
        if (m.V2m is { } v2m) v2m.CurrentTimePs = now;
        _msiSeen = false;
        _msiIssue = s.Issue;
        // With the run's routes the bypasses are counted at issue, as the fabric does (Issue).
        if ((s.Flags & ReplayScript.FlagBypass) != 0 && !_script.HasRunFields) _results.MsiBypasses++;
        long delivered0 = _delivered;
        var attrs = new BusAttributes(RequesterId: (ushort)s.Id2, DeviceId: s.Id);
        m.Bus.Write(s.Address, 4, s.Value, attrs);
        var counts = _result.Msis;
        counts.Replayed++;
        ref readonly var e = ref _script.Msi(s.Expect);
        bool delivered;
        uint intId;
        int cpu;
        if (_msiSeen)
        {
            delivered = !_lastMsi.Dropped;
            intId = _lastMsi.IntId;
            cpu = _lastMsi.Cpu;
        }
        else
        {
            // GICv2m (no ITS translation): the SPI the distributor delivered, if any.
            delivered = _delivered > delivered0;
            intId = _lastDelivery.IntId;
            cpu = _lastDelivery.Cpu;
        }
        bool ok = delivered == e.Delivered && (!delivered || (intId == e.IntId && (uint)cpu == e.Cpu));
        if (ok)
        {
            counts.Matched++;
            return;
        }
        counts.Mismatched++;
        if (_result.Mismatches.Count < ReplayResult.MaxListedMismatches)
        {
            string got = _msiSeen && _lastMsi.Dropped ? "dropped (" + _lastMsi.Result + ")"
                : !delivered ? "dropped"
                : string.Create(CultureInfo.InvariantCulture, $"{(_msiSeen ? "LPI" : "INTID")} 0x{intId:x} on CPU {cpu}");
            string expected = e.Delivered ? string.Create(CultureInfo.InvariantCulture, $"LPI 0x{e.IntId:x} on CPU {e.Cpu}") : "dropped";
            _result.AddMismatch(new ReplayMismatch(e.Record >= 0 ? e.Record : s.Record, "msi", string.Create(CultureInfo.InvariantCulture,
                $"DeviceID 0x{s.Id:x} EventID 0x{s.Value:x}: expected {expected}, got {got}")));
        }
    }

    void IGicObserver.OnItsCommand(GicV3Its its, in Devices.Gic.ItsCommandRecord record)
    {
    }

    private long _delivered;
    private GicDelivery _lastDelivery;

    void IGicObserver.OnMsiTranslated(GicV3Its its, in MsiTranslation translation)
    {
        _lastMsi = translation;
        _msiSeen = true;
        if (translation.Dropped) _results.CountFault(ItsDropNames[(int)translation.Result]);
    }

    void IGicObserver.OnInterruptDelivered(in GicDelivery delivery)
    {
        _delivered++;
        _lastDelivery = delivery;
        _results.Interrupt(delivery.IntId, delivery.Cpu).DeliveryLatency.Record(delivery.SignalledPs - Math.Min(delivery.SignalledPs, _msiIssue));
    }

    // Names a run gives ITS drops (ScenarioMachine): "ITS_" + the result in upper snake case, built once.
    private static readonly string[] ItsDropNames = Enum.GetValues<ItsTranslationResult>()
        .Aggregate(new string[256], (names, v) => { names[(int)v] = "ITS_" + UpperSnake(v.ToString()); return names; });

    private static string UpperSnake(string name)
    {
        var sb = new System.Text.StringBuilder(name.Length + 8);
        for (int i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i])) sb.Append('_');
            sb.Append(char.ToUpperInvariant(name[i]));
        }
        return sb.ToString();
    }
}
