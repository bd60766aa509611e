using HwEmu.Traces.Format;

namespace HwEmu.Traces.Replay;

/// <summary>Kind of one replay step.</summary>
internal enum StepKind : byte
{
    Memory,
    Register,
    Dma,
    Msi,
    /// <summary>A DMA issued (run recordings): Id = device, Size = kind, Flags = route.</summary>
    Issue,
    /// <summary>A DMA completed: Id = device, Size = kind, Id2 = 1 for a write, Length = bytes, Value = latency ps, Flags = DmaCompleted flags.</summary>
    Completion,
    /// <summary>The SMMU consumed a TLB invalidation the driver issued during the run.</summary>
    Invalidation,
}

/// <summary>One stimulus, in trace order. Field use depends on <see cref="Kind"/> (see <see cref="ReplayScript"/>).</summary>
internal struct ReplayStep
{
    public StepKind Kind;
    public byte Size;
    public byte Flags;
    public long Record;
    public ulong Time;
    public ulong Address;
    public ulong Value;
    public uint Id;
    public uint Id2;
    public uint Length;
    public uint Latency;
    public ulong Issue;
    public ulong Arrival;
    public int Expect;
}

/// <summary>QEMU's or the recording run's result for one translation.</summary>
internal struct TranslationExpectation
{
    public long Record;
    public bool Fault;
    public ulong OutputAddress;
    public AccessPermissions Permissions;
    public byte EventType;
}

/// <summary>The recorded outcome of one MSI: delivered (INTID, CPU) or not.</summary>
internal struct MsiExpectation
{
    public long Record;
    public bool Delivered;
    public uint IntId;
    public uint Cpu;
}

/// <summary>
/// A trace loaded for replay: the stimulus steps in record order (memory and register writes, translations, MSI
/// writes) with each translation and MSI paired to its recorded expectation. Every Translation or TranslationFault
/// record is one translation to redo (a DMA spanning pages has one per page) at its arrival time — the recorded
/// completion time less the recorded latency — with the direction, attributes and size of the DmaIssued record of
/// the same transaction (a read of 4 bytes when there is none). An MSI is paired with the first later
/// InterruptDelivered record of the same DeviceID and EventID (ITS) or INTID (GICv2m), and without one is expected
/// to be dropped. Loaded once and read-only afterwards, so several replays (platform sweeps) may share it.
/// </summary>
public sealed class ReplayScript
{
    internal const byte FlagWrite = 1, FlagPrivileged = 2, FlagInstruction = 4, FlagSubstream = 8, FlagBypass = 16, FlagArrival = 32;

    private ReplayStep[] _steps = new ReplayStep[1024];
    private TranslationExpectation[] _translations = new TranslationExpectation[256];
    private MsiExpectation[] _msis = new MsiExpectation[64];
    private byte[] _data = new byte[4096];
    private int _dataLength;

    private ReplayScript(TraceHeader header) => Header = header;

    /// <summary>The trace header.</summary>
    public TraceHeader Header { get; }
    /// <summary>Number of stimulus steps.</summary>
    public int StepCount { get; private set; }
    /// <summary>Number of translation expectations.</summary>
    public int TranslationExpectations { get; private set; }
    /// <summary>Number of MSI expectations.</summary>
    public int MsiExpectations { get; private set; }
    /// <summary>True when the trace ended inside a block (a crash while recording); every complete record was loaded.</summary>
    public bool Truncated { get; private set; }
    /// <summary>
    /// The trace has a run's appended fields (DmaIssued device/kind/route, DmaCompleted records, translation arrival
    /// times), so the replay rebuilds the whole run summary (devices, bypasses, time series).
    /// </summary>
    public bool HasRunFields { get; private set; }
    /// <summary>Records of types a replay does not use (commands, checkpoints, fault injections, unknown types).</summary>
    public long SkippedRecords { get; private set; }

    internal ReadOnlySpan<ReplayStep> Steps => _steps.AsSpan(0, StepCount);
    internal ref readonly TranslationExpectation Translation(int i) => ref _translations[i];
    internal ref readonly MsiExpectation Msi(int i) => ref _msis[i];
    internal ReadOnlySpan<byte> Data(in ReplayStep s) => _data.AsSpan((int)s.Value, (int)s.Id);

    /// <summary>Loads a trace file.</summary>
    /// <exception cref="TraceFormatException">The file is malformed (names the offset and record).</exception>
    public static ReplayScript Load(string path)
    {
        using var reader = TraceReader.Open(path);
        return Load(reader);
    }

    /// <summary>Loads every record of <paramref name="reader"/>.</summary>
    public static ReplayScript Load(TraceReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var s = new ReplayScript(reader.Header);
        var dma = new Dictionary<ulong, (byte Flags, uint Size, ulong Time)>();
        var msi = new Dictionary<(uint, uint), int>();
        var doorbellIssues = new Dictionary<(ulong, ulong), Queue<ulong>>();
        var untranslatedWrites = new Dictionary<(ulong, ushort), Queue<ulong>>();
        while (reader.TryReadNext(out TraceRecord rec))
        {
            switch (rec.Type)
            {
                case TraceRecordType.MemoryWrite when rec.TryRead(out MemoryWriteRecord m):
                    s.Add(new ReplayStep { Kind = StepKind.Memory, Record = rec.Index, Time = m.Time, Address = m.Address, Value = (ulong)s.AddData(m.Data), Id = (uint)m.Data.Length, Expect = -1 });
                    break;
                case TraceRecordType.RegisterWrite when rec.TryRead(out RegisterWriteRecord r):
                    s.Add(new ReplayStep { Kind = StepKind.Register, Record = rec.Index, Time = r.Time, Address = r.Address, Value = r.Value, Size = r.Size, Expect = -1 });
                    break;
                case TraceRecordType.DmaIssued when rec.TryRead(out DmaIssuedRecord d):
                    dma[d.TransactionId] = ((byte)((d.Direction == DmaDirection.Write ? FlagWrite : 0) |
                        ((d.Attributes & DmaAttributes.Privileged) != 0 ? FlagPrivileged : 0) |
                        ((d.Attributes & DmaAttributes.Instruction) != 0 ? FlagInstruction : 0)), d.Size, d.Time);
                    s.DmaIssued++;
                    if (d.Device >= 0)
                    {
                        s.HasRunFields = true;
                        s.Add(new ReplayStep { Kind = StepKind.Issue, Record = rec.Index, Time = d.Time, Id = (uint)d.Device, Size = d.Kind, Flags = d.Route, Expect = -1 });
                    }
                    if (d.Direction == DmaDirection.Write && d.Size <= 8)
                    {
                        // A doorbell write the fabric may route around the SMMU (MSI controller upstream).
                        if (!untranslatedWrites.TryGetValue((d.Address, d.RequesterId), out var uq)) untranslatedWrites[(d.Address, d.RequesterId)] = uq = new Queue<ulong>();
                        uq.Enqueue(d.Time);
                    }
                    break;
                case TraceRecordType.Translation when rec.TryRead(out TranslationRecord t):
                    s.AddTranslation(dma, doorbellIssues, rec.Index, t.Time, t.ArrivalTime, t.LatencyCycles, t.TransactionId, t.StreamId, t.SubstreamId, t.SubstreamValid, t.InputAddress,
                        new TranslationExpectation { Record = rec.Index, OutputAddress = t.OutputAddress, Permissions = t.Permissions });
                    break;
                case TraceRecordType.TranslationFault when rec.TryRead(out TranslationFaultRecord f):
                    s.AddTranslation(dma, doorbellIssues, rec.Index, f.Time, f.ArrivalTime, f.LatencyCycles, f.TransactionId, f.StreamId, f.SubstreamId, f.SubstreamValid, f.InputAddress,
                        new TranslationExpectation { Record = rec.Index, Fault = true, EventType = f.EventType });
                    break;
                case TraceRecordType.MsiWrite when rec.TryRead(out MsiWriteRecord w):
                    int e = s.AddMsi(new MsiExpectation { Record = -1 });
                    msi[(w.DeviceId, w.Data)] = e;
                    msi[(uint.MaxValue, w.Data)] = e;
                    // The interrupt latency a run reports starts when the endpoint issued the MSI write: the DMA whose
                    // translation to this doorbell completed when the doorbell was written.
                    // Without such a translation the MSI bypassed the SMMU: its issue is the oldest untranslated small write
                    // of that requester to the doorbell (posted writes stay in order on a link).
                    bool bypass = false;
                    ulong issue = w.Time;
                    if (doorbellIssues.TryGetValue((w.DoorbellAddress, w.Time), out var q) && q.Count > 0) issue = q.Dequeue();
                    else if (untranslatedWrites.TryGetValue((w.DoorbellAddress, w.RequesterId), out var uq) && uq.Count > 0)
                    {
                        issue = uq.Dequeue();
                        bypass = true;
                    }
                    s.Add(new ReplayStep { Kind = StepKind.Msi, Record = rec.Index, Time = w.Time, Address = w.DoorbellAddress, Value = w.Data, Id = w.DeviceId, Id2 = w.RequesterId, Issue = Math.Min(issue, w.Time), Flags = bypass ? FlagBypass : (byte)0, Expect = e });
                    break;
                case TraceRecordType.InterruptDelivered when rec.TryRead(out InterruptDeliveredRecord i):
                    var key = i.Source == InterruptSource.Gicv2m ? (uint.MaxValue, i.IntId) : (i.DeviceId, i.EventId);
                    if (i.Source != InterruptSource.Wired && msi.Remove(key, out int k))
                    {
                        s._msis[k] = new MsiExpectation { Record = rec.Index, Delivered = true, IntId = i.IntId, Cpu = i.TargetCpu };
                        msi.Remove(i.Source == InterruptSource.Gicv2m ? (0u, i.IntId) : (uint.MaxValue, i.EventId));
                    }
                    else
                    {
                        s.SkippedRecords++;
                    }
                    break;
                case TraceRecordType.DmaCompleted when rec.TryRead(out DmaCompletedRecord c):
                    s.Add(new ReplayStep
                    {
                        Kind = StepKind.Completion, Record = rec.Index, Time = c.Time, Id = c.Device, Size = c.Kind, Id2 = c.Direction == DmaDirection.Write ? 1u : 0u,
                        Length = c.Size, Value = c.LatencyPs, Flags = c.Flags, Expect = -1,
                    });
                    break;
                // The driver's TLB invalidations during the run (HostSetup.TlbInvalidations: opcodes 0x10-0x2f, IHI 0070 §4.4).
                case TraceRecordType.SmmuCommand when s.HasRunFields && rec.TryRead(out SmmuCommandRecord sc) && sc.Opcode is >= 0x10 and <= 0x2f:
                    s.Add(new ReplayStep { Kind = StepKind.Invalidation, Record = rec.Index, Time = sc.Time, Expect = -1 });
                    break;
                default:
                    s.SkippedRecords++;
                    break;
            }
        }
        s.Truncated = reader.IsTruncated;
        if (reader.Header.Scenario.StartsWith('{')) s.SetupMemoryFirst();
        return s;
    }

    /// <summary>
    /// An older <c>hwemu run</c> recording writes the host's set-up memory (queues, stream and ITS tables, page tables) as
    /// whole pages once the set-up is done, after the register writes that made the SMMU and the ITS consume their
    /// queues. Those pages hold what the queues contained when consumed (rings are not reused during set-up), so the
    /// replay applies the time-0 memory writes before the time-0 register writes, keeping each kind's order.
    /// </summary>
    private void SetupMemoryFirst()
    {
        int end = 0;
        while (end < StepCount && _steps[end].Time == 0 && _steps[end].Kind is StepKind.Memory or StepKind.Register) end++;
        // A recording that reports each memory write when it happens has memory writes before the set-up's register
        // writes: already in order, nothing to move.
        int lastRegister = -1;
        for (int i = 0; i < end; i++) if (_steps[i].Kind == StepKind.Register) lastRegister = i;
        for (int i = 0; i < lastRegister; i++) if (_steps[i].Kind == StepKind.Memory) return;
        var memory = new List<ReplayStep>();
        var rest = new List<ReplayStep>();
        for (int i = 0; i < end; i++) (_steps[i].Kind == StepKind.Memory ? memory : rest).Add(_steps[i]);
        memory.CopyTo(_steps, 0);
        rest.CopyTo(_steps, memory.Count);
    }

    /// <summary>DmaIssued records read (a DMA routed peer to peer or around the SMMU has no translation record).</summary>
    public long DmaIssued { get; private set; }

    private void AddTranslation(Dictionary<ulong, (byte Flags, uint Size, ulong Time)> dma, Dictionary<(ulong, ulong), Queue<ulong>> doorbellIssues,
        long record, ulong time, ulong arrival, uint latency, ulong txn, uint sid, uint ssid, bool ssv, ulong iova, TranslationExpectation e)
    {
        int ei = TranslationExpectations;
        if (ei == _translations.Length) Array.Resize(ref _translations, ei * 2);
        _translations[ei] = e;
        TranslationExpectations++;
        // Without a DmaIssued record (a trace written by another tool) the access is a 4-byte read.
        var (flags, size, issued) = dma.TryGetValue(txn, out var d) ? d : ((byte)0, 4u, time);
        if (!e.Fault && (flags & FlagWrite) != 0 && size <= 8)
        {
            if (!doorbellIssues.TryGetValue((e.OutputAddress, time), out var q)) doorbellIssues[(e.OutputAddress, time)] = q = new Queue<ulong>();
            q.Enqueue(issued);
        }
        Add(new ReplayStep
        {
            Kind = StepKind.Dma, Record = record, Time = time, Latency = latency, Address = iova, Id = sid, Id2 = ssid, Length = size, Issue = issued,
            Expect = ei, Flags = (byte)(flags | (ssv ? FlagSubstream : 0) | (arrival != TranslationRecord.NoArrival ? FlagArrival : 0)), Arrival = arrival,
        });
    }

    private void Add(in ReplayStep step)
    {
        if (StepCount == _steps.Length) Array.Resize(ref _steps, StepCount * 2);
        _steps[StepCount++] = step;
    }

    private int AddMsi(in MsiExpectation e)
    {
        if (MsiExpectations == _msis.Length) Array.Resize(ref _msis, MsiExpectations * 2);
        _msis[MsiExpectations] = e;
        return MsiExpectations++;
    }

    private int AddData(ReadOnlySpan<byte> data)
    {
        int at = _dataLength;
        if (at + data.Length > _data.Length)
        {
            long grown = Math.Max((long)_data.Length * 2, (long)at + data.Length);
            if (grown > Array.MaxLength)
            {
                throw new TraceFormatException(0, -1, "the trace's memory writes exceed 2 GiB");
            }
            Array.Resize(ref _data, (int)grown);
        }
        data.CopyTo(_data.AsSpan(at));
        _dataLength += data.Length;
        return at;
    }
}
