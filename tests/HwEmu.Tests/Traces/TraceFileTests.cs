using System.Buffers.Binary;
using HwEmu.Traces.Format;
using HwEmu.Traces.MessagePack;
using HwEmu.Traces.Recording;
using NUnit.Framework;

namespace HwEmu.Tests.Traces;

public class TraceFileTests
{
    [TestCase(TraceCompression.None)]
    [TestCase(TraceCompression.GZip)]
    [TestCase(TraceCompression.Brotli)]
    public void EveryRecordTypeRoundTrips(TraceCompression compression)
    {
        (byte[] file, List<string> expected) = SampleTrace.Build(1000, new TraceWriterOptions { BlockSize = 512, Compression = compression });
        using var reader = new TraceReader(new MemoryStream(file));
        Assert.That(reader.Header, Is.EqualTo(SampleTrace.Header));
        Assert.That(reader.Compression, Is.EqualTo(compression));
        List<string> actual = SampleTrace.ReadAll(reader);
        Assert.That(actual, Is.EqualTo(expected));
        Assert.That(reader.IsTruncated, Is.False);
        Assert.That(reader.NextRecordIndex, Is.EqualTo(1001));
        Assert.That(reader.BlockCount, Is.GreaterThan(10));
    }

    [Test]
    public void FileCreateAndOpenRoundTrip()
    {
        string path = Path.Combine(TestContext.CurrentContext.WorkDirectory, "roundtrip.hwtrace");
        using (TraceWriter writer = TraceWriter.Create(path, SampleTrace.Header, new TraceWriterOptions { Compression = TraceCompression.Brotli }))
        using (var recorder = new TraceRecorder(writer))
        {
            for (int i = 0; i < 1000; i++)
            {
                var cp = new CheckpointRecord((ulong)i * 10, (ulong)i, (ulong)i * 7);
                recorder.Append(in cp);
            }
        }
        using TraceReader reader = TraceReader.Open(path);
        long n = 0;
        while (reader.TryReadNext(out TraceRecord rec))
        {
            Assert.That(rec.TryRead(out CheckpointRecord cp), Is.True);
            Assert.That(cp, Is.EqualTo(new CheckpointRecord((ulong)n * 10, (ulong)n, (ulong)n * 7)));
            Assert.That(rec.Index, Is.EqualTo(n + 1));
            n++;
        }
        Assert.That(n, Is.EqualTo(1000));
        Assert.That(reader.Compression, Is.EqualTo(TraceCompression.Brotli));
    }

    [Test]
    public void PreambleAndFirstBlockLayout()
    {
        (byte[] file, _) = SampleTrace.Build(0);
        Assert.That(file.AsSpan(0, 12).ToArray(), Is.EqualTo("HWEMUTRC"u8.ToArray().Concat(new byte[] { 1, 0, 0, 0 }).ToArray()));
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(12)), Is.EqualTo(0x4B425748u));
        int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(16));
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(20)), Is.EqualTo(1u), "the header block holds one record");
        Assert.That(BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(24)), Is.EqualTo(0UL));
        uint crc = Crc32C.Append(Crc32C.Compute(file.AsSpan(16, 16)), file.AsSpan(36, length));
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(32)), Is.EqualTo(crc));
        Assert.That(file.Length, Is.EqualTo(36 + length));
        // The header record: [0, {6 pairs}]
        Assert.That(file[36], Is.EqualTo(0x92));
        Assert.That(file[37], Is.EqualTo(0x00));
        Assert.That(file[38], Is.EqualTo(0x86));
    }

    [Test]
    public void TranslationRecordExactBytes()
    {
        var rec = new TranslationRecord(1_000_000, 7, 0x10, 0, false, 0xfffff000, 0x4_0000_0000, AccessPermissions.Read | AccessPermissions.Write, 3, TranslationSource.Iotlb, 0);
        string hex = MessagePackWriterTests.Encode((ref MessagePackWriter w) => rec.Write(ref w));
        Assert.That(hex, Is.EqualTo("9b02ce000f42400710c0cefffff000cf000000040000000003030200"));
    }

    [Test]
    public void RecorderWritesEveryRecordInOrderUnderBackpressure()
    {
        var slow = new SlowStream();
        var expected = new List<string>();
        using (var writer = new TraceWriter(slow, SampleTrace.Header, new TraceWriterOptions { BlockSize = 256 }, leaveOpen: true))
        using (var recorder = new TraceRecorder(writer, capacity: 1, chunkSize: 4096))
        {
            for (long i = 0; i < 5000; i++)
            {
                expected.Add(SampleTrace.AppendRecord(i, a => a.WriteTo(recorder)));
            }
            recorder.Complete();
            Assert.That(recorder.RecordsAppended, Is.EqualTo(5000));
            Assert.That(recorder.BackpressureWaits, Is.GreaterThan(0), "the slow stream must have made Append wait");
        }
        using var reader = new TraceReader(new MemoryStream(slow.ToArray()));
        Assert.That(SampleTrace.ReadAll(reader), Is.EqualTo(expected));
    }

    // The recorder queues the per-transaction record types in a packed layout of its own (QueuedRecords); every
    // field must survive it, including extreme values, the optional SubstreamID and the appended fields.
    [Test]
    public void RecorderPacksPerTransactionRecordsWithoutLosingAField()
    {
        void AppendAll(Action<ITraceRecordSink> put)
        {
            foreach (ulong v in new[] { 0UL, 1UL, 0x0123_4567_89ab_cdefUL, ulong.MaxValue - 1 })
            {
                uint u = (uint)(v >> 7) ^ 0xa5a5_a5a5u;
                byte b = (byte)(v >> 3);
                bool flag = (v & 1) == 0;
                put.Invoke(new Sink<DmaIssuedRecord>(new DmaIssuedRecord(v, ~v, (ushort)u, u, ~u, flag, v ^ 0xfff, u >> 3, flag ? DmaDirection.Write : DmaDirection.Read,
                    (DmaAttributes)(b & 0x1f), flag ? -1 : int.MaxValue, b, (byte)~b)));
                put.Invoke(new Sink<TranslationRecord>(new TranslationRecord(v, ~v, u, ~u, flag, v ^ 0x123, ~v ^ 0x456, (AccessPermissions)(b & 0xf), ~u, (TranslationSource)(b % 6), b,
                    flag ? TranslationRecord.NoArrival : v >> 1)));
                put.Invoke(new Sink<DmaCompletedRecord>(new DmaCompletedRecord(v, ~v, u, b, flag ? DmaDirection.Read : DmaDirection.Write, ~u, v >> 2, (byte)~b)));
                put.Invoke(new Sink<MsiWriteRecord>(new MsiWriteRecord(v, (ushort)~u, u, ~v, ~u)));
                put.Invoke(new Sink<InterruptDeliveredRecord>(new InterruptDeliveredRecord(v, u, ~u, (InterruptSource)(b & 1), u ^ 7, ~u ^ 9)));
            }
        }
        var direct = new MemoryStream();
        using (var writer = new TraceWriter(direct, SampleTrace.Header, leaveOpen: true))
        {
            AppendAll(r => r.To(writer));
        }
        var queued = new MemoryStream();
        using (var writer = new TraceWriter(queued, SampleTrace.Header, leaveOpen: true))
        using (var recorder = new TraceRecorder(writer, ownsWriter: false))
        {
            AppendAll(r => r.To(recorder));
            recorder.Complete();
        }
        Assert.That(queued.ToArray(), Is.EqualTo(direct.ToArray()));
        using var reader = new TraceReader(new MemoryStream(queued.ToArray()));
        Assert.That(SampleTrace.ReadAll(reader), Has.Count.EqualTo(20));
    }

    // A derived recorder that fails while completing must not leave the writer thread running or lose what was
    // already appended.
    [Test]
    public void RecorderFinishesWritingWhenTheDerivedCompletionFails()
    {
        var ms = new MemoryStream();
        var expected = new List<string>();
        using (var writer = new TraceWriter(ms, SampleTrace.Header, leaveOpen: true))
        {
            var recorder = new FailingRecorder(writer);
            for (long i = 0; i < 100; i++) expected.Add(SampleTrace.AppendRecord(i, a => a.WriteTo(recorder)));
            Assert.Throws<InvalidOperationException>(recorder.Complete);
            Assert.That(recorder.Completed, Is.True);
            recorder.Dispose(); // a second completion is a no-op
        }
        using var reader = new TraceReader(new MemoryStream(ms.ToArray()));
        Assert.That(SampleTrace.ReadAll(reader), Is.EqualTo(expected));
    }

    // A recorder whose writer is built on the writer thread (RunTraceRecorder.Create: the header JSON) writes the same
    // file, and a failure to build it surfaces as an IOException instead of a hang or a lost error.
    [Test]
    public void RecorderBuildsItsWriterOnTheWriterThread()
    {
        var direct = new MemoryStream();
        var expected = new List<string>();
        using (var writer = new TraceWriter(direct, SampleTrace.Header, leaveOpen: true))
        {
            for (long i = 0; i < 500; i++) expected.Add(SampleTrace.AppendRecord(i, a => a.WriteTo(writer)));
        }
        var deferred = new MemoryStream();
        int creatingThread = -1;
        using (var recorder = new DeferredRecorder(() =>
               {
                   creatingThread = Environment.CurrentManagedThreadId;
                   return new TraceWriter(deferred, SampleTrace.Header, leaveOpen: true);
               }))
        {
            for (long i = 0; i < 500; i++) SampleTrace.AppendRecord(i, a => a.WriteTo(recorder));
            recorder.Complete();
        }
        Assert.That(creatingThread, Is.Not.EqualTo(Environment.CurrentManagedThreadId));
        Assert.That(deferred.ToArray(), Is.EqualTo(direct.ToArray()));

        var failing = new DeferredRecorder(() => throw new IOException("disk gone"));
        for (long i = 0; i < 10; i++) SampleTrace.AppendRecord(i, a => a.WriteTo(failing));
        var e = Assert.Throws<IOException>(failing.Complete)!;
        Assert.That(e.Message, Does.Contain("disk gone"));
        failing.Dispose();
    }

    private sealed class DeferredRecorder(Func<TraceWriter> create) : TraceRecorder(create);

    private sealed class FailingRecorder(TraceWriter writer) : TraceRecorder(writer, ownsWriter: false)
    {
        public bool Completed { get; private set; }

        protected override void OnCompleting()
        {
            Completed = true;
            throw new InvalidOperationException("derived completion failed");
        }
    }

    private interface ITraceRecordSink
    {
        void To(TraceWriter writer);
        void To(TraceRecorder recorder);
    }

    private sealed class Sink<T>(T record) : ITraceRecordSink where T : struct, ITraceRecord<T>
    {
        public void To(TraceWriter writer) => writer.Append(in record);
        public void To(TraceRecorder recorder) => recorder.Append(in record);
    }

    [TestCase(TraceCompression.None)]
    [TestCase(TraceCompression.GZip)]
    public void RecorderWritesTheSameBytesAsAWriter(TraceCompression compression)
    {
        var options = new TraceWriterOptions { BlockSize = 700, Compression = compression };
        var direct = new MemoryStream();
        using (var writer = new TraceWriter(direct, SampleTrace.Header, options, leaveOpen: true))
        {
            for (long i = 0; i < 3000; i++) SampleTrace.AppendRecord(i, a => a.WriteTo(writer));
        }
        var queued = new MemoryStream();
        using (var writer = new TraceWriter(queued, SampleTrace.Header, options, leaveOpen: true))
        using (var recorder = new TraceRecorder(writer, capacity: 2, ownsWriter: false))
        {
            for (long i = 0; i < 3000; i++) SampleTrace.AppendRecord(i, a => a.WriteTo(recorder));
            recorder.Complete();
        }
        if (compression == TraceCompression.None)
        {
            Assert.That(queued.ToArray(), Is.EqualTo(direct.ToArray()));
        }
        using var a = new TraceReader(new MemoryStream(direct.ToArray()));
        using var b = new TraceReader(new MemoryStream(queued.ToArray()));
        Assert.That(SampleTrace.ReadAll(b), Is.EqualTo(SampleTrace.ReadAll(a)));
    }

    [Test]
    public void RecorderSurfacesWriteErrors()
    {
        var failing = new FailingStream(afterBytes: 2000);
        var writer = new TraceWriter(failing, SampleTrace.Header, new TraceWriterOptions { BlockSize = 128 });
        var recorder = new TraceRecorder(writer, capacity: 2);
        var ex = Assert.Throws<IOException>(() =>
        {
            for (long i = 0; i < 100_000; i++)
            {
                SampleTrace.AppendRecord(i, a => a.WriteTo(recorder));
            }
            recorder.Complete();
        });
        Assert.That(ex!.Message, Does.Contain("Writing the trace failed"));
    }

    [Test]
    public void RecorderAppendAllocatesNothingPerRecord()
    {
        using var writer = new TraceWriter(Stream.Null, SampleTrace.Header);
        using var recorder = new TraceRecorder(writer, capacity: 64, chunkSize: 64 << 10);
        var rec = new TranslationRecord(1, 2, 3, 4, true, 5, 6, AccessPermissions.Read, 7, TranslationSource.Walk, 1);
        for (int i = 0; i < 300; i++)
        {
            recorder.Append(in rec);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 300; i++)
        {
            recorder.Append(in rec);
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0), "within a chunk (64 KiB: ~1000 translation records)");
        // Handing a full chunk to the writer task may cost the channel a work item (and a wait, under backpressure):
        // bytes per ~1000 records. One object per record would be at least 24 B per record.
        before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100_000; i++)
        {
            recorder.Append(in rec);
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(100_000));
    }

    [Test]
    public void WriterAndReaderAllocateNothingPerRecord()
    {
        var ms = new MemoryStream(64 << 20);
        var rec = new TranslationRecord(1_000_000, 2, 3, 4, true, 0xffff_0000, 0x4_0000_0000, AccessPermissions.Read, 7, TranslationSource.Walk, 1);
        using (var writer = new TraceWriter(ms, SampleTrace.Header, leaveOpen: true))
        {
            for (int i = 0; i < 20_000; i++)
            {
                writer.Append(in rec);
            }
            // Best of three passes: a per-record allocation shows in every pass (200 000 records), while a runtime
            // artefact on a loaded machine (seen once in a full run) does not repeat.
            long encodeBytes = long.MaxValue;
            for (int pass = 0; pass < 3; pass++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 200_000; i++)
                {
                    writer.Append(in rec);
                }
                encodeBytes = Math.Min(encodeBytes, GC.GetAllocatedBytesForCurrentThread() - before);
            }
            Assert.That(encodeBytes, Is.EqualTo(0), "encode");
        }
        using var reader = new TraceReader(new MemoryStream(ms.ToArray()));
        for (int i = 0; i < 20_000; i++)
        {
            Assert.That(reader.TryReadNext(out TraceRecord r) && r.TryRead(out TranslationRecord _), Is.True);
        }
        long decodeBytes = long.MaxValue;
        long n = 0;
        for (int pass = 0; pass < 3; pass++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 200_000 && reader.TryReadNext(out TraceRecord r); i++)
            {
                if (r.TryRead(out TranslationRecord t) && t == rec)
                {
                    n++;
                }
            }
            decodeBytes = Math.Min(decodeBytes, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.That(decodeBytes, Is.EqualTo(0), "decode");
        Assert.That(n, Is.EqualTo(600_000));
        Assert.That(reader.TryReadNext(out _), Is.False);
    }

    [Test]
    public void ReadersSkipUnknownRecordTypesAndExtraFields()
    {
        var ms = new MemoryStream();
        var known = new CheckpointRecord(5, 1, 2);
        using (var writer = new TraceWriter(ms, SampleTrace.Header, leaveOpen: true))
        {
            // type 200 with nested content, then a checkpoint from a "newer" writer with two extra fields.
            writer.AppendRaw(Convert.FromHexString("94ccc80a92a1789101c4020102"));
            writer.AppendRaw(Convert.FromHexString("960b050102" + "a3657874" + "c0"));
            writer.Append(in known);
        }
        using var reader = new TraceReader(new MemoryStream(ms.ToArray()));
        Assert.That(reader.TryReadNext(out TraceRecord r1), Is.True);
        Assert.That(r1.RawType, Is.EqualTo(200));
        Assert.That(r1.IsKnownType, Is.False);
        Assert.That(r1.Time, Is.EqualTo(10UL));
        Assert.That(r1.TryRead(out CheckpointRecord _), Is.False);
        Assert.That(reader.TryReadNext(out TraceRecord r2), Is.True);
        Assert.That(r2.TryRead(out CheckpointRecord c2), Is.True);
        Assert.That(c2, Is.EqualTo(new CheckpointRecord(5, 1, 2)));
        Assert.That(reader.TryReadNext(out TraceRecord r3), Is.True);
        Assert.That(r3.TryRead(out CheckpointRecord c3), Is.True);
        Assert.That(c3, Is.EqualTo(known));
        MessagePackReader payload = r3.CreatePayloadReader(out int fields);
        Assert.That(fields, Is.EqualTo(3));
        Assert.That(payload.ReadUInt64(), Is.EqualTo(5UL));
        Assert.That(reader.TryReadNext(out _), Is.False);
    }

    [TestCase("")]
    [TestCase("01")]
    [TestCase("90")]
    [TestCase("9100")]
    [TestCase("91a178")]
    [TestCase("92ff01")]
    [TestCase("92010101")]
    public void AppendRawRejectsWhatIsNotOneRecord(string hex)
    {
        using var writer = new TraceWriter(new MemoryStream(), SampleTrace.Header);
        Assert.Throws<ArgumentException>(() => writer.AppendRaw(Convert.FromHexString(hex)));
    }

    [Test]
    public void TryReadOfTheWrongTypeReturnsFalseAndASchemaMismatchThrowsWithLocation()
    {
        var ms = new MemoryStream();
        using (var writer = new TraceWriter(ms, SampleTrace.Header, leaveOpen: true))
        {
            writer.AppendRaw(Convert.FromHexString("940b05a17802")); // checkpoint whose id is a string
        }
        using var reader = new TraceReader(new MemoryStream(ms.ToArray()));
        Assert.That(reader.TryReadNext(out TraceRecord rec), Is.True);
        Assert.That(rec.TryRead(out TranslationRecord _), Is.False);
        var ex = Assert.Throws<TraceFormatException>(() => Render(ms.ToArray()));
        Assert.That(ex!.RecordIndex, Is.EqualTo(1));
        Assert.That(ex.Offset, Is.EqualTo(rec.Offset + 3));
        Assert.That(ex.Message, Does.Contain("Checkpoint record does not match its schema: expected an integer but found fixstr"));
    }

    private static void Render(byte[] file)
    {
        using var reader = new TraceReader(new MemoryStream(file));
        reader.TryReadNext(out TraceRecord rec);
        rec.TryRead(out CheckpointRecord _);
    }

    [Test]
    public void ATruncatedFileYieldsEveryCompleteRecordAtEveryCutPoint()
    {
        (byte[] file, List<string> expected) = SampleTrace.Build(60, new TraceWriterOptions { BlockSize = 200 });
        // End offset of every record: read the full file once and remember where each record ends.
        var ends = new List<long>();
        using (var full = new TraceReader(new MemoryStream(file)))
        {
            while (full.TryReadNext(out TraceRecord r))
            {
                ends.Add(r.Offset + r.Bytes.Length);
            }
        }
        Assert.That(ends, Has.Count.EqualTo(60));
        int headerEnd = 12 + 24 + (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(16));
        for (int cut = headerEnd; cut < file.Length; cut++)
        {
            using var reader = new TraceReader(new MemoryStream(file, 0, cut));
            List<string> got = SampleTrace.ReadAll(reader);
            int complete = ends.Count(e => e <= cut);
            Assert.That(got, Is.EqualTo(expected.Take(complete).ToList()), $"cut at {cut}");
            Assert.That(reader.IsTruncated, Is.EqualTo(!IsBlockBoundary(file, cut)), $"cut at {cut}");
            if (!IsBlockBoundary(file, cut))
            {
                Assert.That(reader.IsTruncated, Is.True, $"cut at {cut}");
                Assert.That(reader.TruncatedAtOffset, Is.LessThanOrEqualTo(cut));
            }
        }
    }

    private static bool IsBlockBoundary(byte[] file, int cut)
    {
        int p = 12;
        while (p < file.Length)
        {
            if (p == cut)
            {
                return true;
            }
            p += 24 + (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(p + 4));
        }
        return p == cut;
    }

    [Test]
    public void ATruncatedCompressedFileYieldsItsCompleteRecordsOrAClearError()
    {
        (byte[] file, List<string> expected) = SampleTrace.Build(300, new TraceWriterOptions { BlockSize = 300, Compression = TraceCompression.GZip });
        for (int cut = file.Length - 1; cut > 12; cut -= 37)
        {
            var got = new List<string>();
            try
            {
                using var reader = new TraceReader(new MemoryStream(file, 0, cut));
                while (reader.TryReadNext(out TraceRecord rec))
                {
                    got.Add(SampleTrace.Render(rec));
                }
            }
            catch (TraceFormatException)
            {
            }
            Assert.That(got, Is.EqualTo(expected.Take(got.Count).ToList()), $"cut at {cut}");
        }
    }

    [Test]
    public void ThrowOnTruncationOption()
    {
        (byte[] file, _) = SampleTrace.Build(50);
        using var reader = new TraceReader(new MemoryStream(file, 0, file.Length - 5), new TraceReaderOptions { ThrowOnTruncation = true });
        var ex = Assert.Throws<TraceFormatException>(() => SampleTrace.ReadAll(reader));
        Assert.That(ex!.Message, Does.Contain("file ends inside a block payload"));
    }

    private sealed class SlowStream : MemoryStream
    {
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Thread.Sleep(1);
            base.Write(buffer);
        }
    }

    private sealed class FailingStream(int afterBytes) : Stream
    {
        private long _written;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _written;
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _written += buffer.Length;
            if (_written > afterBytes)
            {
                throw new IOException("disk full");
            }
        }
    }
}
