using HwEmu.Traces.Format;

namespace HwEmu.Traces.Replay;

/// <summary>Kind of one replay step.</summary>
internal enum StepKind : byte
{
    Memory,
    Register,
    Dma,
    Msi,
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
/// A trace loaded for replay: the stimulus steps in record order (memory and register writes, DMA translations,
/// MSI writes) with each DMA and MSI paired to its recorded expectation. DMA pairing is by transaction id
/// (a Translation or TranslationFault record whose id has no DmaIssued record is its own stimulus); an MSI is paired
/// with the first later ITS InterruptDelivered record of the same DeviceID and EventID, and without one is expected
/// to be dropped. Loaded once and read-only afterwards, so several replays (platform sweeps) may share it.
/// </summary>
public sealed class ReplayScript
{
    internal const byte FlagWrite = 1, FlagPrivileged = 2, FlagInstruction = 4, FlagSubstream = 8;

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
        var s = new ReplayScript(reader.Header);
        var dma = new Dictionary<ulong, int>();
        var msi = new Dictionary<(uint, uint), int>();
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
                    dma[d.TransactionId] = s.StepCount;
                    s.Add(new ReplayStep
                    {
                        Kind = StepKind.Dma, Record = rec.Index, Time = d.Time, Address = d.Address, Id = d.StreamId, Id2 = d.SubstreamId,
                        Size = (byte)Math.Min(d.Size, 255u), Expect = -1,
                        Flags = (byte)((d.Direction == DmaDirection.Write ? FlagWrite : 0) |
                                       ((d.Attributes & DmaAttributes.Privileged) != 0 ? FlagPrivileged : 0) |
                                       ((d.Attributes & DmaAttributes.Instruction) != 0 ? FlagInstruction : 0) |
                                       (d.SubstreamValid ? FlagSubstream : 0)),
                    });
                    break;
                case TraceRecordType.Translation when rec.TryRead(out TranslationRecord t):
                    s.Expect(dma, t.TransactionId, rec.Index, t.Time, t.StreamId, t.SubstreamId, t.SubstreamValid, t.InputAddress,
                        new TranslationExpectation { Record = rec.Index, OutputAddress = t.OutputAddress, Permissions = t.Permissions });
                    break;
                case TraceRecordType.TranslationFault when rec.TryRead(out TranslationFaultRecord f):
                    s.Expect(dma, f.TransactionId, rec.Index, f.Time, f.StreamId, f.SubstreamId, f.SubstreamValid, f.InputAddress,
                        new TranslationExpectation { Record = rec.Index, Fault = true, EventType = f.EventType });
                    break;
                case TraceRecordType.MsiWrite when rec.TryRead(out MsiWriteRecord w):
                    int e = s.AddMsi(new MsiExpectation { Record = -1 });
                    msi[(w.DeviceId, w.Data)] = e;
                    s.Add(new ReplayStep { Kind = StepKind.Msi, Record = rec.Index, Time = w.Time, Address = w.DoorbellAddress, Value = w.Data, Id = w.DeviceId, Id2 = w.RequesterId, Expect = e });
                    break;
                case TraceRecordType.InterruptDelivered when rec.TryRead(out InterruptDeliveredRecord i):
                    if (i.Source == InterruptSource.Its && msi.Remove((i.DeviceId, i.EventId), out int k))
                    {
                        s._msis[k] = new MsiExpectation { Record = rec.Index, Delivered = true, IntId = i.IntId, Cpu = i.TargetCpu };
                    }
                    else
                    {
                        s.SkippedRecords++;
                    }
                    break;
                default:
                    s.SkippedRecords++;
                    break;
            }
        }
        s.Truncated = reader.IsTruncated;
        return s;
    }

    private void Expect(Dictionary<ulong, int> dma, ulong txn, long record, ulong time, uint sid, uint ssid, bool ssv, ulong iova, TranslationExpectation e)
    {
        int ei = TranslationExpectations;
        if (ei == _translations.Length) Array.Resize(ref _translations, ei * 2);
        _translations[ei] = e;
        TranslationExpectations++;
        if (dma.Remove(txn, out int step))
        {
            _steps[step].Expect = ei;
            return;
        }
        // No DmaIssued record (e.g. a trace written by another tool): the result record is also the stimulus.
        Add(new ReplayStep
        {
            Kind = StepKind.Dma, Record = record, Time = time, Address = iova, Id = sid, Id2 = ssid, Size = 4, Expect = ei,
            Flags = (byte)(((e.Permissions & AccessPermissions.Read) == 0 && !e.Fault ? FlagWrite : 0) | (ssv ? FlagSubstream : 0)),
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
