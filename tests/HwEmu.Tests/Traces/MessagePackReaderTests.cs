using HwEmu.Traces.MessagePack;
using NUnit.Framework;

namespace HwEmu.Tests.Traces;

public class MessagePackReaderTests
{
    private static byte[] H(string hex) => Convert.FromHexString(hex.Replace("-", "").Replace(" ", ""));

    [TestCase("00", 0UL)]
    [TestCase("7f", 127UL)]
    [TestCase("cc80", 128UL)]
    [TestCase("cd0100", 256UL)]
    [TestCase("ce00010000", 65536UL)]
    [TestCase("cf0000000100000000", 4294967296UL)]
    [TestCase("cfffffffffffffffff", ulong.MaxValue)]
    [TestCase("d001", 1UL)]
    [TestCase("d10001", 1UL)]
    [TestCase("d200000001", 1UL)]
    [TestCase("d30000000000000001", 1UL)]
    public void ReadUInt64AcceptsEveryIntegerSpelling(string hex, ulong expected)
    {
        var r = new MessagePackReader(H(hex));
        Assert.That(r.ReadUInt64(), Is.EqualTo(expected));
        Assert.That(r.End, Is.True);
    }

    [TestCase("ff", -1L)]
    [TestCase("e0", -32L)]
    [TestCase("d0df", -33L)]
    [TestCase("d1ff7f", -129L)]
    [TestCase("d2ffff7fff", -32769L)]
    [TestCase("d38000000000000000", long.MinValue)]
    [TestCase("cf7fffffffffffffff", long.MaxValue)]
    [TestCase("cc80", 128L)]
    public void ReadInt64(string hex, long expected)
    {
        var r = new MessagePackReader(H(hex));
        Assert.That(r.ReadInt64(), Is.EqualTo(expected));
    }

    [TestCase("ff", "UInt64")]
    [TestCase("d0ff", "UInt64")]
    [TestCase("cf8000000000000000", "Int64")]
    [TestCase("cd0100", "Byte")]
    [TestCase("ce00010000", "UInt16")]
    [TestCase("cf0000000100000000", "UInt32")]
    public void OverflowIsAFormatError(string hex, string type)
    {
        var ex = Assert.Throws<MessagePackFormatException>(() =>
        {
            var r = new MessagePackReader(H(hex), baseOffset: 100);
            switch (type)
            {
                case "UInt64": r.ReadUInt64(); break;
                case "Int64": r.ReadInt64(); break;
                case "Byte": r.ReadByte(); break;
                case "UInt16": r.ReadUInt16(); break;
                default: r.ReadUInt32(); break;
            }
        });
        Assert.That(ex!.Offset, Is.EqualTo(100));
        Assert.That(ex.Message, Does.Contain("does not fit in " + type));
    }

    [Test]
    public void NeverUsedByteIsRejectedEverywhere()
    {
        var ex = Assert.Throws<MessagePackFormatException>(() => new MessagePackReader(H("92 01 c1"), 10).Skip());
        Assert.That(ex!.Offset, Is.EqualTo(12));
        Assert.That(ex.Message, Does.Contain("0xc1"));
        ex = Assert.Throws<MessagePackFormatException>(() => new MessagePackReader(H("c1")).ReadUInt64());
        Assert.That(ex!.Message, Does.Contain("0xc1"));
        Assert.That(new MessagePackReader(H("c1")).NextType, Is.EqualTo(MessagePackType.Unknown));
    }

    [Test]
    public void EveryTruncationOfEveryFamilyIsRejectedWithItsOffset()
    {
        string[] values =
        [
            "cc80", "cd0100", "ce00010000", "cf0000000100000000", "d0df", "d1ff7f", "d2ffff7fff", "d38000000000000000",
            "ca3f800000", "cb3ff0000000000000", "a3616263", "d903616263", "da0003616263", "db00000003616263",
            "c403010203", "c50003010203", "c600000003010203", "93010203", "dc0003010203", "dd00000003010203",
            "82a16101a16202", "de0001a16101", "df00000001a16101", "d40510", "d5050102", "d60501020304",
            "d7050102030405060708", "d805000102030405060708090a0b0c0d0e0f", "c7030501 0203", "c8000305010203",
            "c900000003 05010203", "d6ff00000001", "c70cff000000000000000400000000",
        ];
        foreach (string v in values)
        {
            byte[] full = H(v);
            var ok = new MessagePackReader(full);
            ok.Skip();
            Assert.That(ok.End, Is.True, v);
            for (int cut = 0; cut < full.Length; cut++)
            {
                byte[] part = full.AsSpan(0, cut).ToArray();
                var ex = Assert.Throws<MessagePackFormatException>(() => new MessagePackReader(part, 1000).Skip(), $"{v} cut at {cut}");
                Assert.That(ex!.Offset, Is.InRange(1000, 1000 + cut), $"{v} cut at {cut}");
            }
        }
    }

    [TestCase("db ffffffff 61", "str 32 declares 4294967295 bytes")]
    [TestCase("c6 ffffffff 00", "bin 32 declares 4294967295 bytes")]
    [TestCase("dd ffffffff 01", "array 32 declares 4294967295 elements")]
    [TestCase("df ffffffff 01", "map 32 declares 4294967295 pairs")]
    [TestCase("c9 ffffffff 05 00", "ext 32 declares 4294967295 bytes")]
    [TestCase("dc 0003 01 02", "array 16 declares 3 elements")]
    public void HugeDeclaredLengthsAreErrorsNotAllocations(string hex, string message)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<MessagePackFormatException>(() => new MessagePackReader(H(hex)).Skip());
        Assert.That(ex!.Message, Does.Contain(message));
        Assert.That(ex.Offset, Is.EqualTo(0));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(64 * 1024));
    }

    [Test]
    public void DepthLimit()
    {
        byte[] deep = new byte[100];
        Array.Fill(deep, (byte)0x91);
        deep[^1] = 0x01;
        var ex = Assert.Throws<MessagePackFormatException>(() => new MessagePackReader(deep, 0, maxDepth: 64).Skip());
        Assert.That(ex!.Message, Does.Contain("nesting deeper than the limit of 64"));
        Assert.That(ex.Offset, Is.EqualTo(64));
        var shallow = new MessagePackReader(deep, 0, maxDepth: 100);
        shallow.Skip();
        Assert.That(shallow.End, Is.True);
    }

    [Test]
    public void StringsBinaryExtensions()
    {
        var r = new MessagePackReader(H("a3616263 d90141 c4020102 d40510 c7030701 0203 c0 c3 c2"));
        Assert.That(r.ReadString(), Is.EqualTo("abc"));
        Assert.That(r.ReadString(), Is.EqualTo("A"));
        Assert.That(r.ReadBinary().ToArray(), Is.EqualTo(new byte[] { 1, 2 }));
        Assert.That(r.ReadExtension(out sbyte t1).ToArray(), Is.EqualTo(new byte[] { 0x10 }));
        Assert.That(t1, Is.EqualTo(5));
        ExtensionHeader h = r.ReadExtensionHeader();
        Assert.That(h, Is.EqualTo(new ExtensionHeader(7, 3)));
        r.Position += 3;
        Assert.That(r.TryReadNil(), Is.True);
        Assert.That(r.ReadBoolean(), Is.True);
        Assert.That(r.ReadBoolean(), Is.False);
        Assert.That(r.End, Is.True);
    }

    [Test]
    public void InvalidUtf8IsRejected()
    {
        var ex = Assert.Throws<MessagePackFormatException>(() => new MessagePackReader(H("a2 c3 28")).ReadString());
        Assert.That(ex!.Message, Does.Contain("not valid UTF-8"));
    }

    [TestCase("d6ff5a4af6a5", 1514862245L, 0u)]
    [TestCase("d7ffa1dcd7c85a4af6a5", 1514862245L, 678901234u)]
    [TestCase("c70cff3b9ac9ffffffffffffffffff", -1L, 999999999u)]
    public void Timestamps(string hex, long sec, uint nsec)
    {
        var r = new MessagePackReader(H(hex));
        r.ReadTimestamp(out long s, out uint ns);
        Assert.That((s, ns), Is.EqualTo((sec, nsec)));
    }

    [TestCase("d5ff0000", "timestamp extension has 2 data bytes")]
    [TestCase("c703ff000000", "timestamp extension has 3 data bytes")]
    [TestCase("d7ffffffffff00000000", "timestamp nanoseconds 1073741823 exceed 999999999")]
    [TestCase("c70cff3b9aca00000000000000000000", "timestamp nanoseconds 1000000000 exceed 999999999")]
    [TestCase("d60500000000", "expected a timestamp (extension type -1) but found extension type 5")]
    public void BadTimestampsAreRejected(string hex, string message)
    {
        var ex = Assert.Throws<MessagePackFormatException>(() =>
        {
            var r = new MessagePackReader(H(hex));
            r.ReadTimestamp(out _, out _);
        });
        Assert.That(ex!.Message, Does.Contain(message));
    }

    [Test]
    public void TypeMismatchNamesWhatWasFound()
    {
        var ex = Assert.Throws<MessagePackFormatException>(() => new MessagePackReader(H("00 a161"), 7) { Position = 1 }.ReadUInt64());
        Assert.That(ex!.Message, Is.EqualTo("MessagePack error at byte offset 8: expected an integer but found fixstr (0xa1)"));
    }

    [Test]
    public void ReadingAllocatesNothing()
    {
        byte[] data = H("9b 02 cf0000000100000000 ce12345678 10 c0 cd1000 cf00000001fffff000 03 cc80 02 01");
        var warm = new MessagePackReader(data);
        warm.Skip();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10000; i++)
        {
            var r = new MessagePackReader(data);
            r.ReadArrayHeader();
            for (int k = 0; k < 11; k++)
            {
                if (!r.TryReadNil())
                {
                    r.ReadUInt64();
                }
            }
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0));
    }
}
