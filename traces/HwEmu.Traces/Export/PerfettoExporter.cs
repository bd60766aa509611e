using System.Globalization;
using System.Text.Json;
using HwEmu.Traces.Format;

namespace HwEmu.Traces.Export;

/// <summary>
/// Writes a trace as Chrome Trace Event JSON (<c>{"traceEvents": [...], "displayTimeUnit": "ns"}</c>), which
/// Perfetto and chrome://tracing open. Mapping (reference traces-and-fault-injection.md §3.3): one process per
/// component — SMMU (thread = StreamID; translations as complete "X" events lasting their latency, faults and
/// commands as instants), endpoints (thread = requester ID; DMA issue instants), ITS (thread = DeviceID; MSI
/// writes and commands), CPUs (thread = CPU; interrupt deliveries), setup (register and memory writes) and the run
/// (checkpoints, injected faults). <c>ts</c> is in microseconds (picoseconds / 10^6). Streams record by record:
/// memory is bounded by one block of the trace whatever its length.
/// </summary>
public static class PerfettoExporter
{
    private const int PidSmmu = 1, PidEndpoints = 2, PidIts = 3, PidCpus = 4, PidSetup = 5, PidRun = 6;
    private const int SmmuCommandTid = 1 << 20;

    /// <summary>Exports <paramref name="reader"/>'s records to <paramref name="output"/>; returns the number of events.</summary>
    /// <param name="reader">The trace.</param>
    /// <param name="output">Destination of the JSON.</param>
    /// <param name="smmuClockHz">SMMU clock used to turn latency cycles into durations.</param>
    public static long Export(TraceReader reader, Stream output, ulong smmuClockHz = 1_000_000_000)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(output);
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = false });
        w.WriteStartObject();
        w.WriteString("displayTimeUnit", "ns");
        w.WriteStartObject("otherData");
        w.WriteString("platform", reader.Header.Platform);
        w.WriteString("scenario", reader.Header.Scenario);
        w.WriteString("emulatorVersion", reader.Header.EmulatorVersion);
        w.WriteNumber("seed", reader.Header.Seed);
        w.WriteEndObject();
        w.WriteStartArray("traceEvents");
        ProcessName(w, PidSmmu, "SMMUv3");
        ProcessName(w, PidEndpoints, "PCIe endpoints");
        ProcessName(w, PidIts, "GIC ITS");
        ProcessName(w, PidCpus, "CPUs");
        ProcessName(w, PidSetup, "Setup writes");
        ProcessName(w, PidRun, "Run");
        long events = 6;
        double psPerCycle = 1e12 / Math.Max(1UL, smmuClockHz);
        while (reader.TryReadNext(out TraceRecord rec))
        {
            if (WriteEvent(w, rec, psPerCycle)) events++;
            if (w.BytesPending > 1 << 16) w.Flush();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        return events;
    }

    private static bool WriteEvent(Utf8JsonWriter w, TraceRecord rec, double psPerCycle)
    {
        switch (rec.Type)
        {
            case TraceRecordType.DmaIssued when rec.TryRead(out DmaIssuedRecord d):
                Begin(w, "i", d.Direction == DmaDirection.Write ? "DMA write" : "DMA read", "dma", d.Time, PidEndpoints, d.RequesterId);
                w.WriteString("s", "t");
                w.WriteStartObject("args");
                w.WriteNumber("record", rec.Index);
                w.WriteNumber("transaction", d.TransactionId);
                Hex(w, "address", d.Address);
                w.WriteNumber("size", d.Size);
                Hex(w, "streamId", d.StreamId);
                break;
            case TraceRecordType.Translation when rec.TryRead(out TranslationRecord t):
                ulong dur = (ulong)(t.LatencyCycles * psPerCycle);
                Begin(w, "X", "translate", "smmu", t.Time >= dur ? t.Time - dur : 0, PidSmmu, t.StreamId);
                w.WriteNumber("dur", dur / 1e6);
                w.WriteStartObject("args");
                w.WriteNumber("record", rec.Index);
                w.WriteNumber("transaction", t.TransactionId);
                Hex(w, "iova", t.InputAddress);
                Hex(w, "pa", t.OutputAddress);
                w.WriteString("permissions", t.Permissions.ToString());
                w.WriteString("servedBy", t.ServedBy.ToString());
                w.WriteNumber("walkFetches", t.WalkFetches);
                w.WriteNumber("latencyCycles", t.LatencyCycles);
                break;
            case TraceRecordType.TranslationFault when rec.TryRead(out TranslationFaultRecord f):
                Begin(w, "i", "fault " + Replay.ReplayEngine.EventName(f.EventType), "smmu,fault", f.Time, PidSmmu, f.StreamId);
                w.WriteString("s", "t");
                w.WriteStartObject("args");
                w.WriteNumber("record", rec.Index);
                w.WriteNumber("transaction", f.TransactionId);
                Hex(w, "iova", f.InputAddress);
                w.WriteString("action", f.Action.ToString());
                w.WriteBoolean("eventRecorded", f.EventRecorded);
                break;
            case TraceRecordType.MsiWrite when rec.TryRead(out MsiWriteRecord m):
                Begin(w, "i", "MSI", "msi", m.Time, PidIts, m.DeviceId);
                w.WriteString("s", "t");
                w.WriteStartObject("args");
                w.WriteNumber("record", rec.Index);
                Hex(w, "deviceId", m.DeviceId);
                Hex(w, "data", m.Data);
                Hex(w, "doorbell", m.DoorbellAddress);
                break;
            case TraceRecordType.InterruptDelivered when rec.TryRead(out InterruptDeliveredRecord i):
                Begin(w, "i", string.Create(CultureInfo.InvariantCulture, $"INTID {i.IntId}"), "interrupt", i.Time, PidCpus, i.TargetCpu);
                w.WriteString("s", "t");
                w.WriteStartObject("args");
                w.WriteNumber("record", rec.Index);
                w.WriteString("source", i.Source.ToString());
                Hex(w, "deviceId", i.DeviceId);
                Hex(w, "eventId", i.EventId);
                break;
            case TraceRecordType.RegisterWrite when rec.TryRead(out RegisterWriteRecord r):
                Begin(w, "i", "register write", "setup", r.Time, PidSetup, r.Component);
                w.WriteString("s", "t");
                w.WriteStartObject("args");
                w.WriteNumber("record", rec.Index);
                Hex(w, "address", r.Address);
                Hex(w, "value", r.Value);
                w.WriteNumber("size", r.Size);
                break;
            case TraceRecordType.MemoryWrite when rec.TryRead(out MemoryWriteRecord mw):
                Begin(w, "i", "memory write", "setup", mw.Time, PidSetup, 1000 + (int)mw.Structure);
                w.WriteString("s", "t");
                w.WriteStartObject("args");
                w.WriteNumber("record", rec.Index);
                Hex(w, "address", mw.Address);
                w.WriteString("structure", mw.Structure.ToString());
                w.WriteNumber("bytes", mw.Data.Length);
                break;
            case TraceRecordType.SmmuCommand when rec.TryRead(out SmmuCommandRecord c):
                Begin(w, "i", SmmuCommandNames.Name(c.Opcode) ?? string.Create(CultureInfo.InvariantCulture, $"CMD 0x{c.Opcode:x2}"), "smmu,command", c.Time, PidSmmu, SmmuCommandTid);
                w.WriteString("s", "t");
                w.WriteStartObject("args");
                w.WriteNumber("record", rec.Index);
                w.WriteNumber("consumerIndex", c.ConsumerIndex);
                w.WriteNumber("error", c.Error);
                break;
            case TraceRecordType.ItsCommand when rec.TryRead(out ItsCommandRecord c):
                Begin(w, "i", ItsCommandNames.Name(c.Opcode) ?? string.Create(CultureInfo.InvariantCulture, $"ITS command 0x{c.Opcode:x2}"), "its,command", c.Time, PidIts, SmmuCommandTid);
                w.WriteString("s", "t");
                w.WriteStartObject("args");
                w.WriteNumber("record", rec.Index);
                Hex(w, "deviceId", c.DeviceId);
                Hex(w, "eventId", c.EventId);
                w.WriteNumber("error", c.Error);
                break;
            case TraceRecordType.FaultInjected:
            case TraceRecordType.Checkpoint:
                Begin(w, "i", rec.Type.ToString(), "run", rec.Time, PidRun, 0);
                w.WriteString("s", "p");
                w.WriteStartObject("args");
                w.WriteNumber("record", rec.Index);
                break;
            default:
                return false; // header and types this version does not know
        }
        w.WriteEndObject(); // args
        w.WriteEndObject(); // event
        return true;
    }

    private static void Begin(Utf8JsonWriter w, string ph, string name, string cat, ulong timePs, int pid, long tid)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("cat", cat);
        w.WriteString("ph", ph);
        w.WriteNumber("ts", timePs / 1e6);
        w.WriteNumber("pid", pid);
        w.WriteNumber("tid", tid);
    }

    private static void ProcessName(Utf8JsonWriter w, int pid, string name)
    {
        w.WriteStartObject();
        w.WriteString("name", "process_name");
        w.WriteString("ph", "M");
        w.WriteNumber("pid", pid);
        w.WriteStartObject("args");
        w.WriteString("name", name);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Hex(Utf8JsonWriter w, string name, ulong value) =>
        w.WriteString(name, string.Create(CultureInfo.InvariantCulture, $"0x{value:x}"));
}
