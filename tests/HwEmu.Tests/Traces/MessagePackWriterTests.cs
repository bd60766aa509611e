using System.Buffers;
using HwEmu.Traces.MessagePack;
using NUnit.Framework;

namespace HwEmu.Tests.Traces;

public class MessagePackWriterTests
{
    internal delegate void WriteAction(ref MessagePackWriter w);

    internal static string Encode(WriteAction action)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(buffer);
        action(ref w);
        w.Flush();
        return Convert.ToHexString(buffer.WrittenSpan).ToLowerInvariant();
    }

    [TestCase(0UL, "00")]
    [TestCase(127UL, "7f")]
    [TestCase(128UL, "cc80")]
    [TestCase(255UL, "ccff")]
    [TestCase(256UL, "cd0100")]
    [TestCase(65535UL, "cdffff")]
    [TestCase(65536UL, "ce00010000")]
    [TestCase(4294967295UL, "ceffffffff")]
    [TestCase(4294967296UL, "cf0000000100000000")]
    [TestCase(18446744073709551615UL, "cfffffffffffffffff")]
    public void UnsignedUsesShortestUnsignedForm(ulong value, string hex) =>
        Assert.That(Encode((ref MessagePackWriter w) => w.Write(value)), Is.EqualTo(hex));

    [TestCase(0L, "00")]
    [TestCase(1L, "01")]
    [TestCase(300L, "cd012c")]
    [TestCase(-1L, "ff")]
    [TestCase(-32L, "e0")]
    [TestCase(-33L, "d0df")]
    [TestCase(-128L, "d080")]
    [TestCase(-129L, "d1ff7f")]
    [TestCase(-32768L, "d18000")]
    [TestCase(-32769L, "d2ffff7fff")]
    [TestCase(-2147483648L, "d280000000")]
    [TestCase(-2147483649L, "d3ffffffff7fffffff")]
    [TestCase(long.MinValue, "d38000000000000000")]
    [TestCase(long.MaxValue, "cf7fffffffffffffff")]
    public void SignedUsesUnsignedFamilyForNonNegativeAndShortestSignedForNegative(long value, string hex) =>
        Assert.That(Encode((ref MessagePackWriter w) => w.Write(value)), Is.EqualTo(hex));

    [Test]
    public void NilBoolFloats()
    {
        Assert.That(Encode((ref MessagePackWriter w) => w.WriteNil()), Is.EqualTo("c0"));
        Assert.That(Encode((ref MessagePackWriter w) => w.Write(false)), Is.EqualTo("c2"));
        Assert.That(Encode((ref MessagePackWriter w) => w.Write(true)), Is.EqualTo("c3"));
        Assert.That(Encode((ref MessagePackWriter w) => w.Write(1.0f)), Is.EqualTo("ca3f800000"));
        Assert.That(Encode((ref MessagePackWriter w) => w.Write(1.0)), Is.EqualTo("cb3ff0000000000000"));
        Assert.That(Encode((ref MessagePackWriter w) => w.Write(-0.5)), Is.EqualTo("cbbfe0000000000000"));
    }

    [TestCase(0, "a0")]
    [TestCase(31, "bf")]
    [TestCase(32, "d920")]
    [TestCase(255, "d9ff")]
    [TestCase(256, "da0100")]
    [TestCase(65535, "daffff")]
    [TestCase(65536, "db00010000")]
    public void StringHeaders(int length, string headerHex)
    {
        string s = new('x', length);
        string hex = Encode((ref MessagePackWriter w) => w.WriteString(s));
        Assert.That(hex.Substring(0, headerHex.Length), Is.EqualTo(headerHex));
        Assert.That(hex.Length, Is.EqualTo(headerHex.Length + (2 * length)));
    }

    [Test]
    public void Utf8StringIsTranscoded() =>
        Assert.That(Encode((ref MessagePackWriter w) => w.WriteString("ひらがな")), Is.EqualTo("ace381b2e38289e3818ce381aa"));

    [TestCase(0, "c400")]
    [TestCase(255, "c4ff")]
    [TestCase(256, "c50100")]
    [TestCase(65535, "c5ffff")]
    [TestCase(65536, "c600010000")]
    public void BinaryHeaders(int length, string headerHex)
    {
        byte[] data = new byte[length];
        string hex = Encode((ref MessagePackWriter w) => w.WriteBinary(data));
        Assert.That(hex.Substring(0, headerHex.Length), Is.EqualTo(headerHex));
        Assert.That(hex.Length, Is.EqualTo(headerHex.Length + (2 * length)));
    }

    [TestCase(0u, "90", "80")]
    [TestCase(15u, "9f", "8f")]
    [TestCase(16u, "dc0010", "de0010")]
    [TestCase(65535u, "dcffff", "deffff")]
    [TestCase(65536u, "dd00010000", "df00010000")]
    public void ArrayAndMapHeaders(uint count, string arrayHex, string mapHex)
    {
        Assert.That(Encode((ref MessagePackWriter w) => w.WriteArrayHeader(count)), Is.EqualTo(arrayHex));
        Assert.That(Encode((ref MessagePackWriter w) => w.WriteMapHeader(count)), Is.EqualTo(mapHex));
    }

    [TestCase(1, "d405")]
    [TestCase(2, "d505")]
    [TestCase(4, "d605")]
    [TestCase(8, "d705")]
    [TestCase(16, "d805")]
    [TestCase(0, "c70005")]
    [TestCase(3, "c70305")]
    [TestCase(255, "c7ff05")]
    [TestCase(256, "c8010005")]
    [TestCase(65536, "c90001000005")]
    public void ExtensionHeaders(int length, string headerHex)
    {
        byte[] data = new byte[length];
        string hex = Encode((ref MessagePackWriter w) => w.WriteExtension(5, data));
        Assert.That(hex.Substring(0, headerHex.Length), Is.EqualTo(headerHex));
        Assert.That(hex.Length, Is.EqualTo(headerHex.Length + (2 * length)));
    }

    [TestCase(0L, 0u, "d6ff00000000")]
    [TestCase(4294967295L, 0u, "d6ffffffffff")]
    [TestCase(0L, 1u, "d7ff0000000400000000")]
    [TestCase(4294967296L, 0u, "d7ff0000000100000000")]
    [TestCase(17179869183L, 999999999u, "d7ffee6b27ffffffffff")]
    [TestCase(17179869184L, 0u, "c70cff000000000000000400000000")]
    [TestCase(-1L, 999999999u, "c70cff3b9ac9ffffffffffffffffff")]
    public void TimestampPicksTheShortestOfItsThreeForms(long sec, uint nsec, string hex) =>
        Assert.That(Encode((ref MessagePackWriter w) => w.WriteTimestamp(sec, nsec)), Is.EqualTo(hex));

    [Test]
    public void TimestampRejectsNanosecondsAboveOneSecond() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Encode((ref MessagePackWriter w) => w.WriteTimestamp(0, 1_000_000_000)));

    [Test]
    public void MessagePackCSharpWorkedVector()
    {
        // traces-and-fault-injection.md §1.7: [Key]-indexed object with gaps written as nil.
        string hex = Encode((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(9);
            w.Write(1000000UL);
            w.Write((ushort)16);
            w.Write(0xfffff000UL);
            w.WriteNil();
            w.WriteNil();
            w.Write(true);
            w.Write(-33);
            w.WriteString("smmu");
            w.WriteBinary([1, 2]);
        });
        Assert.That(hex, Is.EqualTo("99ce000f424010cefffff000c0c0c3d0dfa4736d6d75c4020102"));
    }

    [Test]
    public void WritesAcrossManySmallSegments()
    {
        // An IBufferWriter that hands out tiny spans forces the refill path on every write.
        var seg = new TinySegmentWriter();
        var w = new MessagePackWriter(seg);
        for (ulong i = 0; i < 1000; i++)
        {
            w.Write(i * 0x10001UL);
            w.WriteString("abc");
        }
        w.Flush();
        var reference = new ArrayBufferWriter<byte>();
        var w2 = new MessagePackWriter(reference);
        for (ulong i = 0; i < 1000; i++)
        {
            w2.Write(i * 0x10001UL);
            w2.WriteString("abc");
        }
        w2.Flush();
        Assert.That(seg.Written.ToArray(), Is.EqualTo(reference.WrittenSpan.ToArray()));
        Assert.That(w.BytesWritten, Is.EqualTo(reference.WrittenCount));
    }

    private sealed class TinySegmentWriter : IBufferWriter<byte>
    {
        private readonly List<byte> _bytes = [];
        private byte[] _segment = [];

        public List<byte> Written => _bytes;

        public void Advance(int count) => _bytes.AddRange(_segment.AsSpan(0, count).ToArray());

        public Memory<byte> GetMemory(int sizeHint = 0) => _segment = new byte[Math.Max(sizeHint, 1)];

        public Span<byte> GetSpan(int sizeHint = 0) => _segment = new byte[Math.Max(sizeHint, 1)];
    }
}
