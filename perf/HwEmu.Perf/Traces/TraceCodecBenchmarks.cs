using BenchmarkDotNet.Attributes;
using HwEmu.Traces;
using HwEmu.Traces.Format;
using HwEmu.Traces.MessagePack;
using HwEmu.Traces.Recording;

namespace HwEmu.Perf.Traces;

/// <summary>
/// Trace encode/decode throughput. Each benchmark invocation handles <see cref="Records"/> translation records, so
/// records/s = Records / mean time; allocation per record = allocated / Records.
/// Run: <c>dotnet run -c Release --project perf/HwEmu.Perf -- --filter '*TraceCodec*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class TraceCodecBenchmarks
{
    /// <summary>Translation records per invocation.</summary>
    public const int Records = 1_000_000;

    private TranslationRecord[] _records = [];
    private byte[] _file = [];
    private byte[] _payload = [];
    private TraceWriter? _writer;
    private RecordBuffer _buffer = new(Records * 40);

    /// <summary>Builds the records, an encoded file and a bare record payload.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _records = new TranslationRecord[Records];
        for (int i = 0; i < Records; i++)
        {
            _records[i] = TraceQuickBenchmarks.SampleTranslation(i);
        }
        _file = TraceQuickBenchmarks.BuildTranslationFile(Records);
        _buffer = new RecordBuffer(Records * 40);
        var w = new MessagePackWriter(_buffer);
        foreach (TranslationRecord r in _records)
        {
            r.Write(ref w);
        }
        w.Flush();
        _payload = _buffer.Written.ToArray();
        _writer = new TraceWriter(Stream.Null, new TraceHeader { EmulatorVersion = "bench" });
    }

    /// <summary>Disposes the writer.</summary>
    [GlobalCleanup]
    public void Cleanup() => _writer?.Dispose();

    /// <summary>Encode through TraceWriter: MessagePack into pooled blocks, CRC-32C, write to Stream.Null.</summary>
    [Benchmark(OperationsPerInvoke = Records)]
    public long EncodeTraceWriter()
    {
        TraceWriter writer = _writer!;
        TranslationRecord[] recs = _records;
        for (int i = 0; i < recs.Length; i++)
        {
            writer.Append(in recs[i]);
        }
        return writer.RecordCount;
    }

    /// <summary>Encode with the bare MessagePack writer into a preallocated buffer (codec cost only).</summary>
    [Benchmark(OperationsPerInvoke = Records)]
    public int EncodeCodec()
    {
        _buffer.Reset();
        var w = new MessagePackWriter(_buffer);
        TranslationRecord[] recs = _records;
        for (int i = 0; i < recs.Length; i++)
        {
            recs[i].Write(ref w);
        }
        w.Flush();
        return _buffer.Written.Length;
    }

    /// <summary>Decode through TraceReader: block read, CRC-32C check, record scan and TranslationRecord.TryRead.</summary>
    [Benchmark(OperationsPerInvoke = Records)]
    public ulong DecodeTraceReader()
    {
        ulong sum = 0;
        using var reader = new TraceReader(new MemoryStream(_file, writable: false));
        while (reader.TryReadNext(out TraceRecord rec))
        {
            if (rec.TryRead(out TranslationRecord t))
            {
                sum += t.OutputAddress;
            }
        }
        return sum;
    }

    /// <summary>Decode bare records with the MessagePack reader and TranslationRecord.TryRead (codec cost only).</summary>
    [Benchmark(OperationsPerInvoke = Records)]
    public ulong DecodeCodec()
    {
        ulong sum = 0;
        var r = new MessagePackReader(_payload);
        while (!r.End)
        {
            TranslationRecord.TryRead(ref r, out TranslationRecord t);
            sum += t.OutputAddress;
        }
        return sum;
    }

    /// <summary>A fixed array exposed as an IBufferWriter, reset between invocations.</summary>
    private sealed class RecordBuffer(int capacity) : System.Buffers.IBufferWriter<byte>
    {
        private readonly byte[] _data = new byte[capacity];
        private int _used;

        public ReadOnlySpan<byte> Written => _data.AsSpan(0, _used);

        public void Reset() => _used = 0;

        public void Advance(int count) => _used += count;

        public Memory<byte> GetMemory(int sizeHint = 0) => _data.AsMemory(_used);

        public Span<byte> GetSpan(int sizeHint = 0) => _data.AsSpan(_used);
    }
}
