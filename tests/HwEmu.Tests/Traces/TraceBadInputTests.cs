using System.Buffers.Binary;
using System.Diagnostics;
using HwEmu.Traces.Format;
using HwEmu.Traces.Recording;
using NUnit.Framework;

namespace HwEmu.Tests.Traces;

public class TraceBadInputTests
{
    private static TraceFormatException OpenAndReadAll(byte[] file)
    {
        return Assert.Throws<TraceFormatException>(() =>
        {
            using var reader = new TraceReader(new MemoryStream(file));
            while (reader.TryReadNext(out TraceRecord rec))
            {
                SampleTrace.Render(rec);
            }
        })!;
    }

    /// <summary>Recomputes every block CRC so a mutation reaches the record parser instead of the CRC check.</summary>
    internal static void FixCrcs(byte[] file)
    {
        int p = 12;
        while (p + 24 <= file.Length)
        {
            uint len = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(p + 4));
            if (len > file.Length - p - 24)
            {
                return;
            }
            uint crc = Crc32C.Append(Crc32C.Compute(file.AsSpan(p + 4, 16)), file.AsSpan(p + 24, (int)len));
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(p + 20), crc);
            p += 24 + (int)len;
        }
    }

    /// <summary>A file whose second block holds exactly <paramref name="record"/> (CRC valid).</summary>
    private static byte[] FileWithRawRecord(string recordHex)
    {
        (byte[] file, _) = SampleTrace.Build(0);
        byte[] payload = Convert.FromHexString(recordHex);
        byte[] block = new byte[24 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(block, TraceFileLayout.BlockSync);
        BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(4), (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(8), 1);
        BinaryPrimitives.WriteUInt64LittleEndian(block.AsSpan(12), 1);
        payload.CopyTo(block, 24);
        byte[] all = [.. file, .. block];
        FixCrcs(all);
        return all;
    }

    [Test]
    public void WrongMagic()
    {
        (byte[] file, _) = SampleTrace.Build(3);
        file[3] = (byte)'X';
        var ex = OpenAndReadAll(file);
        Assert.That(ex.Offset, Is.EqualTo(0));
        Assert.That(ex.RecordIndex, Is.EqualTo(-1));
        Assert.That(ex.Message, Does.Contain("not an HwEmu trace: magic is 4857455855545243, expected \"HWEMUTRC\""));
    }

    [Test]
    public void EmptyAndTinyFiles()
    {
        Assert.That(OpenAndReadAll([]).Message, Does.Contain("the file has 0 bytes"));
        Assert.That(OpenAndReadAll("HWEMUTRC"u8.ToArray()).Message, Does.Contain("preamble is truncated"));
        (byte[] file, _) = SampleTrace.Build(0);
        var ex = OpenAndReadAll(file.AsSpan(0, 12).ToArray());
        Assert.That(ex.Message, Does.Contain("the file ends before the header record"));
    }

    [Test]
    public void WrongVersion()
    {
        (byte[] file, _) = SampleTrace.Build(3);
        file[8] = 2;
        var ex = OpenAndReadAll(file);
        Assert.That(ex.Offset, Is.EqualTo(8));
        Assert.That(ex.Message, Does.Contain("unsupported format version 2; this reader supports 1..1"));
    }

    [Test]
    public void UnknownCompression()
    {
        (byte[] file, _) = SampleTrace.Build(3);
        file[10] = 9;
        Assert.That(OpenAndReadAll(file).Message, Does.Contain("unknown compression code 9"));
    }

    [Test]
    public void BitFlipInAPayloadIsACrcErrorNamingTheBlockAndRecords()
    {
        (byte[] file, _) = SampleTrace.Build(40, new TraceWriterOptions { BlockSize = 200 });
        int headerBlockEnd = 12 + 24 + (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(16));
        file[headerBlockEnd + 30] ^= 0x04;
        var ex = OpenAndReadAll(file);
        Assert.That(ex.Offset, Is.EqualTo(headerBlockEnd));
        Assert.That(ex.RecordIndex, Is.EqualTo(1));
        Assert.That(ex.Message, Does.Match(@"block CRC-32C mismatch: stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8} \(records 1\.\.\d+\)"));
    }

    [Test]
    public void HugeBlockLengthIsRejectedWithoutAllocating()
    {
        (byte[] file, _) = SampleTrace.Build(5);
        int headerBlockEnd = 12 + 24 + (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(16));
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(headerBlockEnd + 4), 0xffff_fff0);
        var ex = OpenAndReadAll(file);
        Assert.That(ex.Offset, Is.EqualTo(headerBlockEnd + 4));
        Assert.That(ex.Message, Does.Contain("block declares a payload of 4294967280 bytes, more than the limit"));
    }

    [Test]
    public void ALyingBlockLengthInAShortFileCostsOnlyTheBytesPresent()
    {
        (byte[] file, _) = SampleTrace.Build(5);
        int headerBlockEnd = 12 + 24 + (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(16));
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(headerBlockEnd + 4), 15 << 20);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(headerBlockEnd + 8), 15 << 20);
        long before = GC.GetAllocatedBytesForCurrentThread();
        using var reader = new TraceReader(new MemoryStream(file));
        List<string> got = SampleTrace.ReadAll(reader);
        Assert.That(got, Has.Count.EqualTo(5), "the records present are still recovered (unverified)");
        Assert.That(reader.IsTruncated, Is.True);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(1 << 20));
    }

    [Test]
    public void MissingBlockIsDetected()
    {
        (byte[] file, _) = SampleTrace.Build(40, new TraceWriterOptions { BlockSize = 200 });
        int b1 = 12 + 24 + (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(16));
        int b2 = b1 + 24 + (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(b1 + 4));
        byte[] cut = [.. file.AsSpan(0, b1), .. file.AsSpan(b2)];
        var ex = OpenAndReadAll(cut);
        Assert.That(ex.Offset, Is.EqualTo(b1 + 12));
        Assert.That(ex.Message, Does.Contain("expected 1 (a block is missing, repeated or corrupt)"));
    }

    [TestCase("dbffffffff61", 0, "expected an array but found str 32")]
    [TestCase("93 0b 05 db ffffffff", 3, "str 32 declares 4294967295 bytes but only 5 bytes remain")]
    [TestCase("92 0b dd ffffffff", 2, "array 32 declares 4294967295 elements")]
    [TestCase("93 0b 05 c1", 3, "0xc1 is never used")]
    [TestCase("90", 0, "a record must be a non-empty array")]
    [TestCase("92 a178 01", 1, "the record type must be an unsigned integer")]
    [TestCase("92 ff 01", 1, "the record type must be an unsigned integer")]
    [TestCase("92 ce00010000 01", 1, "record type 65536 is out of range")]
    [TestCase("92 00 80", 0, "a header record (type 0) may only be the first record")]
    public void HostileRecordsNameOffsetAndRecord(string recordHex, int offsetInRecord, string message)
    {
        byte[] file = FileWithRawRecord(recordHex.Replace(" ", ""));
        int recordOffset = file.Length - (recordHex.Replace(" ", "").Length / 2);
        var ex = OpenAndReadAll(file);
        Assert.That(ex.RecordIndex, Is.EqualTo(1));
        Assert.That(ex.Offset, Is.EqualTo(recordOffset + offsetInRecord));
        Assert.That(ex.Message, Does.Contain(message));
    }

    [Test]
    public void DeepNestingIsRejected()
    {
        string deep = "920b" + string.Concat(Enumerable.Repeat("91", 200)) + "01";
        var ex = OpenAndReadAll(FileWithRawRecord(deep));
        Assert.That(ex.Message, Does.Contain("nesting deeper than the limit of 32"));
        Assert.That(ex.RecordIndex, Is.EqualTo(1));
    }

    [Test]
    public void BlockCountMismatchAndTrailingBytes()
    {
        byte[] two = FileWithRawRecord("930b0102930b0304");
        var ex = OpenAndReadAll(two);
        Assert.That(ex.Message, Does.Contain("block has 4 bytes after its last declared record"));
        Assert.That(ex.RecordIndex, Is.EqualTo(2));
    }

    [Test]
    public void FuzzedFilesNeverCrashHangOrExplode()
    {
        (byte[] baseFile, _) = SampleTrace.Build(120, new TraceWriterOptions { BlockSize = 300 });
        byte[][] interesting =
        [
            [0xc1], [0xdb, 0xff, 0xff, 0xff, 0xff], [0xdd, 0xff, 0xff, 0xff, 0xff], [0xdf, 0x7f, 0xff, 0xff, 0xff],
            [0xc6, 0xff, 0xff, 0xff, 0xf0], [0xc9, 0xff, 0xff, 0xff, 0xff, 0x01], [0x9f], [0x90], [0xff], [0xcf],
            [0xd7, 0xff], [0xc7, 0x0c, 0xff], [0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91],
        ];
        var rng = new Random(20261123);
        var sw = Stopwatch.StartNew();
        int errors = 0, clean = 0, truncated = 0;
        long maxAllocated = 0;
        for (int iteration = 0; iteration < 12_000; iteration++)
        {
            byte[] f = (byte[])baseFile.Clone();
            int mutations = 1 + rng.Next(4);
            for (int m = 0; m < mutations; m++)
            {
                int at = rng.Next(f.Length);
                switch (rng.Next(6))
                {
                    case 0:
                        f[at] ^= (byte)(1 << rng.Next(8));
                        break;
                    case 1:
                        f[at] = (byte)rng.Next(256);
                        break;
                    case 2:
                        byte[] ins = interesting[rng.Next(interesting.Length)];
                        ins.AsSpan(0, Math.Min(ins.Length, f.Length - at)).CopyTo(f.AsSpan(at));
                        break;
                    case 3:
                        f = f.AsSpan(0, at).ToArray();
                        break;
                    case 4:
                        int len = rng.Next(1, 64);
                        f = [.. f.AsSpan(0, at), .. f.AsSpan(Math.Min(f.Length, at + len))];
                        break;
                    default:
                        if (f.Length >= 4)
                        {
                            BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(Math.Min(at, f.Length - 4)), (uint)rng.Next() | 0x8000_0000u);
                        }
                        break;
                }
                if (f.Length == 0)
                {
                    break;
                }
            }
            // Half of the files get valid CRCs so the mutation reaches the record and MessagePack parsers.
            if ((iteration & 1) == 0)
            {
                FixCrcs(f);
            }
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                using var reader = new TraceReader(new MemoryStream(f));
                while (reader.TryReadNext(out TraceRecord rec))
                {
                    SampleTrace.Render(rec);
                }
                if (reader.IsTruncated)
                {
                    truncated++;
                }
                else
                {
                    clean++;
                }
                using var dumpReader = new TraceReader(new MemoryStream(f));
                TraceJsonDumper.Write(dumpReader, TextWriter.Null);
            }
            catch (TraceFormatException e)
            {
                errors++;
                Assert.That(e.Offset, Is.InRange(0, Math.Max(f.Length, 12)), e.Message);
                Assert.That(e.Message, Does.StartWith("Trace format error at byte offset "));
            }
            maxAllocated = Math.Max(maxAllocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        TestContext.Out.WriteLine($"12000 mutated files in {sw.Elapsed.TotalSeconds:F2} s: {errors} errors, {truncated} truncated, {clean} clean; max allocated {maxAllocated} bytes");
        Assert.That(errors, Is.GreaterThan(5000));
        Assert.That(truncated, Is.GreaterThan(100));
        Assert.That(maxAllocated, Is.LessThan(4 << 20), "memory is bounded by the bytes present");
        Assert.That(sw.Elapsed.TotalSeconds, Is.LessThan(60));
    }
}
