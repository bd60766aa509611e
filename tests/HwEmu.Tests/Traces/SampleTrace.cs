using HwEmu.Traces.Format;
using HwEmu.Traces.MessagePack;
using HwEmu.Traces.Recording;

namespace HwEmu.Tests.Traces;

/// <summary>Deterministic traces with every record type, plus a decoder that renders any record as one line of text
/// (used to compare what was written with what is read back).</summary>
internal static class SampleTrace
{
    public static readonly TraceHeader Header = new()
    {
        EmulatorVersion = "0.1.0-test",
        Platform = "qemu-virt smmuv3 its",
        Scenario = "nvme fio 4k randread — ünïcode ok",
        Seed = 0xfeedface12345678UL,
    };

    public static readonly byte[] StructureBytes = [0x01, 0x00, 0x00, 0x00, 0x10, 0x20, 0x30, 0x40, 0xff, 0xee];

    /// <summary>Appends record <paramref name="i"/> of the sample sequence (cycles through every type) and returns
    /// its text rendering.</summary>
    public static string AppendRecord(long i, Action<Appender> append)
    {
        ulong t = 1000 + ((ulong)i * 1250);
        var a = new Appender();
        switch (i % 12)
        {
            case 0:
                a.Put(new DmaIssuedRecord(t, (ulong)i, 0x0100, 0x100, 5, (i & 1) == 0, 0xffff_f000UL + (ulong)i, 4096, DmaDirection.Write, DmaAttributes.NonSecure | DmaAttributes.NoSnoop));
                break;
            case 1:
                a.Put(new TranslationRecord(t, (ulong)i, 0x100, 0, false, 0xffff_f000UL, 0x4_1234_5000UL, AccessPermissions.Read | AccessPermissions.Write, 3, TranslationSource.Iotlb, 0));
                break;
            case 2:
                a.Put(new TranslationFaultRecord(t, (ulong)i, 0x18, 2, true, 0xdead_0000UL, 0x10, FaultAction.Terminated, 120, true, 0x0000_0018_0000_0010UL, 0x2, 0xdead_0000UL, 0x8_0000_1000UL));
                break;
            case 3:
                a.Put(new MsiWriteRecord(t, 0x0100, 0x100, 0x0809_0040UL, 3));
                break;
            case 4:
                a.Put(new InterruptDeliveredRecord(t, 8195, 1, InterruptSource.Its, 0x100, 3));
                break;
            case 5:
                a.Put(new RegisterWriteRecord(t, 2, 0x0905_0020UL, 4, 0xdu));
                break;
            case 6:
                a.Put(new SmmuCommandRecord(t, 0, (uint)i, 0x03, 0, 0x0000_0100_0000_0003UL, 1));
                break;
            case 7:
                a.Put(new ItsCommandRecord(t, 0, 0x20, 0x0A, 0, 0x100, 3, 0x0000_0100_0000_000aUL, 0x0000_2003_0000_0003UL, 0x1, 0));
                break;
            case 8:
                var mw = new MemoryWriteRecord(t, 0x4000_0000UL, MemoryStructure.StreamTable, StructureBytes);
                a.PutRef(mw);
                break;
            case 9:
                a.Put(new FaultInjectedRecord(t, 7, 3, 0x4000_0040UL, 0x80));
                break;
            case 10:
                a.Put(new CheckpointRecord(t, (ulong)i, 0x0123_4567_89ab_cdefUL));
                break;
            default:
                a.Put(new TranslationRecord(t, (ulong)i, 0x10, 0x7ffff, true, ulong.MaxValue - 0xfff, 0xffff_ffff_ffff_f000UL, AccessPermissions.Read, 250, TranslationSource.WalkWithConfigFetch, 6));
                break;
        }
        append(a);
        return a.Text!;
    }

    /// <summary>Writes <paramref name="count"/> sample records after the header and returns their renderings.</summary>
    public static (byte[] File, List<string> Expected) Build(int count, TraceWriterOptions? options = null)
    {
        var ms = new MemoryStream();
        var expected = new List<string>();
        using (var writer = new TraceWriter(ms, Header, options, leaveOpen: true))
        {
            for (long i = 0; i < count; i++)
            {
                expected.Add(AppendRecord(i, a => a.WriteTo(writer)));
            }
        }
        return (ms.ToArray(), expected);
    }

    /// <summary>Decodes one record with the typed TryRead of its type and renders it.</summary>
    public static string Render(TraceRecord rec)
    {
        switch (rec.Type)
        {
            case TraceRecordType.DmaIssued: return rec.TryRead(out DmaIssuedRecord a) ? a.ToString() : "?";
            case TraceRecordType.Translation: return rec.TryRead(out TranslationRecord b) ? b.ToString() : "?";
            case TraceRecordType.TranslationFault: return rec.TryRead(out TranslationFaultRecord c) ? c.ToString() : "?";
            case TraceRecordType.MsiWrite: return rec.TryRead(out MsiWriteRecord d) ? d.ToString() : "?";
            case TraceRecordType.InterruptDelivered: return rec.TryRead(out InterruptDeliveredRecord e) ? e.ToString() : "?";
            case TraceRecordType.RegisterWrite: return rec.TryRead(out RegisterWriteRecord f) ? f.ToString() : "?";
            case TraceRecordType.SmmuCommand: return rec.TryRead(out SmmuCommandRecord g) ? g.ToString() : "?";
            case TraceRecordType.ItsCommand: return rec.TryRead(out ItsCommandRecord h) ? h.ToString() : "?";
            case TraceRecordType.MemoryWrite: return rec.TryRead(out MemoryWriteRecord m) ? RenderMemoryWrite(m) : "?";
            case TraceRecordType.FaultInjected: return rec.TryRead(out FaultInjectedRecord k) ? k.ToString() : "?";
            case TraceRecordType.Checkpoint: return rec.TryRead(out CheckpointRecord l) ? l.ToString() : "?";
            default: return $"unknown {rec.RawType}";
        }
    }

    public static string RenderMemoryWrite(MemoryWriteRecord m) =>
        $"MemoryWriteRecord {{ Time = {m.Time}, Address = {m.Address}, Structure = {m.Structure}, Data = {Convert.ToHexString(m.Data)} }}";

    /// <summary>Reads every record after the header and renders it.</summary>
    public static List<string> ReadAll(TraceReader reader)
    {
        var list = new List<string>();
        while (reader.TryReadNext(out TraceRecord rec))
        {
            list.Add(Render(rec));
        }
        return list;
    }

    /// <summary>Captures one record (typed) so it can be written to a writer or recorder.</summary>
    internal sealed class Appender
    {
        private Action<TraceWriter>? _toWriter;
        private Action<TraceRecorder>? _toRecorder;

        public string? Text { get; private set; }

        public void Put<T>(T record) where T : struct, ITraceRecord<T>
        {
            Text = record.ToString();
            _toWriter = w => w.Append(in record);
            _toRecorder = r => r.Append(in record);
        }

        public void PutRef(MemoryWriteRecord record)
        {
            Text = RenderMemoryWrite(record);
            ulong time = record.Time, address = record.Address;
            MemoryStructure s = record.Structure;
            byte[] data = record.Data.ToArray();
            _toWriter = w => w.Append(new MemoryWriteRecord(time, address, s, data));
            _toRecorder = r => r.Append(new MemoryWriteRecord(time, address, s, data));
        }

        public void WriteTo(TraceWriter w) => _toWriter!(w);

        public void WriteTo(TraceRecorder r) => _toRecorder!(r);
    }
}
