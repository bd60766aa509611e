using System.IO.Compression;
using HwEmu.Emulator.Memory;
using NUnit.Framework;

namespace HwEmu.Tests.Memory;

public class PhysicalMemoryTests
{
    private const ulong LastByte = 0xF_FFFF_FFFF_FFFFUL;

    [Test]
    public void ScalarValuesAreLittleEndian()
    {
        var m = new PhysicalMemory();
        m.Write64(0x1000, 0x0807_0605_0403_0201);
        Assert.That(m.Read8(0x1000), Is.EqualTo(0x01));
        Assert.That(m.Read8(0x1007), Is.EqualTo(0x08));
        Assert.That(m.Read16(0x1002), Is.EqualTo(0x0403));
        Assert.That(m.Read32(0x1004), Is.EqualTo(0x0807_0605u));
        Assert.That(m.Read64(0x1000), Is.EqualTo(0x0807_0605_0403_0201UL));
        m.Write32(0x1010, 0xDEAD_BEEF);
        m.Write16(0x1014, 0xCAFE);
        m.Write8(0x1016, 0x5A);
        Assert.That(m.Read64(0x1010), Is.EqualTo(0x005A_CAFE_DEAD_BEEFUL));
        m.Write(0x1020, 2, 0xFFFF_FFFF_FFFF_1234); // only the low 2 bytes are stored
        Assert.That(m.Read(0x1020, 8), Is.EqualTo(0x1234UL));
        Assert.That(m.Read(0x1020, 1), Is.EqualTo(0x34UL));
        Assert.That(m.Read(0x1020, 2), Is.EqualTo(0x1234UL));
        Assert.That(m.Read(0x1020, 4), Is.EqualTo(0x1234UL));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Read(0x1020, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Write(0x1020, 16, 0));
    }

    [TestCase(0x1FFFUL)]
    [TestCase(0x1FFDUL)]
    [TestCase(0x1FF9UL)]
    [TestCase(0x1003UL)]
    public void UnalignedAndPageCrossingAccesses(ulong pa)
    {
        var m = new PhysicalMemory();
        m.Write64(pa, 0x1122_3344_5566_7788);
        Assert.That(m.Read64(pa), Is.EqualTo(0x1122_3344_5566_7788UL));
        Assert.That(m.Read32(pa + 1), Is.EqualTo(0x4455_6677u));
        Assert.That(m.Read16(pa + 6), Is.EqualTo(0x1122));
        Assert.That(m.Read8(pa + 7), Is.EqualTo(0x11));
        Assert.That(m.Read8(pa + 8), Is.Zero);
        Assert.That(m.Read8(pa - 1), Is.Zero);
        m.Write32(pa + 2, 0xAABB_CCDD);
        Assert.That(m.Read64(pa), Is.EqualTo(0x1122_AABB_CCDD_7788UL));
        m.Write16(pa + 7, 0xEEFF);
        Assert.That(m.Read64(pa), Is.EqualTo(0xFF22_AABB_CCDD_7788UL));
        Assert.That(m.Read8(pa + 8), Is.EqualTo(0xEE));
        Assert.That(m.AllocatedPages, Is.EqualTo(((pa + 8) >> 12) - (pa >> 12) + 1));
    }

    [Test]
    public void ReadsAlternatingBetweenPagesSeeEachPage()
    {
        // Exercises the one-page lookup cache.
        var m = new PhysicalMemory();
        for (ulong p = 0; p < 16; p++) m.Write64(p << 12, p + 100);
        for (int round = 0; round < 3; round++)
            for (ulong p = 0; p < 16; p++)
                Assert.That(m.Read64(p << 12), Is.EqualTo(p + 100));
        Assert.That(m.Read64(16UL << 12), Is.Zero);
        Assert.That(m.Read64(0), Is.EqualTo(100));
    }

    [Test]
    public void SpanCopiesAcrossPages()
    {
        var m = new PhysicalMemory();
        var data = new byte[3 * PhysicalMemory.PageSize + 123];
        for (int i = 0; i < data.Length; i++) data[i] = (byte)(i * 7 + 1);
        const ulong Base = 0x4000_0F00;
        m.Write(Base, data);
        var back = new byte[data.Length + 64];
        m.Read(Base - 32, back);
        Assert.That(back.AsSpan(0, 32).ToArray(), Is.All.Zero);
        Assert.That(back.AsSpan(32, data.Length).SequenceEqual(data), Is.True);
        Assert.That(back.AsSpan(32 + data.Length).ToArray(), Is.All.Zero);
        Assert.That(m.AllocatedPages, Is.EqualTo(4)); // 0x4000_0F00 .. 0x4000_3F7A
        Assert.That(m.Read8(Base + 4000), Is.EqualTo(data[4000]));
        Assert.That(m.PopulatedPages().ToArray(), Is.EqualTo(new ulong[] { 0x40000, 0x40001, 0x40002, 0x40003 }));

        m.Fill(Base + 10, 5000, 0xA5);
        Assert.That(m.Read8(Base + 9), Is.EqualTo(data[9]));
        Assert.That(m.Read8(Base + 10), Is.EqualTo(0xA5));
        Assert.That(m.Read8(Base + 5009), Is.EqualTo(0xA5));
        Assert.That(m.Read8(Base + 5010), Is.EqualTo(data[5010]));
    }

    [Test]
    public void UnallocatedMemoryReadsZeroAndZeroWritesDoNotAllocate()
    {
        var m = new PhysicalMemory();
        Assert.That(m.Read64(0x1234_5678_9000), Is.Zero);
        Assert.That(m.Read8(LastByte), Is.Zero);
        var buf = new byte[10000];
        buf.AsSpan().Fill(0xCC);
        m.Read(0x7000_0000, buf);
        Assert.That(buf, Is.All.Zero);

        m.Write64(0x5000, 0);
        m.Write32(0x6000, 0);
        m.Write8(0x7000, 0);
        m.Write(0x8000, new byte[3 * PhysicalMemory.PageSize]);
        m.Fill(0x10_0000, 1 << 20, 0);
        Assert.That(m.AllocatedPages, Is.Zero);
        Assert.That(m.IsPopulated(0x5000), Is.False);
        Assert.That(m.PopulatedPages(), Is.Empty);

        // A span whose only non-zero byte is on its second page allocates that page only.
        var sparse = new byte[2 * PhysicalMemory.PageSize];
        sparse[PhysicalMemory.PageSize + 5] = 1;
        m.Write(0x20_0000, sparse);
        Assert.That(m.AllocatedPages, Is.EqualTo(1));
        Assert.That(m.IsPopulated(0x20_1000), Is.True);
        Assert.That(m.IsPopulated(0x20_0000), Is.False);

        // Zero writes to an allocated page do store (they overwrite data).
        m.Write8(0x20_1005, 0);
        Assert.That(m.Read8(0x20_1005), Is.Zero);
        Assert.That(m.AllocatedPages, Is.EqualTo(1));
    }

    [Test]
    public void FiftyTwoBitAddressSpace()
    {
        var m = new PhysicalMemory();
        Assert.That(PhysicalMemory.IsValidAddress(LastByte), Is.True);
        Assert.That(PhysicalMemory.IsValidAddress(LastByte + 1), Is.False);
        m.Write8(LastByte, 0xAB);
        Assert.That(m.Read8(LastByte), Is.EqualTo(0xAB));
        m.Write64(LastByte - 7, 0x0102_0304_0506_07AB);
        Assert.That(m.Read64(LastByte - 7), Is.EqualTo(0x0102_0304_0506_07ABUL));
        Assert.That(m.IsPopulated(LastByte), Is.True);

        // Beyond the limit: unbacked (reads zero, writes ignored), and the Try methods report failure.
        m.Write64(LastByte + 1, 0xFFFF);
        Assert.That(m.Read64(LastByte + 1), Is.Zero);
        Assert.That(m.IsPopulated(LastByte + 1), Is.False);
        Assert.That(m.TryRead(LastByte + 1, 1, out ulong v), Is.False);
        Assert.That(v, Is.Zero);
        Assert.That(m.TryRead(LastByte - 3, 8, out _), Is.False, "straddles the limit");
        Assert.That(m.TryRead(ulong.MaxValue, 1, out _), Is.False);
        Assert.That(m.TryRead(LastByte - 7, 8, out v), Is.True);
        Assert.That(v, Is.EqualTo(0x0102_0304_0506_07ABUL));
        Assert.That(m.TryWrite(LastByte - 3, 8, ulong.MaxValue), Is.False);
        Assert.That(m.Read64(LastByte - 7), Is.EqualTo(0x0102_0304_0506_07ABUL), "a failed TryWrite has no effect");
        Assert.That(m.TryWrite(LastByte, 1, 0x11), Is.True);
        Assert.That(m.Read8(LastByte), Is.EqualTo(0x11));
        Assert.That(m.TryRead(0x1000, 3, out _), Is.False, "bad size");
        Assert.That(m.TryWrite(0x1000, 0, 0), Is.False, "bad size");
    }

    [Test]
    public void AccessesThatWouldWrapPastTheTopOfTheAddressTypeDoNotTouchLowMemory()
    {
        var m = new PhysicalMemory();
        m.Write(ulong.MaxValue - 3, [1, 2, 3, 4, 5, 6, 7, 8]);
        m.Fill(ulong.MaxValue - 3, 8, 0xFF);
        m.Write64(ulong.MaxValue - 3, ulong.MaxValue);
        Assert.That(m.AllocatedPages, Is.Zero);
        var buf = new byte[8];
        buf.AsSpan().Fill(0xCC);
        m.Read(ulong.MaxValue - 3, buf);
        Assert.That(buf, Is.All.Zero);
    }

    [Test]
    public void LoadsRawAndGzipImagesLeavingZeroPagesUnallocated()
    {
        // Pages: 0 data, 1 zero, 2 zero, 3 data, 4 partial (100 bytes, data).
        var image = new byte[4 * PhysicalMemory.PageSize + 100];
        image[5] = 0x11;
        image[3 * PhysicalMemory.PageSize + 4095] = 0x33;
        image[4 * PhysicalMemory.PageSize + 99] = 0x44;
        string dir = Path.Combine(Path.GetTempPath(), "hwemu-memtest-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        try
        {
            string raw = Path.Combine(dir, "image.bin");
            string gz = Path.Combine(dir, "image.bin.gz");
            File.WriteAllBytes(raw, image);
            using (var f = File.Create(gz))
            using (var z = new GZipStream(f, CompressionLevel.Fastest))
                z.Write(image);

            foreach (string path in new[] { raw, gz })
            {
                var m = new PhysicalMemory();
                long loaded = m.LoadImageFile(path, 0x8000_0000);
                Assert.That(loaded, Is.EqualTo(image.Length), path);
                Assert.That(m.AllocatedPages, Is.EqualTo(3), path);
                Assert.That(m.PopulatedPages().ToArray(), Is.EqualTo(new ulong[] { 0x80000, 0x80003, 0x80004 }), path);
                Assert.That(m.Read8(0x8000_0005), Is.EqualTo(0x11));
                Assert.That(m.Read8(0x8000_3FFF), Is.EqualTo(0x33));
                Assert.That(m.Read8(0x8000_4063), Is.EqualTo(0x44));
                Assert.That(m.Read8(0x8000_4064), Is.Zero);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void ImagePastTheAddressLimitIsRejected()
    {
        var m = new PhysicalMemory();
        var data = new byte[2 * PhysicalMemory.PageSize];
        data[^1] = 1;
        Assert.Throws<InvalidDataException>(() => m.LoadImage(new MemoryStream(data), PhysicalMemory.AddressLimit - PhysicalMemory.PageSize));
    }

    [Test]
    public void LoadsTheReferenceGuestRamCapture()
    {
        // 256 MiB at PA 0x4000_0000 of which 39 pages are non-zero (counted independently with Python's gzip);
        // the first non-zero page is at offset 0x258_0000 and starts with the 64-bit value 9.
        string path = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "qemu-virt-its-nvme", "ram.bin.gz");
        var m = new PhysicalMemory();
        long loaded = m.LoadImageFile(path, 0x4000_0000);
        Assert.That(loaded, Is.EqualTo(256L << 20));
        Assert.That(m.AllocatedPages, Is.EqualTo(39));
        Assert.That(m.PopulatedPages().First(), Is.EqualTo((0x4000_0000UL + 0x258_0000) >> 12));
        Assert.That(m.Read64(0x4000_0000 + 0x258_0000), Is.EqualTo(9UL));
    }

    [Test]
    public void PageSpanExposesStorage()
    {
        var m = new PhysicalMemory();
        Assert.That(m.PageSpan(0x3000).IsEmpty, Is.True);
        m.Write32(0x3004, 0x01020304);
        var span = m.PageSpan(0x3FFF);
        Assert.That(span.Length, Is.EqualTo(PhysicalMemory.PageSize));
        Assert.That(span[4], Is.EqualTo(0x04));
        Assert.That(m.PageSpan(LastByte + 1).IsEmpty, Is.True);
    }
}
