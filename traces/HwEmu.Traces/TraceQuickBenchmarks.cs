using System.Diagnostics;
using HwEmu.Traces.Format;
using HwEmu.Traces.Recording;

namespace HwEmu.Traces;

/// <summary>
/// Quick (~0.5 s each) throughput runs for <c>hwemu bench</c>-style smoke measurements; the BenchmarkDotNet suite in
/// perf/HwEmu.Perf/Traces is the reference.
/// </summary>
public static class TraceQuickBenchmarks
{
    private const int RecordsPerFile = 100_000;

    /// <summary>A representative translation record for record number <paramref name="i"/> (varied field sizes).</summary>
    public static TranslationRecord SampleTranslation(long i)
    {
        ulong iova = 0x8000_0000UL + ((ulong)i * 0x1000UL % 0x4000_0000UL) + ((ulong)i & 0xff8);
        return new TranslationRecord(
            Time: 1_000_000UL + ((ulong)i * 2_500UL),
            TransactionId: (ulong)i,
            StreamId: 0x10 + (uint)(i & 7),
            SubstreamId: (uint)(i & 3),
            SubstreamValid: (i & 4) != 0,
            InputAddress: iova,
            OutputAddress: 0x4_0000_0000UL + (iova & 0x3fff_ffffUL),
            Permissions: AccessPermissions.Read | AccessPermissions.Write,
            LatencyCycles: (i % 16) == 0 ? 180u : 3u,
            ServedBy: (i % 16) == 0 ? TranslationSource.Walk : TranslationSource.Iotlb,
            WalkFetches: (byte)((i % 16) == 0 ? 4 : 0));
    }

    /// <summary>Encodes translation records through <see cref="TraceWriter"/> (MessagePack + blocks + CRC-32C) into a
    /// null stream for about <paramref name="seconds"/> seconds.</summary>
    public static (string Name, long Operations, double Seconds) EncodeTranslation(double seconds = 0.5)
    {
        var header = new TraceHeader { EmulatorVersion = "bench", Platform = "bench", Scenario = "encode" };
        using var writer = new TraceWriter(Stream.Null, header);
        long ops = 0;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            for (int k = 0; k < 100_000; k++)
            {
                TranslationRecord rec = SampleTranslation(ops + k);
                writer.Append(in rec);
            }
            ops += 100_000;
        }
        writer.Flush();
        return ("trace.encode.translation", ops, sw.Elapsed.TotalSeconds);
    }

    /// <summary>Reads and decodes translation records from an in-memory trace file (CRC check, record framing and
    /// <see cref="TranslationRecord.TryRead"/>) for about <paramref name="seconds"/> seconds.</summary>
    public static (string Name, long Operations, double Seconds) DecodeTranslation(double seconds = 0.5)
    {
        byte[] file = BuildTranslationFile(RecordsPerFile);
        long ops = 0;
        ulong checksum = 0;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            using var reader = new TraceReader(new MemoryStream(file, writable: false));
            while (reader.TryReadNext(out TraceRecord rec))
            {
                if (rec.TryRead(out TranslationRecord t))
                {
                    checksum += t.OutputAddress;
                    ops++;
                }
            }
        }
        double elapsed = sw.Elapsed.TotalSeconds;
        GC.KeepAlive(checksum);
        return ("trace.decode.translation", ops, elapsed);
    }

    /// <summary>An uncompressed trace file holding <paramref name="count"/> sample translation records.</summary>
    public static byte[] BuildTranslationFile(int count, TraceCompression compression = TraceCompression.None)
    {
        var ms = new MemoryStream();
        var header = new TraceHeader { EmulatorVersion = "bench", Platform = "bench", Scenario = "decode" };
        using (var writer = new TraceWriter(ms, header, new TraceWriterOptions { Compression = compression }, leaveOpen: true))
        {
            for (int i = 0; i < count; i++)
            {
                TranslationRecord rec = SampleTranslation(i);
                writer.Append(in rec);
            }
        }
        return ms.ToArray();
    }
}
